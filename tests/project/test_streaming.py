"""Streaming, hang-ups and background work (notebook 10), over real HTTP to uvicorn on 127.0.0.1.

In process, httpx.ASGITransport reads a whole body before returning and never tells the app that
a client left, so these tests serve the project with uvicorn and talk to it with a real client.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from course_kit.servers import RunningServer, serve
from tutorial_project.experiments import journal

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    """The project's ASGI application under uvicorn, for one test."""
    with serve() as running:
        yield running


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """A real HTTP client of that server."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http


def new_tag() -> str:
    """A journal label no other request uses."""
    return uuid.uuid4().hex[:12]


async def journal_says(tag: str, what: str, timeout: float = 5) -> list[str]:
    """Wait until the journal holds `what` for `tag`; the events' names, in order."""
    deadline = time.monotonic() + timeout
    while what not in (seen := [event.what for event in journal.events(tag)]):
        assert time.monotonic() < deadline, f"no {what!r} for {tag} within {timeout} s: {seen}"
        await asyncio.sleep(0.01)
    return seen


async def arrivals(client: httpx.AsyncClient, path: str, **params: object) -> list[tuple]:
    """(arrival time, parsed line) for each non-empty line of a streamed response body."""
    received = []
    async with client.stream("GET", path, params=params) as response:
        assert response.status_code == 200
        async for text in response.aiter_lines():
            if text.strip():
                received.append((time.perf_counter(), text))
    return received


async def test_async_generator_streams_each_chunk_as_it_is_made(
    client: httpx.AsyncClient,
) -> None:
    """The first line arrives before the server has made the last one."""
    received = await arrivals(client, "/api/lab/stream", count=4, interval=0.05)
    made = [json.loads(text)["made"] for _, text in received]
    assert [json.loads(text)["n"] for _, text in received] == [0, 1, 2, 3]
    assert received[0][0] < made[-1]


async def test_sync_generator_is_read_whole_before_anything_is_sent(
    client: httpx.AsyncClient,
) -> None:
    """Under ASGI Django reads a sync iterator to the end first (with a warning), so even the
    first line arrives after the last was made."""
    with pytest.warns(Warning, match="must consume synchronous iterators"):
        received = await arrivals(client, "/api/lab/stream-sync", count=4, interval=0.05)
    made = [json.loads(text)["made"] for _, text in received]
    assert len(received) == 4 and received[0][0] > made[-1]


@pytest.mark.parametrize(
    ("path", "prefix", "media_type"),
    [("/api/lab/ticks", "data: ", "text/event-stream"), ("/api/lab/ticks.jsonl", "", "jsonl")],
)
async def test_ninja_stream_types_send_validated_items_as_they_come(
    client: httpx.AsyncClient, path: str, prefix: str, media_type: str
) -> None:
    """SSE frames each item as `data: {...}`, JSONL as one JSON object per line; both stream."""
    async with client.stream("GET", path, params={"count": 3, "interval": 0.05}) as response:
        assert media_type in response.headers["content-type"]
        lines = [text async for text in response.aiter_lines() if text.strip()]
    assert all(text.startswith(prefix) for text in lines)
    assert [json.loads(text.removeprefix(prefix))["n"] for text in lines] == [0, 1, 2]


async def test_books_export_streams_every_book_as_a_json_line(
    client: httpx.AsyncClient, library: dict[str, int]
) -> None:
    """One validated book per line, in id order, as application/jsonl."""
    response = await client.get("/api/books/export")
    assert response.headers["content-type"] == "application/jsonl"
    books = [json.loads(text) for text in response.text.splitlines()]
    assert [book["id"] for book in books] == list(range(1, library["books"] + 1))
    assert set(books[0]) == {"id", "title", "year", "author"}


@pytest.mark.parametrize(
    "params",
    [{"count": 0}, {"count": 101}, {"interval": -1}, {"interval": 2}, {"tag": "x" * 41}],
)
async def test_streams_and_steps_refuse_unbounded_input(
    client: httpx.AsyncClient, params: dict[str, object]
) -> None:
    """No stream without an end: sizes and waits outside their bounds are a 422 with the reason."""
    paths = ["/api/lab/stream", "/api/lab/stream-sync", "/api/lab/async-steps"]
    if "tag" not in params:  # the ticks take no journal label
        paths.append("/api/lab/ticks")
    for path in paths:
        response = await client.get(path, params=params)
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"][-1] in params


async def test_hang_up_cancels_an_async_view_at_its_next_await(client: httpx.AsyncClient) -> None:
    """A client that gives up: the view gets CancelledError, its finally runs, no more steps."""
    tag = new_tag()
    with pytest.raises(httpx.ReadTimeout):
        await client.get(
            "/api/lab/async-steps", params={"count": 100, "interval": 0.05, "tag": tag}, timeout=0.2
        )
    seen = await journal_says(tag, "view cleaned up")
    assert seen[-2:] == ["view cancelled", "view cleaned up"]
    assert "step 100" not in seen


async def test_hang_up_does_not_stop_a_sync_view(client: httpx.AsyncClient) -> None:
    """Nothing can stop a thread: the sync view runs every step after its client has gone."""
    tag = new_tag()
    with pytest.raises(httpx.ReadTimeout):
        await client.get(
            "/api/lab/sync-steps", params={"count": 5, "interval": 0.1, "tag": tag}, timeout=0.15
        )
    gone = time.perf_counter()
    seen = await journal_says(tag, "view finished")
    assert seen[-2:] == ["step 5", "view finished"]
    assert journal.events(tag)[-1].at > gone


async def test_hang_up_stops_an_async_view_but_not_its_sync_to_async_thread(
    client: httpx.AsyncClient,
) -> None:
    """The view awaiting sync_to_async is cancelled at once; the sync code runs to its end."""
    tag = new_tag()
    with pytest.raises(httpx.ReadTimeout):
        await client.get(
            "/api/lab/async-thread-steps",
            params={"count": 4, "interval": 0.1, "tag": tag},
            timeout=0.15,
        )
    seen = await journal_says(tag, "sync work finished")
    assert seen.index("view cancelled") < seen.index("step 4")


async def test_hang_up_mid_stream_runs_the_generators_cleanup(client: httpx.AsyncClient) -> None:
    """Leaving after the first line: the async generator is closed, never finished."""
    tag = new_tag()
    params = {"count": 100, "interval": 0.05, "tag": tag}
    async with client.stream("GET", "/api/lab/stream", params=params) as response:
        async for _ in response.aiter_lines():
            break
    seen = await journal_says(tag, "generator cleaned up")
    assert "generator finished" not in seen


async def test_fire_and_forget_task_outlives_its_request(client: httpx.AsyncClient) -> None:
    """The answer comes at once; the task finishes later, on the server's loop, query and all."""
    tag = new_tag()
    response = await client.get(
        "/api/lab/fire-and-forget", params={"delay": 0.1, "tag": tag, "query": True}
    )
    assert response.json() == {"started": True}
    assert [event.what for event in journal.events(tag)] == ["task started"]
    assert await journal_says(tag, "task finished") == ["task started", "task finished"]
