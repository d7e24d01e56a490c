"""The one decision of where a database server comes from, for each vendor."""

from pathlib import Path

import pytest

from course_kit.databases import Choice, mariadb, postgres
from tutorial_project.db import POSTGRES_URL_VARIABLE, URL_VARIABLE


@pytest.mark.parametrize(
    ("server", "variable", "url", "installed"),
    [
        (mariadb, URL_VARIABLE, "mysql://u:p@127.0.0.1:3306/db", ("/usr/sbin/mariadbd", "x")),
        (postgres, POSTGRES_URL_VARIABLE, "postgres://u:p@127.0.0.1:5432/db", Path("/pg/bin")),
    ],
)
def test_choose_prefers_the_url_then_a_throwaway_server_then_says_why(
    monkeypatch: pytest.MonkeyPatch, server, variable: str, url: str, installed: object
) -> None:
    """One decision for setup(), the lanes, the doctor and the suite: URL, throwaway, or none."""
    monkeypatch.setenv(variable, url)
    assert server.choose() == Choice("url", url=url)
    monkeypatch.delenv(variable)
    monkeypatch.setattr(server, "server_binaries", lambda: installed)
    assert server.choose().source == "throwaway"
    monkeypatch.setattr(server, "server_binaries", lambda: None)
    monkeypatch.setenv(server.REQUIRE_VARIABLE, "1")
    none = server.choose()
    assert none.source == "none" and none.required and none.why == server.why_no_server()
    monkeypatch.setenv(server.REQUIRE_VARIABLE, "0")
    assert not server.choose().required
