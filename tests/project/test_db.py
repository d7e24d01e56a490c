"""The project's database settings: a MySQL URL parsed for DATABASES, and PyMySQL as MySQLdb."""

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


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p@h/db", "mysql://u:p@h:3306/", "not a url", "mysql://u:p@h:notaport/db"],
)
def test_parse_url_with_bad_url(url: str) -> None:
    """Anything but mysql://…/name is refused with a message that shows the expected form."""
    with pytest.raises(ValueError, match="mysql://user:password@host:port/name"):
        db.parse_url(url)


def test_install_pymysql_satisfies_django() -> None:
    """PyMySQL, installed as MySQLdb, reports a mysqlclient version the running Django accepts."""
    assert db.install_pymysql() >= db.required_mysqlclient_version()
