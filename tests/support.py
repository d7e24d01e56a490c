"""Helpers the tests import: a barrier for coroutines, and where a process listens."""

import asyncio


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
