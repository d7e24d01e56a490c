"""The notebook kit's servers: a threaded WSGI server with a fixed pool, and a router's ASGI app."""

import asyncio
import threading

import httpx
import pytest

from tutorial_project.checks import routed
from tutorial_project.servers import asgi_app_for, serve_wsgi


def test_serve_wsgi_runs_requests_on_at_most_its_threads() -> None:
    """Three threads: three requests meet at a barrier, and a fourth never runs alongside them."""
    arrived = threading.Barrier(3, timeout=10)
    lock, in_app, most = threading.Lock(), [0], [0]

    def app(environ, start_response):
        with lock:
            in_app[0] += 1
            most[0] = max(most[0], in_app[0])
        try:
            if environ["PATH_INFO"] == "/meet":
                arrived.wait()  # proves three at once: a timeout here fails the test
        finally:
            with lock:
                in_app[0] -= 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]

    async def six(url: str) -> list[str]:
        async with httpx.AsyncClient(base_url=url, timeout=15) as client:
            paths = ["/meet"] * 3 + ["/other"] * 3
            responses = await asyncio.gather(*(client.get(path) for path in paths))
        return [response.text for response in responses]

    with serve_wsgi(app, threads=3) as server:
        assert server.host == "127.0.0.1"
        names = asyncio.run(six(server.url))
    assert most[0] == 3 and len(set(names)) == 3
    assert all(name.startswith("wsgi") for name in names)


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
