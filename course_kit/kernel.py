"""setup() for a notebook kernel: Django configured on a fresh, migrated, seeded database."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from course_kit.processes import process_exists

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
    django = _django_not_yet_configured()
    if database == "mysql":
        db_path = None
        _use_mysql()
    elif database == "sqlite":
        db_path = _use_sqlite()
    else:
        raise ValueError(f"database must be 'sqlite' or 'mysql', not {database!r}")
    _use_course_settings()
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


def _django_not_yet_configured() -> ModuleType:
    """The django package, once it is sure that Django is installed and not configured yet."""
    try:
        import django
        from django.conf import settings
    except ImportError:
        # The kernel is not running in the course's environment: say what is wrong and the fix.
        from course_kit import doctor

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
    return django


def _use_sqlite() -> Path:
    """Point the settings at a fresh SQLite file of this kernel's own; return its path."""
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
    return db_path


def _use_course_settings() -> None:
    """The settings module, and the environment it reads, as every notebook expects them."""
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


def remove_stale_databases() -> None:
    """Delete the database folders of kernels that have ended without cleaning up."""
    # A kernel stopped with SIGKILL (as test runners stop them) runs no atexit handler; its folder,
    # named after its process id, is removed by the next setup() instead.
    for folder in Path(tempfile.gettempdir()).glob("async-django-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _use_mysql() -> None:
    """Point TUTORIAL_MYSQL_URL at a server: the one given, or a throwaway one for this kernel."""
    from course_kit.databases import mariadb
    from tutorial_project.db import URL_VARIABLE

    choice = mariadb.choose()
    if choice.source == "url":
        return
    if choice.source == "none":
        # One line, not a traceback: the learner needs the reason and the fix.
        raise RuntimeError(choice.why)
    stack = ExitStack()
    os.environ[URL_VARIABLE] = stack.enter_context(mariadb.throwaway_server())
    # The server lives as long as the kernel; stopping it also deletes its data directory.
    atexit.register(stack.close)


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
