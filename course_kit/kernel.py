"""setup() for a notebook kernel: Django configured on a fresh, migrated, seeded database."""

from __future__ import annotations

import atexit
import importlib
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
# setup(database=...) for a server: the module in course_kit.databases, and the URL's variable.
SERVERS = {
    "mysql": ("mariadb", "TUTORIAL_MYSQL_URL"),
    "postgresql": ("postgres", "TUTORIAL_POSTGRES_URL"),
}


@dataclass(frozen=True)
class Course:
    """What setup() prepared for this kernel."""

    database: str
    counts: dict[str, int]
    db_path: Path | None = None

    def summary(self) -> str:
        """One line for the learner; no paths or ports, so it reads the same on every machine."""
        seeded = ", ".join(f"{count} {table}" for table, count in self.counts.items())
        where = {"sqlite": "a fresh SQLite file", "postgresql": "a PostgreSQL database"}.get(
            self.database, "a MySQL database"
        )
        return f"Django is ready: {where} for this kernel, migrated, seeded with {seeded}."


_course: Course | None = None


def setup(database: str = "sqlite") -> Course:
    """Configure Django on a new database for this kernel; a second call repeats the summary.

    `database="mysql"` uses the server named by TUTORIAL_MYSQL_URL, or else starts a throwaway
    MariaDB/MySQL server for the kernel's lifetime (notebook 06); `database="postgresql"` the same
    with TUTORIAL_POSTGRES_URL and PostgreSQL (notebook 11).
    """
    global _course
    if _course is not None:
        print(f"Already set up in this kernel. {_course.summary()}")
        return _course
    django = _django_not_yet_configured()
    if database in SERVERS:
        db_path = None
        _use_server(database)
    elif database == "sqlite":
        db_path = _use_sqlite()
    else:
        choices = ", ".join(repr(name) for name in ["sqlite", *SERVERS])
        raise ValueError(f"database must be one of {choices}, not {database!r}")
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
    # A server URL in the environment must not turn the other notebooks' databases into one
    # shared server database; only notebooks 06 and 11 ask for a server.
    for variable in ("TUTORIAL_MYSQL_URL", "TUTORIAL_POSTGRES_URL", "TUTORIAL_DATABASE"):
        os.environ.pop(variable, None)
    # One file per kernel, never ":memory:": each thread that sync_to_async uses opens its own
    # connection, and an in-memory database would be a different, empty one in every thread.
    remove_stale_scratch()
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


def scratch_prefix(kind: str) -> str:
    """The name prefix of a `kind` scratch folder this process owns (remove_stale_scratch)."""
    return f"async-django-{os.getpid()}-{kind}-"


def remove_stale_scratch() -> None:
    """Delete the scratch folders of processes that have ended without cleaning up."""
    # A kernel stopped with SIGKILL (as test runners stop them) runs no atexit handler, nor does a
    # killed benchmark run its cleanup; their folders (a kernel's database, a benchmark's, a
    # throwaway server's), named after the owner's process id, are removed by the next setup().
    for folder in Path(tempfile.gettempdir()).glob("async-django-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _use_server(database: str) -> None:
    """Point the settings at a server: the one given, or a throwaway one for this kernel."""
    vendor, variable = SERVERS[database]
    module = importlib.import_module(f"course_kit.databases.{vendor}")
    # The other server's URL must not win in settings.py (MySQL is read first there).
    for other, other_variable in SERVERS.values():
        if other != vendor:
            os.environ.pop(other_variable, None)
    choice = module.choose()
    if choice.source == "url":
        return
    if choice.source == "none":
        # One line, not a traceback: the learner needs the reason and the fix.
        raise RuntimeError(choice.why)
    stack = ExitStack()
    os.environ[variable] = stack.enter_context(module.throwaway_server())
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
