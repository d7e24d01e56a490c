"""`make test-mysql`, `make test-postgres`: a command run against a server, or one SKIP (or FAIL)
line without one."""

import pytest

from course_kit.databases import mariadb, postgres
from course_tools import database_lane
from tutorial_project.db import POSTGRES_URL_VARIABLE, URL_VARIABLE


@pytest.mark.parametrize("argv", [[], ["mariadb"], ["oracle", "true"], ["postgres", "--"]])
def test_the_lane_without_a_vendor_and_a_command_shows_its_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a known vendor and a command it says how to call it, exit code 2."""
    assert database_lane.main(argv) == 2
    assert capsys.readouterr().err.startswith(
        "usage: python -m course_tools.database_lane {mariadb,postgres} COMMAND"
    )


@pytest.mark.parametrize(
    ("vendor", "module", "variable", "message"),
    [
        ("mariadb", mariadb, URL_VARIABLE, "No MySQL/MariaDB server"),
        ("postgres", postgres, POSTGRES_URL_VARIABLE, "No PostgreSQL server"),
    ],
)
def test_without_a_server_the_lane_skips_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vendor: str,
    module: object,
    variable: str,
    message: str,
) -> None:
    """No URL and no server binary: one SKIP line and success, or FAIL when a server is required."""
    monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(module, "server_binaries", lambda: None)
    monkeypatch.delenv(module.REQUIRE_VARIABLE, raising=False)
    assert database_lane.main([vendor, "true"]) == 0
    assert capsys.readouterr().out.startswith(f"SKIP: {message}")
    monkeypatch.setenv(module.REQUIRE_VARIABLE, "1")
    assert database_lane.main([vendor, "--", "true"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"FAIL: {message}")
