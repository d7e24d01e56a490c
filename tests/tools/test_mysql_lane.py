"""`make test-mysql`: a command run against MariaDB, or one SKIP (or FAIL) line without one."""

import pytest

from course_kit.databases import mariadb
from course_tools import mysql_lane
from tutorial_project.db import URL_VARIABLE


def test_the_lane_without_a_command_shows_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m course_tools.mysql_lane` alone says how to call it, exit code 2."""
    assert mysql_lane.main([]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m course_tools.mysql_lane COMMAND")


def test_without_a_server_the_lane_skips_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No URL and no server binary: one SKIP line and success, or FAIL when a server is required."""
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.setattr(mariadb, "server_binaries", lambda: None)
    monkeypatch.delenv(mariadb.REQUIRE_VARIABLE, raising=False)
    assert mysql_lane.main(["true"]) == 0
    assert capsys.readouterr().out.startswith("SKIP: No MySQL/MariaDB server")
    monkeypatch.setenv(mariadb.REQUIRE_VARIABLE, "1")
    assert mysql_lane.main(["true"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("FAIL: No MySQL/MariaDB server")
