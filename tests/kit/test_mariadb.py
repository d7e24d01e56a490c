"""The throwaway MariaDB/MySQL server, and the one decision of where a server comes from."""

import os
from collections.abc import Callable
from pathlib import Path

import pymysql
import pytest
from support import assert_dies_with_its_owner

from course_kit.databases import mariadb
from tutorial_project.db import parse_url

needs_server = pytest.mark.skipif(
    mariadb.server_binaries() is None and not mariadb.server_required(),
    reason=mariadb.why_no_server(),
)


@needs_server
def test_throwaway_server_round_trip_and_cleanup() -> None:
    """The server takes utf8mb4 text from its own user, and leaves no process or files behind."""
    with mariadb.throwaway_server() as url:
        settings = parse_url(url)
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

    def locate(text: str) -> tuple[int, Path]:
        pid_file, datadir = text.split()
        return int(Path(pid_file).read_text()), Path(datadir)

    assert_dies_with_its_owner(OWNER, tmp_path / "ready", written_text, locate)


OWNER = """
import sys, time, pymysql
from course_kit.databases import mariadb
from tutorial_project.db import parse_url
with mariadb.throwaway_server() as url:
    params = parse_url(url)
    connection = pymysql.connect(host=params["HOST"], port=int(params["PORT"]),
                                 user=params["USER"], password=params["PASSWORD"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@pid_file, @@datadir")
        pid_file, datadir = cursor.fetchone()
    open(sys.argv[1], "w").write(f"{pid_file} {datadir}")
    time.sleep(600)
"""
