"""Helpers the tests import: a barrier for coroutines, where a process listens, and a server that
must die with its killed owner."""

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class AsyncBarrier:
    """Let `parties` coroutines pass together or time out; asyncio.Barrier needs Python 3.11.

    Patched in for a view's `asyncio.sleep`, it proves requests overlap without a stopwatch: if
    they ran one after another, the first would wait alone and time out. `arrived` says how many
    came, so a test can also prove the sleep was reached at all.
    """

    def __init__(self, parties: int, timeout: float = 5) -> None:
        self.parties, self.timeout = parties, timeout
        self.arrived = 0
        self.all_here = asyncio.Event()

    async def wait(self, _delay: float = 0) -> None:
        self.arrived += 1
        if self.arrived == self.parties:
            self.all_here.set()
        await asyncio.wait_for(self.all_here.wait(), self.timeout)


def listening_ips(pid: int, port: int | None = None) -> set[str]:
    """The addresses process `pid` listens on (on `port`, if given): {"127.0.0.1"} for loopback."""
    import psutil

    return {
        connection.laddr.ip
        for connection in psutil.Process(pid).net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN and port in (None, connection.laddr.port)
    }


def assert_dies_with_its_owner(
    owner_script: str,
    ready: Path,
    written_text: Callable[[Path], str],
    locate: Callable[[str], tuple[int, Path]],
) -> None:
    """Run `owner_script` (it starts a throwaway server and writes to `ready`); `locate(text)`
    turns what it wrote into (server pid, server folder). SIGKILL the owner, so that none of its
    cleanup runs: the server and its folder must still go, within 15 s (the reaper's work; here it
    takes 2-3 s, and a server that outlives its owner costs make mutants the whole wait)."""
    from course_kit.processes import process_exists

    owner = subprocess.Popen(
        [sys.executable, "-c", owner_script, str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server_pid, folder = locate(written_text(ready))
    finally:
        owner.kill()  # SIGKILL: no cleanup code of the owner runs
        owner.wait()
    # Both, not the folder alone: a kernel's setup() elsewhere (remove_stale_scratch) may delete
    # a dead owner's folder while the reaper is still stopping the server.
    deadline = time.monotonic() + 15
    while (folder.exists() or process_exists(server_pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not folder.exists()
    assert not process_exists(server_pid), f"the server (pid {server_pid}) outlived its owner"
