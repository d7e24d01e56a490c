"""What one request costs Django, measured in process: thread crossings, time, and a profile.

Notebooks 08 and 09 use these to compare middleware stacks and handlers. Each measurement builds
its own handler (Django reads MIDDLEWARE when a handler is made) and calls it directly, the way
uvicorn would, with no network and no HTTP client in the way.

Time is measured three ways, because they answer different questions: wall time (what a client
waits), CPU time of the event loop's thread (what limits a server at full load on one core), and
CPU time in the worker threads that run the request's sync parts (middleware hooks, signal
receivers), which a profile of the loop's thread cannot see.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from asgiref.sync import AsyncToSync, SyncToAsync
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

# Where a function's own time goes, by the file it lives in; the first match wins.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("waiting for worker threads", ("select.epoll", "selectors.py")),
    (
        "starting and handing work to threads",
        ("threading.py", "concurrent/futures", "_thread", "queue"),
    ),
    ("asgiref (sync_to_async, contexts)", ("asgiref/",)),
    ("event loop (asyncio)", ("asyncio/",)),
    ("Django middleware", ("django/middleware", "django/contrib", "django/utils/deprecation")),
    ("Ninja (parameters, validation, JSON)", ("ninja/", "pydantic", "json/")),
    ("Django handler, request, response", ("django/",)),
]
OTHER = "other (Python, contextvars, logging)"


@contextmanager
def count_crossings() -> Iterator[dict[str, int]]:
    """Count the calls of sync_to_async and async_to_sync wrappers inside the block."""
    counts = {"sync_to_async": 0, "async_to_sync": 0}
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        counts["sync_to_async"] += 1
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self: AsyncToSync, *args: Any, **kwargs: Any) -> Any:
        counts["async_to_sync"] += 1
        return to_loop(self, *args, **kwargs)

    with (
        mock.patch.object(SyncToAsync, "__call__", counted_to_thread),
        mock.patch.object(AsyncToSync, "__call__", counted_to_loop),
    ):
        yield counts


def handler_for(stack: list[str], handler_class: type[ASGIHandler] = ASGIHandler) -> ASGIHandler:
    """A Django ASGI handler (`handler_class`) whose middleware is `stack` (dotted paths)."""
    with override_settings(MIDDLEWARE=stack):
        return handler_class()


async def call(app: Callable[..., Any], path: str, query: str = "") -> int:
    """Send one GET to an ASGI app, in process; return the response's status code."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    answered = asyncio.Event()
    messages: list[dict[str, Any]] = []
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # Django listens for a disconnect while the view runs: answer only once the response is out.
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    return messages[0]["status"]


@dataclass(frozen=True)
class Cost:
    """What one request cost on average, in microseconds and in events."""

    micros: float  # wall time
    loop_cpu_micros: float  # CPU time of the event loop's thread
    worker_cpu_micros: float  # CPU time inside sync_to_async calls, in worker threads
    crossings: float
    threads_started: float


async def request_cost(
    stack: list[str] | None = None,
    path: str = "/api/async-hello",
    query: str = "delay=0",
    requests: int = 200,
    handler_class: type[ASGIHandler] = ASGIHandler,
    app: Callable[..., Any] | None = None,
) -> Cost:
    """Average time, thread crossings and threads started per request, one request at a time.

    Django's handler with the middleware `stack` by default; or any ASGI `app` (the FastAPI peer).
    """
    if app is None:
        app = handler_for(stack or [], handler_class)
    assert await call(app, path, query) == 200  # the first request pays for imports
    with count_crossings() as counts, _count_thread_starts() as starts, _worker_cpu() as worker:
        loop_cpu, started = time.thread_time(), time.perf_counter()
        for _ in range(requests):
            await call(app, path, query)
        elapsed, loop_cpu = time.perf_counter() - started, time.thread_time() - loop_cpu
    return Cost(
        micros=elapsed / requests * 1e6,
        loop_cpu_micros=loop_cpu / requests * 1e6,
        worker_cpu_micros=worker[0] / requests * 1e6,
        crossings=sum(counts.values()) / requests,
        threads_started=starts[0] / requests,
    )


@contextmanager
def _count_thread_starts() -> Iterator[list[int]]:
    """Count threading.Thread.start calls inside the block."""
    import threading

    started = [0]
    original = threading.Thread.start

    def counted(self: threading.Thread) -> None:
        started[0] += 1
        original(self)

    with mock.patch.object(threading.Thread, "start", counted):
        yield started


@contextmanager
def _worker_cpu() -> Iterator[list[float]]:
    """Sum the CPU time that sync_to_async calls spend in their worker threads inside the block."""
    import threading

    total = [0.0]
    lock = threading.Lock()
    original = SyncToAsync.thread_handler

    def timed(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        # Runs in the worker thread: thread_time() is that thread's own CPU clock.
        started = time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                total[0] += time.thread_time() - started

    with mock.patch.object(SyncToAsync, "thread_handler", timed):
        yield total


async def profile_by_group(
    stack: list[str],
    path: str = "/api/async-hello",
    query: str = "delay=0",
    requests: int = 300,
    clock: str = "wall",
    handler_class: type[ASGIHandler] = ASGIHandler,
) -> dict[str, float]:
    """Microseconds per request of the event loop's thread, per group (GROUPS), largest first.

    `clock="wall"` profiles wall time (waiting included); `clock="cpu"` the thread's CPU time
    (time.thread_time), which leaves out the time the loop spends waiting for other threads, but
    reading that clock at every call and return costs more than many calls do: the CPU profile
    mostly measures itself (notebook 09 shows it), so prefer request_cost for CPU time.
    """
    handler = handler_for(stack, handler_class)
    await call(handler, path, query)
    # At most ten requests in flight, like a lightly loaded server.
    gate = asyncio.Semaphore(10)

    async def one() -> None:
        async with gate:
            await call(handler, path, query)

    profiler = cProfile.Profile(time.thread_time) if clock == "cpu" else cProfile.Profile()
    profiler.enable()
    try:
        await asyncio.gather(*(one() for _ in range(requests)))
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (filename, _, function), (_, _, own_time, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        group = classify(f"{filename} {function}")
        totals[group] = totals.get(group, 0.0) + own_time
    return {
        group: seconds / requests * 1e6
        for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
    }


def classify(location: str) -> str:
    """The GROUPS name for a profiled function, from its file name and function name."""
    for group, markers in GROUPS:
        if any(marker in location for marker in markers):
            return group
    return OTHER
