"""The project's database settings: server URLs parsed for DATABASES, and PyMySQL as MySQLdb."""

import pytest

from tutorial_project import db


def test_parse_url() -> None:
    """A mysql:// URL becomes Django's database settings, with escaped characters decoded."""
    settings = db.parse_url("mysql://course:p%40ss@127.0.0.1:3307/library")
    assert settings == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "library",
        "USER": "course",
        "PASSWORD": "p@ss",
        "HOST": "127.0.0.1",
        "PORT": "3307",
    }


def test_parse_url_for_postgres_with_its_default_port() -> None:
    """A postgres:// URL without a port gets PostgreSQL's engine and port 5432."""
    settings = db.parse_url("postgres://course:secret@127.0.0.1/library")
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["PORT"]) == ("library", "5432")


@pytest.mark.parametrize(
    "url",
    ["sqlite:///db.sqlite3", "mysql://u:p@h:3306/", "not a url", "mysql://u:p@h:notaport/db"],
)
def test_parse_url_with_bad_url(url: str) -> None:
    """Anything but mysql:// or postgres:// with a name is refused, showing the expected form."""
    with pytest.raises(ValueError, match="mysql://user:password@host:port/name"):
        db.parse_url(url)


def test_install_pymysql_satisfies_django() -> None:
    """PyMySQL, installed as MySQLdb, reports a mysqlclient version the running Django accepts."""
    assert db.install_pymysql() >= db.required_mysqlclient_version()
