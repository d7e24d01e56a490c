"""The experiment endpoints at /api/lab/: the right ones work, the wrong ones fail as taught."""

import asyncio
import io
import logging
import threading
import time
import types

import httpx
import pytest
from django.core.management import CommandError, call_command
from support import AsyncBarrier

from course_kit.processes import free_socket
from course_kit.servers import serve
from tutorial_project.experiments import views as lab
from tutorial_project.library import api as library_api

pytestmark = pytest.mark.usefixtures("library")


@pytest.mark.parametrize(
    ("path", "view", "on_loop"),
    [
        ("/api/lab/async-sleep", "async + asyncio.sleep", True),
        ("/api/lab/async-block", "async + time.sleep", True),
        ("/api/lab/sync-sleep", "sync + time.sleep", False),
    ],
)
async def test_waiting_views_report_their_run(
    asgi_client: httpx.AsyncClient, path: str, view: str, on_loop: bool
) -> None:
    """Each waiting view names itself, waits as long as asked, and runs where it says: the two
    async views on the event loop (in process, the test's main thread), the sync one in a worker."""
    body = (await asgi_client.get(path, params={"delay": 0.01})).json()
    assert body["view"] == view
    assert body["finished"] - body["started"] >= 0.009
    assert (body["thread"] == "MainThread") is on_loop


async def test_async_sleep_overlaps_without_blocking(
    asgi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests to the awaiting view are in it together (they meet at a barrier)."""
    barrier = AsyncBarrier(2)
    monkeypatch.setattr(lab, "asyncio", types.SimpleNamespace(sleep=barrier.wait))
    responses = await asyncio.gather(
        *(asgi_client.get("/api/lab/async-sleep", params={"delay": 0.05}) for _ in range(2))
    )
    assert [r.status_code for r in responses] == [200, 200] and barrier.arrived == 2


async def test_async_block_runs_one_view_at_a_time(asgi_client: httpx.AsyncClient) -> None:
    """The view that is wrong on purpose really blocks: the second view starts after the first
    has finished (while it blocks the loop, nothing else can run)."""
    responses = await asyncio.gather(
        *(asgi_client.get("/api/lab/async-block", params={"delay": 0.05}) for _ in range(2))
    )
    first, second = sorted((r.json() for r in responses), key=lambda body: body["started"])
    assert second["started"] >= first["finished"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/lab/async-sleep", {"delay": 5.01}),
        ("/api/lab/async-block", {"delay": 5.01}),
        ("/api/lab/sync-sleep", {"delay": 5.01}),
        ("/api/lab/sync-sleep", {"delay": -1}),
        ("/api/lab/sync-gather", {"count": 0}),
        ("/api/lab/sync-gather", {"count": 51}),
        ("/api/lab/cpu", {"n": 5_000_001}),
        ("/api/lab/sync-cpu", {"n": -1}),
    ],
)
async def test_lab_views_refuse_out_of_range_input(
    asgi_client: httpx.AsyncClient, path: str, params: dict
) -> None:
    """No request can hold a server for long: waits over 5 s, too many or too few waits, and
    too much CPU work are 422s that name the parameter."""
    response = await asgi_client.get(path, params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == next(iter(params))


async def test_sync_views_get_a_thread_per_request(
    asgi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three concurrent requests to the sync view are in it at once, on three threads."""
    barrier = threading.Barrier(3, timeout=5)

    def wait_together(_delay: float) -> None:
        barrier.wait()  # a timeout here means the views ran one after another

    monkeypatch.setattr(
        lab, "time", types.SimpleNamespace(sleep=wait_together, perf_counter=time.perf_counter)
    )
    responses = await asyncio.gather(
        *(asgi_client.get("/api/lab/sync-sleep", params={"delay": 0.2}) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [200] * 3
    assert len({r.json()["thread"] for r in responses}) == 3


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


async def test_sync_view_runs_async_code_concurrently(
    asgi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync view's async_to_sync(gather) runs its ten waits together, on the outer event loop."""
    barrier = AsyncBarrier(10)
    monkeypatch.setattr(
        lab, "asyncio", types.SimpleNamespace(sleep=barrier.wait, gather=asyncio.gather)
    )
    response = await asgi_client.get("/api/lab/sync-gather", params={"count": 10, "delay": 0.1})
    body = response.json()
    assert response.status_code == 200 and body["count"] == 10 and barrier.arrived == 10
    # In process, the outer event loop is the test's own, in the main thread.
    assert body["coroutine_thread"] == "MainThread" != body["thread"]


def test_call_api_command_gathers_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The management command fetches several paths at once through async_to_sync: its two
    waiting requests meet in the view (one after another, the first would time out alone)."""
    barrier = AsyncBarrier(2)
    monkeypatch.setattr(library_api, "asyncio", types.SimpleNamespace(sleep=barrier.wait))
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
    assert lines[2].startswith('200 /api/async-hello?delay=0.2  {"message": "Hello from async')
    assert lines[-1].startswith("3 requests in ") and barrier.arrived == 2


def test_call_api_command_without_a_server() -> None:
    """No server at the address is a one-line CommandError, not a traceback."""
    with free_socket() as nobody:  # bound, never listening: nobody else can take the port
        base_url = f"http://127.0.0.1:{nobody.getsockname()[1]}"
        with pytest.raises(CommandError, match=f"Could not reach {base_url}"):
            call_command("call_api", "/api/books/1", base_url=base_url, stdout=io.StringIO())


@pytest.mark.parametrize(
    ("env", "served"),
    [({"DJANGO_DEBUG": "0"}, False), ({"DJANGO_DEBUG": "1"}, True),
     ({"DJANGO_DEBUG": "0", "TUTORIAL_LAB": "1"}, True)],
)  # fmt: skip
def test_the_lab_is_served_only_in_development_or_when_asked(
    env: dict[str, str], served: bool
) -> None:
    """The lab's broken-on-purpose endpoints are not part of a deployment (DEBUG off)."""
    import os
    import subprocess
    import sys

    probe = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/api/lab/async-block'); print('served')\n"
        "except Resolver404:\n    print('absent')"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("TUTORIAL_LAB", "DJANGO_DEBUG")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tutorial_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == ("served" if served else "absent")


async def test_db_sleep_holds_a_connection_for_the_delay(asgi_client: httpx.AsyncClient) -> None:
    """The query (or, on SQLite, the wait beside the open connection) lasts the delay; bad
    delays are refused."""
    started = time.perf_counter()
    response = await asgi_client.get("/api/lab/db-sleep", params={"delay": 0.2})
    assert response.status_code == 200 and time.perf_counter() - started >= 0.2
    refused = await asgi_client.get("/api/lab/db-sleep", params={"delay": 9})
    assert refused.status_code == 422
