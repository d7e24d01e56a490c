"""`python -m course_tools.database_lane VENDOR COMMAND…`: run COMMAND against a database server.

VENDOR is `mariadb` (`make test-mysql`) or `postgres` (`make test-postgres`). COMMAND runs with
the vendor's URL variable (`TUTORIAL_MYSQL_URL`, `TUTORIAL_POSTGRES_URL`) pointing at a server:
the one in the environment, or a throwaway one started for the command's lifetime. Without
either it prints one SKIP line and succeeds, or fails with FAIL when the vendor's require flag is
set (`TUTORIAL_REQUIRE_MYSQL=1`, `TUTORIAL_REQUIRE_POSTGRES=1`, as CI sets them).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time

from tutorial_project.db import POSTGRES_URL_VARIABLE, URL_VARIABLE

VENDORS = {"mariadb": URL_VARIABLE, "postgres": POSTGRES_URL_VARIABLE}
USAGE = f"usage: python -m course_tools.database_lane {{{','.join(VENDORS)}}} COMMAND [ARG…]"


def main(argv: list[str] | None = None) -> int:
    """Run a command with the vendor's URL set; start a throwaway server when none is given."""
    args = list(sys.argv[1:] if argv is None else argv)
    vendor, command = (args[0], args[1:]) if args else ("", [])
    if command[:1] == ["--"]:
        command = command[1:]
    if vendor not in VENDORS or not command:
        print(USAGE, file=sys.stderr)
        return 2
    server = importlib.import_module(f"course_kit.databases.{vendor}")
    choice = server.choose()
    if choice.source == "url":
        return subprocess.call(command)
    if choice.source == "none":
        print(f"{'FAIL' if choice.required else 'SKIP'}: {choice.why}")
        return 1 if choice.required else 0
    started = time.perf_counter()
    with server.throwaway_server() as url:
        print(f"A throwaway {vendor} server is ready on 127.0.0.1 "
              f"({time.perf_counter() - started:.1f} s).", flush=True)  # fmt: skip
        return subprocess.call(command, env={**os.environ, VENDORS[vendor]: url})


if __name__ == "__main__":
    sys.exit(main())
