"""Django settings for the course project.

The defaults are for a learner's laptop and for tests. Anything secret or host-specific comes from
the environment; see README.md for the variables.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# DEVELOPMENT DEFAULT: never deploy with this key. Set DJANGO_SECRET_KEY in any real deployment.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-development-only-key-for-the-async-django-course"
)
# DEVELOPMENT DEFAULT: DEBUG is on unless DJANGO_DEBUG says otherwise.
DEBUG = env_flag("DJANGO_DEBUG", True)
# The lab's experiment endpoints at /api/lab/ (some wrong on purpose: one blocks the event loop)
# are served only in development, or where TUTORIAL_LAB asks for them; never in a deployment.
LAB = env_flag("TUTORIAL_LAB", DEBUG)

ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver"
).split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "tutorial_project.library",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The API-only stack: no admin, sessions, messages or CSRF middleware, and one natively async
# middleware instead of seven thread hops' worth (notebook 09 measures the difference). The admin
# needs the full stack, so it goes too.
MIDDLEWARE_STACK = os.environ.get("TUTORIAL_MIDDLEWARE", "full")
if MIDDLEWARE_STACK == "api":
    INSTALLED_APPS = [
        app
        for app in INSTALLED_APPS
        if app not in {"django.contrib.admin", "django.contrib.sessions", "django.contrib.messages"}
    ]
    MIDDLEWARE = ["tutorial_project.middleware.SecurityHeadersMiddleware"]
elif MIDDLEWARE_STACK != "full":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TUTORIAL_MIDDLEWARE must be 'full' or 'api', not {MIDDLEWARE_STACK!r}."
    )

# Which ASGI handler asgi.py serves: Django's own ("stock"), or "pooled", which lends each request
# a thread from a pool instead of starting new ones (tutorial_project/handlers.py; notebook 09).
ASGI_HANDLER = os.environ.get("TUTORIAL_HANDLER", "stock")
if ASGI_HANDLER not in {"stock", "pooled"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TUTORIAL_HANDLER must be 'stock' or 'pooled', not {ASGI_HANDLER!r}."
    )

ROOT_URLCONF = "tutorial_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tutorial_project.wsgi.application"
ASGI_APPLICATION = "tutorial_project.asgi.application"

# A file database, never ":memory:": every thread that Django's async machinery uses opens its own
# connection, and an in-memory SQLite database is private to one connection.
DB_PATH = Path(os.environ.get("TUTORIAL_DB_PATH", BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DB_PATH,
        "OPTIONS": {
            # Concurrent requests write from several threads; wait for the lock instead of
            # failing at once with "database is locked" (notebook 07 shortens the wait).
            "timeout": float(os.environ.get("TUTORIAL_SQLITE_TIMEOUT", "20")),
            # IMMEDIATE takes the write lock when a transaction begins, so two writers queue for
            # it instead of failing halfway; SQLite's default is DEFERRED (notebook 07 shows
            # what each does to an async test).
            "transaction_mode": os.environ.get("TUTORIAL_SQLITE_TRANSACTION_MODE", "IMMEDIATE"),
        },
        "TEST": {"NAME": DB_PATH.with_name(f"{DB_PATH.stem}-test.sqlite3")},
    }
}

# MySQL or MariaDB instead, through PyMySQL, when TUTORIAL_MYSQL_URL names a server
# (mysql://user:password@host:port/name; see tutorial_project/db.py and `make test-mysql`).
if os.environ.get("TUTORIAL_MYSQL_URL") or os.environ.get("TUTORIAL_DATABASE") == "mysql":
    from django.core.exceptions import ImproperlyConfigured

    from tutorial_project.db import URL_VARIABLE, database_url, install_pymysql, parse_url

    if not database_url():
        raise ImproperlyConfigured(
            f"TUTORIAL_DATABASE=mysql needs {URL_VARIABLE}=mysql://user:password@host:port/name."
        )
    install_pymysql()
    DATABASES = {
        "default": {
            **parse_url(database_url()),
            "OPTIONS": {
                # utf8mb4 is MySQL's real UTF-8 (its "utf8" stops at three bytes per character).
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            },
            # 0 closes the connection at the end of every request; see notebook 06 for ASGI.
            "CONN_MAX_AGE": int(os.environ.get("TUTORIAL_CONN_MAX_AGE", "0")),
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }

# PostgreSQL instead, through psycopg 3, when TUTORIAL_POSTGRES_URL names a server
# (postgres://user:password@host:port/name; notebook 11 and `make test-postgres`). The connection
# settings come from the environment too, so that notebook 11 can start one server process per
# configuration, as a deployment would.
elif os.environ.get("TUTORIAL_POSTGRES_URL") or os.environ.get("TUTORIAL_DATABASE") == "postgresql":
    from django.core.exceptions import ImproperlyConfigured

    from tutorial_project.db import POSTGRES_URL_VARIABLE, parse_url, postgres_url

    if not postgres_url():
        raise ImproperlyConfigured(
            f"TUTORIAL_DATABASE=postgresql needs {POSTGRES_URL_VARIABLE}="
            "postgres://user:password@host:port/name."
        )
    # Django 5.1+'s connection pool (psycopg_pool), off unless TUTORIAL_PG_POOL_MAX is set: at most
    # that many connections per process; a request that finds none free waits up to the timeout.
    POOL_MAX = int(os.environ.get("TUTORIAL_PG_POOL_MAX", "0"))
    pool = {
        "min_size": int(os.environ.get("TUTORIAL_PG_POOL_MIN", "1")),
        "max_size": POOL_MAX,
        "timeout": float(os.environ.get("TUTORIAL_PG_POOL_TIMEOUT", "10")),
    }
    DATABASES = {
        "default": {
            **parse_url(postgres_url()),
            "OPTIONS": {"pool": pool} if POOL_MAX else {},
            # 0 closes the connection at the end of every request (a pool requires 0); notebook 11
            # measures what a positive value does under ASGI.
            "CONN_MAX_AGE": int(os.environ.get("TUTORIAL_CONN_MAX_AGE", "0")),
            "CONN_HEALTH_CHECKS": env_flag("TUTORIAL_CONN_HEALTH_CHECKS", False),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Notebooks (setup() sets the variable) show Django's warnings and errors, a 404 or a 500, as one
# line on stdout, without a traceback: committed outputs then carry no paths of the machine.
if env_flag("TUTORIAL_ONE_LINE_LOGS", False):
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "one_line": {"class": "tutorial_project.log.OneLineLogHandler", "level": "WARNING"}
        },
        "loggers": {"django": {"handlers": ["one_line"], "level": "INFO", "propagate": False}},
    }


# The book-data service that the library API calls (course_kit/book_data_service.py). Notebooks and
# tests start one on a free port and point UPSTREAM_URL at it.
def positive(name: str, default: str, kind: type = int):
    """A positive number from the environment; anything else stops Django with the reason."""
    text = os.environ.get(name, default)
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value <= 0:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be a positive number, not {text!r}.")
    return value


UPSTREAM_URL = os.environ.get("TUTORIAL_UPSTREAM_URL", "http://127.0.0.1:8001")
# Seconds for each network operation of a call (connect, each read and write, waiting for a
# pooled connection): httpx's timeout is not a limit on the whole call (notebook 05).
UPSTREAM_TIMEOUT = positive("TUTORIAL_UPSTREAM_TIMEOUT", "2.0", float)
# Open connections to it per process (per event loop for the async clients, which divide them):
# at most this many calls are in flight at once; more wait in line.
UPSTREAM_MAX_CONNECTIONS = positive("TUTORIAL_UPSTREAM_MAX_CONNECTIONS", "512")
# How many AsyncClients per event loop share those connections (library/book_data.py says why).
UPSTREAM_CLIENTS = positive("TUTORIAL_UPSTREAM_CLIENTS", "32")

# Background tasks (notebook 10): Django 6.0's tasks framework, or on Django 5.2 the django-tasks
# package it grew from (the same API). The immediate backend runs a task at once, in the process
# that enqueues it: the API without the durability; a real queue needs a backend with a worker.
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if __import__("django").VERSION >= (6, 0)
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Seconds an API request may take when middleware.DeadlineMiddleware is in MIDDLEWARE (it is not
# by default; notebook 10 adds it).
API_DEADLINE = positive("TUTORIAL_API_DEADLINE", "10", float)

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
