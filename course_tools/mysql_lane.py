"""`python -m course_tools.mysql_lane COMMAND…` (`make test-mysql`): run COMMAND against MariaDB.

COMMAND runs with `TUTORIAL_MYSQL_URL` pointing at a server: the one in the environment, or a
throwaway one started for the command's lifetime. Without either it prints one SKIP line and
succeeds, or fails with FAIL when `TUTORIAL_REQUIRE_MYSQL=1` (as CI sets).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from course_kit.databases import mariadb
from tutorial_project.db import URL_VARIABLE


def main(argv: list[str] | None = None) -> int:
    """Run a command with TUTORIAL_MYSQL_URL set; start a throwaway server when none is given."""
    command = list(sys.argv[1:] if argv is None else argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python -m course_tools.mysql_lane COMMAND [ARG…]", file=sys.stderr)
        return 2
    choice = mariadb.choose()
    if choice.source == "url":
        return subprocess.call(command)
    if choice.source == "none":
        print(f"{'FAIL' if choice.required else 'SKIP'}: {choice.why}")
        return 1 if choice.required else 0
    started = time.perf_counter()
    with mariadb.throwaway_server() as url:
        print(f"A throwaway MariaDB/MySQL server is ready on 127.0.0.1 "
              f"({time.perf_counter() - started:.1f} s).", flush=True)  # fmt: skip
        return subprocess.call(command, env={**os.environ, URL_VARIABLE: url})


if __name__ == "__main__":
    sys.exit(main())
