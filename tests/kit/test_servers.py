"""The notebook kit's servers: a threaded WSGI server with a fixed pool, and a router's ASGI app."""

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from support import listening_ips

from course_kit.exercises import routed
from course_kit.servers import asgi_app_for, serve_wsgi


def test_serve_wsgi_runs_requests_on_at_most_its_threads() -> None:
    """Three threads hold three requests; a fourth waits for a free thread; all on 127.0.0.1."""
    release, holding = threading.Event(), threading.Semaphore(0)

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/hold":
            holding.release()
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]

    with serve_wsgi(app, threads=3) as server, ThreadPoolExecutor(3) as clients:
        assert listening_ips(os.getpid(), server.port) == {"127.0.0.1"}
        held = [clients.submit(httpx.get, f"{server.url}/hold", timeout=15) for _ in range(3)]
        for _ in range(3):
            assert holding.acquire(timeout=10), "the three requests should run at once"
        # Every thread is busy: the fourth request is accepted but not served.
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/other", timeout=0.5)
        release.set()
        names = {future.result().text for future in held}
    assert len(names) == 3 and all(name.startswith("wsgi") for name in names)


@pytest.mark.django_db(transaction=True)
async def test_asgi_app_for_runs_a_router_through_the_asgi_handler() -> None:
    """Middleware runs (the auth middleware's lazy user is there), and each request has its own
    thread-sensitive thread, unlike under Ninja's test client."""
    from asgiref.sync import sync_to_async

    async def whoami(request) -> dict:
        thread = await sync_to_async(lambda: threading.current_thread().name)()
        return {"user": type(request.user).__name__, "thread": thread}

    app = asgi_app_for(routed(whoami, "/whoami"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(*(client.get("/whoami") for _ in range(3)))
    bodies = [response.json() for response in responses]
    assert all(response.headers["X-Frame-Options"] == "DENY" for response in responses)
    assert {body["user"] for body in bodies} == {"SimpleLazyObject"}
    assert len({body["thread"] for body in bodies}) == 3


def test_routed_builds_a_fresh_router_every_time() -> None:
    """Two calls give two routers, so a check cell can run again after a client froze the first."""

    async def view(request) -> dict:
        return {}

    first, second = routed(view, "/x"), routed(view, "/x")
    assert first is not second and list(first.path_operations) == ["/x"]
