"""setup() for a notebook kernel: Django configured on a fresh, migrated, seeded database."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

SETTINGS_MODULE = "tutorial_project.settings"


@dataclass(frozen=True)
class Course:
    """What setup() prepared for this kernel."""

    database: str
    counts: dict[str, int]
    db_path: Path | None = None

    def summary(self) -> str:
        """One line for the learner; no paths or ports, so it reads the same on every machine."""
        seeded = ", ".join(f"{count} {table}" for table, count in self.counts.items())
        where = "a fresh SQLite file" if self.database == "sqlite" else "a MySQL database"
        return f"Django is ready: {where} for this kernel, migrated, seeded with {seeded}."


_course: Course | None = None


def setup(database: str = "sqlite") -> Course:
    """Configure Django on a new database for this kernel; a second call repeats the summary.

    `database="mysql"` uses the server named by TUTORIAL_MYSQL_URL, or else starts a throwaway
    MariaDB/MySQL server for the kernel's lifetime (notebook 06).
    """
    global _course
    if _course is not None:
        print(f"Already set up in this kernel. {_course.summary()}")
        return _course

    try:
        import django
        from django.conf import settings
    except ImportError:
        # The kernel is not running in the course's environment: say what is wrong and the fix.
        from tutorial_project import doctor

        for result in doctor.run_checks(doctor.default_lock()):
            print(result.line())
        raise RuntimeError(
            "The course's packages are missing in this kernel: see the FAIL lines above."
        ) from None

    if settings.configured:
        # Settings were read before we could point them at a fresh database file.
        raise RuntimeError(
            "Django was configured before setup() ran. "
            "Restart the kernel and make setup() the first thing the notebook runs."
        )
    db_path = None
    if database == "mysql":
        _use_mysql()
    elif database == "sqlite":
        # A MySQL URL in the environment must not turn the other notebooks' databases into one
        # shared server database; only notebook 06 asks for MySQL.
        os.environ.pop("TUTORIAL_MYSQL_URL", None)
        os.environ.pop("TUTORIAL_DATABASE", None)
        # One file per kernel, never ":memory:": each thread that sync_to_async uses opens its own
        # connection, and an in-memory database would be a different, empty one in every thread.
        remove_stale_databases()
        tmpdir = Path(tempfile.mkdtemp(prefix=f"async-django-{os.getpid()}-"))
        atexit.register(shutil.rmtree, tmpdir, ignore_errors=True)
        db_path = tmpdir / "db.sqlite3"
        os.environ["TUTORIAL_DB_PATH"] = str(db_path)
    else:
        raise ValueError(f"database must be 'sqlite' or 'mysql', not {database!r}")
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    # settings.py reads this and routes Django's warnings and errors to OneLineLogHandler, so
    # every later django.setup() (get_asgi_application() calls it again) keeps the same logging.
    os.environ["TUTORIAL_ONE_LINE_LOGS"] = "1"
    # The notebooks measure the lab's experiment endpoints, whatever DJANGO_DEBUG says.
    os.environ["TUTORIAL_LAB"] = "1"
    # Every notebook measures Django's stock handler and the project's full middleware stack, and
    # builds the other variants itself; a shell set up for the benchmark must not change that.
    for variable in ("TUTORIAL_HANDLER", "TUTORIAL_MIDDLEWARE"):
        os.environ.pop(variable, None)
    django.setup()

    # The kernel's event loop runs in this thread, so Django's async-safety check would refuse the
    # ORM here: exactly what notebook 00 shows the learner. A worker thread has no running loop.
    # Setting DJANGO_ALLOW_ASYNC_UNSAFE instead would silence that check for the whole kernel and
    # hide the lesson.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="setup") as pool:
        counts = pool.submit(_migrate_and_seed).result(timeout=120)
    _course = Course(database=database, counts=counts, db_path=db_path)
    print(_course.summary())
    return _course


def remove_stale_databases() -> None:
    """Delete the database folders of kernels that have ended without cleaning up."""
    # A kernel stopped with SIGKILL (as test runners stop them) runs no atexit handler; its folder,
    # named after its process id, is removed by the next setup() instead.
    for folder in Path(tempfile.gettempdir()).glob("async-django-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    """Whether a process with this id is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to someone else
    return True


def _use_mysql() -> None:
    """Point TUTORIAL_MYSQL_URL at a server: the one given, or a throwaway one for this kernel."""
    from tutorial_project import mysql

    if mysql.database_url():
        return
    if mysql.server_binaries() is None:
        # One line, not a traceback: the learner needs the reason and the fix.
        raise RuntimeError(mysql.why_no_server())
    stack = ExitStack()
    os.environ[mysql.URL_VARIABLE] = stack.enter_context(mysql.throwaway_server())
    # The server lives as long as the kernel; stopping it also deletes its data directory.
    atexit.register(stack.close)


class OneLineLogHandler(logging.Handler):
    """Print a log record as one line on stdout: level, first line of the message, the exception."""

    def emit(self, record: logging.LogRecord) -> None:
        """Print the record; a traceback becomes "ExceptionType: message" without file paths."""
        first, *more = record.getMessage().splitlines() or [""]
        line = f"[{record.name}] {record.levelname}: {first}{' …' if more else ''}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and str(error) not in record.getMessage():
            line += f" ({type(error).__name__}: {str(error).splitlines()[0]})"
        # sys.stdout at emit time: the kernel swaps it per cell, and stdout keeps the log in order
        # with the cell's own prints. One write, so that a line from a worker thread never splits.
        sys.stdout.write(line + "\n")


def _migrate_and_seed() -> dict[str, int]:
    """Create the schema and the seed rows; runs in a worker thread."""
    from django.core.management import call_command
    from django.db import connections

    from tutorial_project.library.seed import seed

    try:
        call_command("migrate", verbosity=0, interactive=False)
        if connections["default"].vendor == "mysql":
            # A server named by TUTORIAL_MYSQL_URL may hold an earlier kernel's rows: start each
            # kernel from the same empty tables (flush also resets the ids), as SQLite kernels do.
            call_command("flush", verbosity=0, interactive=False)
        return seed()
    finally:
        # Connections belong to the thread that opened them; close ours before the thread ends.
        connections.close_all()
