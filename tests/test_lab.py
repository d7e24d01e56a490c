"""The experiment endpoints at /api/lab/: the right ones work, the wrong ones fail as taught."""

import asyncio
import io
import logging

import httpx
import pytest
from django.core.management import CommandError, call_command

from tutorial_project.servers import serve

pytestmark = pytest.mark.usefixtures("library")


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("/api/lab/async-sleep", "async + asyncio.sleep"),
        ("/api/lab/async-block", "async + time.sleep"),
        ("/api/lab/sync-sleep", "sync + time.sleep"),
    ],
)
async def test_waiting_views_report_their_run(
    asgi_client: httpx.AsyncClient, path: str, view: str
) -> None:
    """Each waiting view names itself and reports a start no later than its finish."""
    body = (await asgi_client.get(path, params={"delay": 0.01})).json()
    assert body["view"] == view
    assert body["started"] <= body["finished"]


async def test_waiting_views_refuse_a_long_delay(asgi_client: httpx.AsyncClient) -> None:
    """A delay over 5 seconds is a 422, so no request can hold a server for long."""
    response = await asgi_client.get("/api/lab/sync-sleep", params={"delay": 60})
    assert response.status_code == 422


async def test_sync_views_get_a_thread_per_request(asgi_client: httpx.AsyncClient) -> None:
    """Concurrent requests to the sync view are run by as many distinct threads."""
    responses = await asyncio.gather(
        *(asgi_client.get("/api/lab/sync-sleep", params={"delay": 0.2}) for _ in range(3))
    )
    assert len({r.json()["thread_id"] for r in responses}) == 3


@pytest.mark.parametrize("path", ["/api/lab/naive-user-info?username=alice", "/api/lab/lazy-books"])
async def test_naive_views_fail_with_synchronous_only_operation(
    asgi_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """The ORM called on the event loop, directly or lazily, is a 500 caused by the async check."""
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = await asgi_client.get(path)
    assert response.status_code == 500
    # Directly it is the exception itself; lazily, inside Ninja's response validation error.
    errors = [
        f"{type(r.exc_info[1]).__name__}: {r.exc_info[1]}" for r in caplog.records if r.exc_info
    ]
    assert any("SynchronousOnlyOperation" in error for error in errors), errors


async def test_user_or_404(asgi_client: httpx.AsyncClient) -> None:
    """aget_object_or_404 gives the user, or a 404 that Ninja words from Http404."""
    assert (await asgi_client.get("/api/lab/users/bob")).json() == {"email": "bob@example.com"}
    missing = await asgi_client.get("/api/lab/users/nobody")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Not Found")


async def test_sync_view_runs_async_code_concurrently(asgi_client: httpx.AsyncClient) -> None:
    """A sync view's async_to_sync(gather) runs its ten 0.1 s waits together, not one by one."""
    body = (
        await asgi_client.get("/api/lab/sync-gather", params={"count": 10, "delay": 0.1})
    ).json()
    assert body["count"] == 10
    # In process, the outer event loop is the test's own, in the main thread.
    assert body["coroutine_thread"] == "MainThread" != body["thread"]
    # One after another would take 1.0 s.
    assert body["finished"] - body["started"] < 0.5


def test_call_api_command_gathers_requests() -> None:
    """The management command fetches several paths at once through async_to_sync."""
    with serve() as server:
        out = io.StringIO()
        call_command(
            "call_api",
            "/api/async-hello?delay=0.2",
            "/api/books/999",
            "/api/async-hello?delay=0.2",
            base_url=server.url,
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith('200 /api/async-hello?delay=0.2  {"message": "Hello from async')
    assert lines[1] == '404 /api/books/999  {"detail": "No book with id 999."}'
    assert lines[-1].startswith("3 requests in ")


def test_call_api_command_without_a_server() -> None:
    """No server at the address is a one-line CommandError, not a traceback."""
    with serve() as server:
        base_url = server.url  # a port that is free again once the server has stopped
    with pytest.raises(CommandError, match=f"Could not reach {base_url}"):
        call_command("call_api", "/api/books/1", base_url=base_url, stdout=io.StringIO())
