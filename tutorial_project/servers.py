"""Serve an ASGI app with uvicorn on 127.0.0.1, on a free port, for as long as a `with` block runs.

The server runs in a background thread with an event loop of its own, so it works the same from a
notebook (whose thread already runs the kernel's loop) and from a test. The `with` block waits until
the server accepts connections, and on the way out stops it: gracefully first, then by force.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

DEFAULT_APP = "tutorial_project.asgi:application"


@dataclass(frozen=True)
class RunningServer:
    """Where a server started by serve() listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """The base URL, e.g. for httpx.AsyncClient(base_url=...)."""
        return f"http://{self.host}:{self.port}"


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a port the OS picked, so no other program can take it meanwhile."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it Nagle and delayed ACKs add 40 ms to every small response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


@contextmanager
def serve(
    app: Any = DEFAULT_APP,
    *,
    host: str = "127.0.0.1",
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 5.0,
    **uvicorn_options: Any,
) -> Iterator[RunningServer]:
    """Run `app` (an ASGI callable or an import string) under uvicorn until the block ends."""
    sock = free_socket(host)
    options: dict[str, Any] = {
        "log_level": "warning",
        # The project's asgi.py speaks lifespan (to close its shared client at shutdown); for an
        # app that does not, "auto" carries on without it.
        "lifespan": "auto",
        # Without a bound, shutdown would wait forever for a request that never finishes.
        "timeout_graceful_shutdown": shutdown_timeout,
    }
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread, startup_timeout)
        yield RunningServer(host=host, port=sock.getsockname()[1])
    finally:
        _stop(server, thread, shutdown_timeout)
        sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Block until uvicorn accepts connections; raise if it dies or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up; its log above says why.")
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not start within {timeout:g} s.")
        time.sleep(0.01)


def _stop(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Ask uvicorn to exit; if requests still hold it after `timeout`, force it."""
    server.should_exit = True
    thread.join(timeout + 1)
    if thread.is_alive():
        server.force_exit = True
        thread.join(timeout)
    if thread.is_alive():
        raise RuntimeError(f"uvicorn did not stop within {2 * timeout + 1:g} s.")
