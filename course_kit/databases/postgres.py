"""A PostgreSQL server for the course: the one named in the environment, or a throwaway one.

- `choose()` decides where the server comes from: `TUTORIAL_POSTGRES_URL` if set, else a
  throwaway server when PostgreSQL is installed, else none (with the reason in one line).
- `throwaway_server()` runs `initdb` and `postgres` in a temporary directory, listening on
  127.0.0.1 on a free port, with a database and a user (and generated password) of its own; on
  exit it stops the server and deletes the directory, and a reaper does so if the process that
  started it is killed. PostgreSQL refuses to run as root, so as root the server runs as the
  unprivileged `postgres` user (or `nobody`), which then owns the temporary directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from course_kit.databases import Choice, decide
from course_kit.databases.reaper import start_reaper
from course_kit.kernel import scratch_prefix
from course_kit.processes import free_port
from tutorial_project.db import POSTGRES_URL_VARIABLE, postgres_url

REQUIRE_VARIABLE = "TUTORIAL_REQUIRE_POSTGRES"
# Debian keeps the server's programs out of PATH, one folder per major version.
SEARCH = ["/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin"]


def choose() -> Choice:
    """Decide where a server comes from, here and now (see course_kit.databases.decide)."""
    return decide(postgres_url(), server_binaries() is not None, why_no_server(), server_required())


def server_binaries() -> Path | None:
    """The folder with initdb and postgres, the newest version first, if installed."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    for pattern in SEARCH:
        candidates += sorted((Path(p) for p in glob.glob(pattern)), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    return None


def server_required() -> bool:
    """Whether a missing server is a failure (TUTORIAL_REQUIRE_POSTGRES set, and not to 0)."""
    return os.environ.get(REQUIRE_VARIABLE, "") not in {"", "0"}


def why_no_server() -> str:
    """One line that says why no PostgreSQL server is available, and how to get one."""
    return (
        f"No PostgreSQL server: set {POSTGRES_URL_VARIABLE}=postgres://user:password@host:port/"
        "name, or install one (Debian/Ubuntu: sudo apt install postgresql; macOS: brew install "
        "postgresql)."
    )


def _run_as() -> dict[str, Any]:
    """Popen arguments that drop root for PostgreSQL, which refuses to run as root."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    raise RuntimeError("Running as root, and there is no 'postgres' or 'nobody' user to run as.")


@contextmanager
def throwaway_server(startup_timeout: float = 30.0) -> Iterator[str]:
    """Run a private PostgreSQL server until the block ends; yield its database URL."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(why_no_server())
    as_user = _run_as()
    # Named after our process id, so that if both we and the reaper are killed, the next
    # setup() deletes it (kernel.remove_stale_scratch).
    workdir = Path(tempfile.mkdtemp(prefix=scratch_prefix("postgres")))
    if as_user:
        os.chown(workdir, as_user["user"], as_user["group"])
    datadir = workdir / "data"
    process: subprocess.Popen[bytes] | None = None
    reaper: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [binaries / "initdb", "-D", datadir, "-U", "admin", "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True, timeout=120, **as_user,
        )  # fmt: skip
        port = free_port()
        with (workdir / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [binaries / "postgres", "-D", datadir, "-k", workdir, "-p", str(port),
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                 "-c", "max_connections=200"],
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True, **as_user,
            )  # fmt: skip
        # SIGINT is PostgreSQL's fast shutdown: it does not wait for clients that will never go.
        reaper = start_reaper(process.pid, workdir, stop_with=signal.SIGINT)
        password = secrets.token_urlsafe(16)
        with _admin(workdir, port, process, startup_timeout) as admin:
            admin.execute(f"CREATE ROLE tutorial LOGIN CREATEDB PASSWORD '{password}'")
            admin.execute("CREATE DATABASE tutorial OWNER tutorial")
        yield f"postgres://tutorial:{quote(password)}@127.0.0.1:{port}/tutorial"
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
        if reaper is not None:
            reaper.communicate(b"done", timeout=10)


@contextmanager
def _admin(workdir: Path, port: int, process: subprocess.Popen[bytes], timeout: float) -> Any:
    """An autocommit connection as the server's superuser, over its unix socket, once it is up."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log = (workdir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The PostgreSQL server exited during start-up:\n{log}")
        try:
            connection = psycopg.connect(
                host=str(workdir), port=port, user="admin", dbname="postgres", autocommit=True
            )
            break
        except psycopg.OperationalError as error:  # not listening yet
            if time.monotonic() > deadline:
                _stop(process)
                raise TimeoutError(
                    f"The PostgreSQL server did not accept connections within {timeout:g} s "
                    f"(last error: {error})."
                ) from None
            time.sleep(0.05)
    with connection:
        yield connection


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT), then SIGKILL if it takes more than 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
