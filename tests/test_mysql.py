"""PyMySQL wiring and the throwaway MariaDB/MySQL server of tutorial_project.mysql."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pymysql
import pytest

from tutorial_project import mysql

needs_server = pytest.mark.skipif(
    mysql.server_binaries() is None and not mysql.server_required(),
    reason=mysql.why_no_server(),
)


def test_parse_url() -> None:
    """A mysql:// URL becomes Django's database settings, with escaped characters decoded."""
    settings = mysql.parse_url("mysql://course:p%40ss@127.0.0.1:3307/library")
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
        mysql.parse_url(url)


def test_install_pymysql_satisfies_django() -> None:
    """PyMySQL, installed as MySQLdb, reports a mysqlclient version the running Django accepts."""
    assert mysql.install_pymysql() >= mysql.required_mysqlclient_version()


def test_the_lane_without_a_command_shows_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m tutorial_project.mysql` alone says how to call it, exit code 2."""
    assert mysql.main([]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m tutorial_project.mysql COMMAND")


def test_without_a_server_the_lane_skips_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No URL and no server binary: one SKIP line and success, or FAIL when a server is required."""
    monkeypatch.delenv(mysql.URL_VARIABLE, raising=False)
    monkeypatch.setattr(mysql, "server_binaries", lambda: None)
    monkeypatch.delenv(mysql.REQUIRE_VARIABLE, raising=False)
    assert mysql.main(["true"]) == 0
    assert capsys.readouterr().out.startswith("SKIP: No MySQL/MariaDB server")
    monkeypatch.setenv(mysql.REQUIRE_VARIABLE, "1")
    assert mysql.main(["true"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("FAIL: No MySQL/MariaDB server")


@needs_server
def test_throwaway_server_round_trip_and_cleanup() -> None:
    """The server takes utf8mb4 text from its own user, and leaves no process or files behind."""
    with mysql.throwaway_server() as url:
        settings = mysql.parse_url(url)
        assert settings["HOST"] == "127.0.0.1"
        connection = pymysql.connect(
            host=settings["HOST"],
            port=int(settings["PORT"]),
            user=settings["USER"],
            password=settings["PASSWORD"],
            database=settings["NAME"],
            charset="utf8mb4",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s, @@character_set_server, @@bind_address", ["채식주의자"])
            assert cursor.fetchone() == ("채식주의자", "utf8mb4", "127.0.0.1")
            cursor.execute("SELECT @@datadir, @@pid_file")
            datadir, pid_file = cursor.fetchone()
        connection.close()
        pid = int(Path(pid_file).read_text())
    assert not Path(datadir).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@needs_server
def test_throwaway_server_dies_with_its_owner(
    tmp_path: Path, written_text: Callable[[Path], str]
) -> None:
    """A process killed with SIGKILL while it owns a server leaves no server and no files behind."""
    ready = tmp_path / "ready"
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pid_file, datadir = written_text(ready).split()
        server_pid = int(Path(pid_file).read_text())
    finally:
        owner.kill()  # SIGKILL: no cleanup code of the owner runs
        owner.wait()
    for _ in range(300):
        if not Path(datadir).exists():
            break
        time.sleep(0.1)
    assert not Path(datadir).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)


OWNER = """
import sys, time, pymysql
from tutorial_project import mysql
with mysql.throwaway_server() as url:
    params = mysql.parse_url(url)
    connection = pymysql.connect(host=params["HOST"], port=int(params["PORT"]),
                                 user=params["USER"], password=params["PASSWORD"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@pid_file, @@datadir")
        pid_file, datadir = cursor.fetchone()
    open(sys.argv[1], "w").write(f"{pid_file} {datadir}")
    time.sleep(600)
"""
