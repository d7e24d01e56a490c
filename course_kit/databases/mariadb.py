"""A MariaDB/MySQL server for the course: the one named in the environment, or a throwaway one.

- `choose()` is the one place that decides where the server comes from: `TUTORIAL_MYSQL_URL` if
  set, else a throwaway server when one is installed, else none (with the reason in one line).
  `setup(database="mysql")`, `make test-mysql`, `make doctor` and the test suite all ask it.
- `throwaway_server()` starts a private server in a temporary data directory, bound to 127.0.0.1
  on a free port, with a database and a user of its own; on exit it stops the server and deletes
  the directory, and a reaper does so if the process that started it is killed.
"""

from __future__ import annotations

import getpass
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from course_kit.databases import Choice, decide
from course_kit.databases.reaper import start_reaper
from course_kit.kernel import scratch_prefix
from course_kit.processes import free_socket, stop_process
from tutorial_project.db import URL_VARIABLE, database_url

REQUIRE_VARIABLE = "TUTORIAL_REQUIRE_MYSQL"
# Debian puts the server in /usr/sbin, which is not on a normal user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


def choose() -> Choice:
    """Decide where a server comes from, here and now (see course_kit.databases.decide)."""
    return decide(database_url(), server_binaries() is not None, why_no_server(), server_required())


def server_binaries() -> tuple[str, str] | None:
    """The server and its data-directory tool, if installed: (mariadbd, mariadb-install-db)."""
    for server, installer in [("mariadbd", "mariadb-install-db"), ("mysqld", "mysql_install_db")]:
        found = shutil.which(server, path=SEARCH_PATH), shutil.which(installer, path=SEARCH_PATH)
        if all(found):
            return found[0], found[1]
    return None


def server_required() -> bool:
    """Whether a missing server is a failure (TUTORIAL_REQUIRE_MYSQL set, and not to 0)."""
    return os.environ.get(REQUIRE_VARIABLE, "") not in {"", "0"}


def why_no_server() -> str:
    """One line that says why no MySQL server is available, and how to get one."""
    return (
        f"No MySQL/MariaDB server: set {URL_VARIABLE}=mysql://user:password@host:port/name, or "
        "install one (Debian/Ubuntu: sudo apt install mariadb-server; macOS: brew install mariadb)."
    )


@contextmanager
def throwaway_server(startup_timeout: float = 30.0) -> Iterator[str]:
    """Run a private MariaDB/MySQL server until the block ends; yield its database URL."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(why_no_server())
    server, installer = binaries
    # The data directory, socket and log live in one temporary directory that we delete at the end.
    # Named after our process id, so that if both we and the reaper are killed, the next
    # setup() deletes it (kernel.remove_stale_scratch).
    workdir = Path(tempfile.mkdtemp(prefix=scratch_prefix("mysql")))
    datadir, socket_path = workdir / "data", workdir / "mysqld.sock"
    user_flag = ["--user=root"] if os.geteuid() == 0 else []
    process: subprocess.Popen[bytes] | None = None
    reaper: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [installer, "--no-defaults", f"--datadir={datadir}", *user_flag, "--skip-test-db",
             "--auth-root-authentication-method=socket"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        probe = free_socket()
        port = probe.getsockname()[1]
        probe.close()  # the server binds the port itself, right after
        process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={datadir}", f"--socket={socket_path}",
             f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
             f"--pid-file={workdir / 'mysqld.pid'}", f"--log-error={workdir / 'error.log'}",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             *user_flag],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        reaper = start_reaper(process.pid, workdir)
        admin = _wait_for_socket(socket_path, process, workdir, startup_timeout)
        password = secrets.token_urlsafe(16)
        with admin.cursor() as cursor:
            cursor.execute(
                "CREATE DATABASE tutorial CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            cursor.execute("CREATE USER 'tutorial'@'127.0.0.1' IDENTIFIED BY %s", [password])
            cursor.execute("GRANT ALL PRIVILEGES ON tutorial.* TO 'tutorial'@'127.0.0.1'")
            # Django's test runner creates test_tutorial (and test_tutorial_gw0… under xdist).
            cursor.execute("GRANT ALL PRIVILEGES ON `test\\_tutorial%`.* TO 'tutorial'@'127.0.0.1'")
        admin.close()
        yield f"mysql://tutorial:{quote(password)}@127.0.0.1:{port}/tutorial"
    finally:
        if process is not None:
            stop_process(process, grace=30)  # SIGTERM makes the server shut down cleanly
        shutil.rmtree(workdir, ignore_errors=True)
        if reaper is not None:
            reaper.communicate(b"done", timeout=10)


def _wait_for_socket(
    socket_path: Path, process: subprocess.Popen[bytes], workdir: Path, timeout: float
) -> object:
    """Connect as the administrator over the unix socket once the server accepts connections."""
    import pymysql

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log = (workdir / "error.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The MySQL server exited during start-up:\n{log}")
        # Socket authentication: the server's root (or the OS user running it) logs in unasked.
        for user in dict.fromkeys(["root", getpass.getuser()]):
            try:
                return pymysql.connect(unix_socket=str(socket_path), user=user, autocommit=True)
            # Not pymysql.err.OperationalError: once Django has imported PyMySQL as MySQLdb, its
            # submodules can exist twice (pymysql.err and MySQLdb.err), with distinct classes.
            except Exception as error:  # any failure here means "not ready yet"
                last_error = error
        if time.monotonic() > deadline:
            stop_process(process, grace=30)
            raise TimeoutError(
                f"The MySQL server did not accept connections within {timeout:g} s "
                f"(last error: {last_error})."
            )
        time.sleep(0.05)
