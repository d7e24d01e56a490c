"""The project's real ASGI application, in process through httpx and on a real uvicorn server."""

import asyncio
import os
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from support import AsyncBarrier, listening_ips

from course_kit.servers import serve
from tutorial_project.library import api as library_api

pytestmark = pytest.mark.usefixtures("library")


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/async-hello?delay=0", 200, {"message": "Hello from async view!"}),
        ("/api/user-info?username=alice", 200, {"email": "alice@example.com"}),
        ("/api/user-info?username=nobody", 404, {"detail": "No user named 'nobody'."}),
        ("/api/books/999", 404, {"detail": "No book with id 999."}),
        ("/api/sync/user-info?username=jimin", 200, {"email": "jimin@example.kr"}),
    ],
)
async def test_api_through_the_asgi_application(
    asgi_client: httpx.AsyncClient, path: str, status: int, body: dict[str, str]
) -> None:
    """The whole stack (handler, middleware, Ninja) gives the documented status and body."""
    response = await asgi_client.get(path)
    assert response.status_code == status
    assert response.json() == body


@pytest.mark.parametrize("path", ["/api/user-info", "/api/async-hello?delay=9", "/api/books/first"])
async def test_bad_input_through_the_asgi_application(
    asgi_client: httpx.AsyncClient, path: str
) -> None:
    """Bad input is a 422 with Ninja's list of errors, never a 500."""
    response = await asgi_client.get(path)
    assert response.status_code == 422
    assert response.json()["detail"]


async def test_openapi_docs(asgi_client: httpx.AsyncClient) -> None:
    """The interactive docs page and its schema are served."""
    assert (await asgi_client.get("/api/docs")).status_code == 200
    paths = (await asgi_client.get("/api/openapi.json")).json()["paths"]
    assert {"/api/async-hello", "/api/user-info", "/api/books", "/api/sync/hello"} <= set(paths)


async def test_async_requests_overlap(
    asgi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests to an async view are in the view at the same time, and it never blocks."""
    barrier = AsyncBarrier(parties=2, timeout=5)
    # The view's `await asyncio.sleep(delay)` becomes a wait at the barrier. If the handler ran the
    # requests one after the other, the first would wait alone, time out, and answer 500.
    monkeypatch.setattr(library_api, "asyncio", types.SimpleNamespace(sleep=barrier.wait))

    def blocking_sleep(_delay: float) -> None:
        raise AssertionError("the async view slept with time.sleep, on the event loop")

    monkeypatch.setattr(library_api, "time", types.SimpleNamespace(sleep=blocking_sleep))
    responses = await asyncio.gather(
        asgi_client.get("/api/async-hello?delay=0.1"),
        asgi_client.get("/api/async-hello?delay=0.1"),
    )
    assert [r.status_code for r in responses] == [200, 200]
    # Both reached the sleep: a view that waited some other way would not prove anything here.
    assert barrier.arrived == 2


async def test_sync_requests_run_in_threads_of_their_own(
    asgi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the ASGI handler, two requests to a sync view block two different threads at once."""
    barrier = threading.Barrier(2, timeout=5)
    threads: set[str] = set()

    def wait_at_barrier(_delay: float) -> None:
        threads.add(threading.current_thread().name)
        # If both requests shared one thread, the first would wait here alone and break the barrier.
        barrier.wait()

    monkeypatch.setattr(library_api, "time", types.SimpleNamespace(sleep=wait_at_barrier))
    responses = await asyncio.gather(
        asgi_client.get("/api/sync/hello?delay=0.1"),
        asgi_client.get("/api/sync/hello?delay=0.1"),
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert len(threads) == 2


def test_served_by_uvicorn_on_loopback() -> None:
    """The project answers real HTTP under uvicorn, listening on 127.0.0.1 only, and stops after."""
    # Other servers may be running in this process (a session-scoped book-data service, when
    # another test file ran first on this worker): only this one's thread must be gone.
    before = {t for t in threading.enumerate() if t.name == "uvicorn"}
    with serve() as server:
        assert listening_ips(os.getpid(), server.port) == {"127.0.0.1"}
        assert {t for t in threading.enumerate() if t.name == "uvicorn"} - before
        response = httpx.get(f"{server.url}/api/user-info", params={"username": "bob"}, timeout=10)
        assert response.json() == {"email": "bob@example.com"}
    assert not {t for t in threading.enumerate() if t.name == "uvicorn"} - before


def test_killed_owner_leaves_no_uvicorn_behind(
    tmp_path: Path, written_text: Callable[[Path], str]
) -> None:
    """serve() runs uvicorn in a thread of its owner: killing the owner frees the port at once."""
    port_file = tmp_path / "port"
    owner = subprocess.Popen(
        [sys.executable, "-c", SERVE_FOREVER, str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = int(written_text(port_file))
        assert httpx.get(f"http://127.0.0.1:{port}/api/async-hello?delay=0").status_code == 200
    finally:
        owner.kill()  # SIGKILL, as when a kernel is killed
        owner.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/async-hello?delay=0")


SERVE_FOREVER = """
import sys, time
from course_kit.kernel import setup
setup()
from course_kit.servers import serve
with serve() as server:
    open(sys.argv[1], "w").write(str(server.port))
    time.sleep(600)
"""


def test_free_socket_is_declared_tcp() -> None:
    """Accepted connections get TCP_NODELAY only from a socket that says IPPROTO_TCP.

    asyncio sets TCP_NODELAY on a connection only when the socket's protocol is IPPROTO_TCP; a
    socket made with the default protocol 0 left Nagle's algorithm on, and every small response
    waited about 40 ms for a delayed ACK.
    """
    import socket

    from course_kit.servers import free_socket

    with free_socket() as sock:
        assert sock.proto == socket.IPPROTO_TCP
