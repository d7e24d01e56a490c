"""The throwaway PostgreSQL server, and the one decision of where a server comes from."""

from collections.abc import Callable
from pathlib import Path

import pytest
from support import assert_dies_with_its_owner, listening_ips

from course_kit.databases import postgres
from tutorial_project.db import parse_url

needs_server = pytest.mark.skipif(
    postgres.server_binaries() is None and not postgres.server_required(),
    reason=postgres.why_no_server(),
)


def server_pid(port: int) -> int:
    """The process listening on 127.0.0.1:`port` (the postmaster)."""
    import psutil

    for connection in psutil.net_connections(kind="inet"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return connection.pid
    raise AssertionError(f"nothing listens on port {port}")


@needs_server
def test_throwaway_server_round_trip_loopback_only_and_cleanup() -> None:
    """Its own user and database, UTF-8 text, 127.0.0.1 only, not run as root; nothing left."""
    import psutil
    import psycopg

    with postgres.throwaway_server() as url:
        settings = parse_url(url)
        pid = server_pid(int(settings["PORT"]))
        assert listening_ips(pid) == {"127.0.0.1"}
        assert psutil.Process(pid).uids().real != 0  # PostgreSQL refuses to run as root
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection:
            row = connection.execute("SELECT %s, current_user, current_database()", ["한강"])
            assert row.fetchone() == ("한강", "tutorial", "tutorial")
        workdir = Path(psutil.Process(pid).cwd()).parent
    assert not workdir.exists()
    assert not psutil.pid_exists(pid)


@needs_server
def test_throwaway_server_dies_with_its_owner(
    tmp_path: Path, written_text: Callable[[Path], str]
) -> None:
    """A process killed with SIGKILL while it owns a server leaves no server and no files behind."""
    import psutil

    def locate(text: str) -> tuple[int, Path]:
        pid = server_pid(int(text))
        return pid, Path(psutil.Process(pid).cwd()).parent  # the data directory's folder

    assert_dies_with_its_owner(OWNER, tmp_path / "ready", written_text, locate)


OWNER = """
import sys, time
from course_kit.databases import postgres
from tutorial_project.db import parse_url
with postgres.throwaway_server() as url:
    open(sys.argv[1], "w").write(parse_url(url)["PORT"])
    time.sleep(600)
"""
