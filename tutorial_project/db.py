"""Database settings for the project: server URLs parsed for DATABASES, and PyMySQL wiring.

- `database_url()` gives the MySQL server to use: `TUTORIAL_MYSQL_URL` if set, else none;
  `postgres_url()` the PostgreSQL one, from `TUTORIAL_POSTGRES_URL`.
- `parse_url()` turns either kind of URL into Django's DATABASES entry.
- `install_pymysql()` makes PyMySQL stand in for mysqlclient (Django's MySQL driver).
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

URL_VARIABLE = "TUTORIAL_MYSQL_URL"
POSTGRES_URL_VARIABLE = "TUTORIAL_POSTGRES_URL"
ENGINES = {
    "mysql": "django.db.backends.mysql",
    "mariadb": "django.db.backends.mysql",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
}
DEFAULT_PORTS = {"django.db.backends.mysql": 3306, "django.db.backends.postgresql": 5432}


def required_mysqlclient_version() -> tuple[int, int, int]:
    """The oldest mysqlclient version the running Django accepts (its MySQL backend checks it)."""
    import django

    return (2, 2, 1) if django.VERSION >= (6, 0) else (1, 4, 3)


def install_pymysql() -> tuple[int, ...]:
    """Register PyMySQL as `MySQLdb`; return the mysqlclient version it then reports."""
    import pymysql

    required = required_mysqlclient_version()
    if tuple(pymysql.version_info[:3]) < required:
        # Older PyMySQL releases report a mysqlclient version (1.4.6) that newer Django refuses.
        # PyMySQL's install_as_MySQLdb() reports whatever pymysql.version_info says, so raising it
        # to the minimum is the usual fix; it is applied only where it is needed.
        pymysql.version_info = (*required, "final", 0)
    pymysql.install_as_MySQLdb()
    import MySQLdb  # the alias that install_as_MySQLdb() created

    return tuple(MySQLdb.version_info[:3])


def parse_url(url: str) -> dict[str, object]:
    """Django DATABASES settings for a URL like mysql://user:password@127.0.0.1:3306/name (or
    postgres://…)."""
    parts = urlsplit(url)
    form = "the URL must look like mysql://user:password@host:port/name (or postgres://…)"
    if parts.scheme not in ENGINES or not parts.path.strip("/"):
        raise ValueError(form)
    try:
        port = parts.port  # urllib raises for a port that is not a number in range
    except ValueError:
        raise ValueError(f"{form} (the port must be a number from 1 to 65535)") from None
    engine = ENGINES[parts.scheme]
    return {
        "ENGINE": engine,
        "NAME": unquote(parts.path.strip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(port or DEFAULT_PORTS[engine]),
    }


def database_url() -> str | None:
    """The MySQL server the project should use, from the environment, or None."""
    return os.environ.get(URL_VARIABLE) or None


def postgres_url() -> str | None:
    """The PostgreSQL server the project should use, from the environment, or None."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None
