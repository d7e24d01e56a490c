"""The experiment endpoints at /api/lab/…: the views the notebooks measure, break and fix.

Some of these views are wrong on purpose (they block the event loop, or query the database from
it), so a learner can watch what goes wrong through a real request; each says so in its docstring.
Nothing here belongs in a real project's API: the library API next door is the model to copy.
"""

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import aget_object_or_404
from ninja import Query, Router, Schema
from ninja.streaming import JSONL, SSE

from tutorial_project.experiments.journal import note
from tutorial_project.library.models import Book
from tutorial_project.library.schemas import BookOut, UserInfoOut

User = get_user_model()

router = Router(tags=["lab (experiments)"])

Delay = Query(0.2, ge=0, le=5, description="Seconds the view waits (0 to 5).")


class ViewReport(Schema):
    """What a view says about its own run: which thread ran it, and when (perf_counter seconds)."""

    view: str
    thread: str
    thread_id: int
    started: float
    finished: float


class GatherReport(ViewReport):
    """A ViewReport for a view that ran `count` waits of `delay` seconds concurrently."""

    count: int
    delay: float
    coroutine_thread: str


def report(view: str, started: float, **extra: object) -> dict[str, object]:
    """The body of a ViewReport for the view that started at `started` and ends now."""
    thread = threading.current_thread()
    return {
        "view": view,
        "thread": thread.name,
        "thread_id": thread.ident,
        "started": started,
        "finished": time.perf_counter(),
        **extra,
    }


@router.get("/async-sleep", response=ViewReport)
async def async_sleep(request: HttpRequest, delay: float = Delay) -> dict[str, object]:
    """Async view that waits with `await asyncio.sleep`: the loop serves others meanwhile."""
    started = time.perf_counter()
    await asyncio.sleep(delay)
    return report("async + asyncio.sleep", started)


@router.get("/async-block", response=ViewReport)
async def async_block(request: HttpRequest, delay: float = Delay) -> dict[str, object]:
    """WRONG ON PURPOSE: an async view that blocks the event loop, and every request on it."""
    started = time.perf_counter()
    time.sleep(delay)  # noqa: ASYNC251 - the mistake this endpoint exists to show
    return report("async + time.sleep", started)


@router.get("/sync-sleep", response=ViewReport)
def sync_sleep(request: HttpRequest, delay: float = Delay) -> dict[str, object]:
    """Sync view that blocks its own worker thread; under ASGI every request has its own."""
    started = time.perf_counter()
    time.sleep(delay)
    return report("sync + time.sleep", started)


@router.get("/naive-user-info", response=UserInfoOut)
async def naive_user_info(request: HttpRequest, username: str) -> dict[str, str]:
    """WRONG ON PURPOSE: the blog post's first attempt, the sync ORM called on the event loop."""
    user = User.objects.get(username=username)
    return {"email": user.email}


@router.get("/lazy-books", response=list[BookOut])
async def lazy_books(request: HttpRequest) -> list[Book]:
    """WRONG ON PURPOSE: books fetched without their authors, so serialising `author` queries."""
    return [book async for book in Book.objects.all()]


@router.get("/users/{username}", response=UserInfoOut)
async def get_user_or_404(request: HttpRequest, username: str) -> User:
    """aget_object_or_404: the async shortcut raises Http404, which Ninja answers with a 404."""
    return await aget_object_or_404(User, username=username)


async def sleep_concurrently(count: int, delay: float) -> str:
    """Run `count` sleeps of `delay` seconds at once; return the thread that ran them."""
    await asyncio.gather(*(asyncio.sleep(delay) for _ in range(count)))
    return threading.current_thread().name


@router.get("/sync-gather", response=GatherReport)
def sync_gather(
    request: HttpRequest,
    delay: float = Delay,
    count: int = Query(5, ge=1, le=50, description="How many waits to run at once."),
) -> dict[str, object]:
    """A sync view that runs async code through async_to_sync."""
    started = time.perf_counter()
    # Under ASGI this view runs in a worker thread while the server's event loop runs the request;
    # async_to_sync hands the coroutine to that outer loop and blocks only this thread meanwhile.
    coroutine_thread = async_to_sync(sleep_concurrently)(count, delay)
    return report(
        "sync + async_to_sync(gather)",
        started,
        count=count,
        delay=delay,
        coroutine_thread=coroutine_thread,
    )


class RequestInfo(Schema):
    """What a view can tell about how its request reached it."""

    user: str
    session: str
    thread: str


@router.get("/request-info", response=RequestInfo)
async def request_info(request: HttpRequest) -> dict[str, str]:
    """Which objects middleware attached to the request (type names only: nothing is loaded)."""
    # type() does not evaluate a lazy object: request.user stays unloaded, so no query runs on
    # the event loop. Under the full middleware stack it is a SimpleLazyObject; a test client that
    # skips middleware leaves whatever it put there itself, or nothing.
    return {
        "user": type(getattr(request, "user", None)).__name__,
        "session": type(getattr(request, "session", None)).__name__,
        "thread": threading.current_thread().name,
    }


Work = Query(300_000, ge=0, le=5_000_000, description="Iterations of pure-Python work.")


def burn(iterations: int) -> int:
    """Pure-Python CPU work: nothing to await, and it holds the GIL throughout."""
    total = 0
    for i in range(iterations):
        total += i * i
    return total


@router.get("/cpu", response=ViewReport)
async def cpu(request: HttpRequest, n: int = Work) -> dict[str, object]:
    """CPU-bound work in an async view: it holds the event loop for its whole run."""
    started = time.perf_counter()
    burn(n)
    return report("cpu (async)", started)


@router.get("/sync-cpu", response=ViewReport)
def sync_cpu(request: HttpRequest, n: int = Work) -> dict[str, object]:
    """The same work in a sync view: a thread of its own, but the GIL still lets one run at once."""
    started = time.perf_counter()
    burn(n)
    return report("cpu (sync)", started)


# Streaming, disconnects and background work (notebook 10). A request whose client has hung up
# sends no answer anyone can read, so these views also write what they did into the journal
# (journal.py), which the notebook reads afterwards: the server runs in the notebook's process.


Count = Query(5, ge=1, le=100, description="How many chunks or steps (1 to 100).")
Interval = Query(0.1, ge=0, le=1, description="Seconds before each chunk or step (0 to 1).")
Tag = Query("", max_length=40, description="A label for this request's events in the journal.")


def line(n: int) -> str:
    """One JSON line saying which chunk this is and when the server made it."""
    return json.dumps({"n": n, "made": time.perf_counter()}) + "\n"


@router.get("/stream")
async def stream(
    request: HttpRequest, count: int = Count, interval: float = Interval, tag: str = Tag
) -> StreamingHttpResponse:
    """An async generator, sent chunk by chunk as it produces them."""

    async def lines() -> AsyncIterator[str]:
        note(tag, "generator started")
        try:
            for n in range(count):
                await asyncio.sleep(interval)
                yield line(n)
            note(tag, "generator finished")
        finally:
            # Runs when the client hangs up too: Django cancels the task that iterates us.
            note(tag, "generator cleaned up")

    return StreamingHttpResponse(lines(), content_type="application/jsonl")


@router.get("/stream-sync")
def stream_sync(
    request: HttpRequest, count: int = Count, interval: float = Interval, tag: str = Tag
) -> StreamingHttpResponse:
    """WRONG ON PURPOSE under ASGI: a sync generator, which Django reads whole before sending."""

    def lines() -> Iterator[str]:
        note(tag, "generator started")
        try:
            for n in range(count):
                time.sleep(interval)
                yield line(n)
            note(tag, "generator finished")
        finally:
            note(tag, "generator cleaned up")

    return StreamingHttpResponse(lines(), content_type="application/jsonl")


class Tick(Schema):
    """One item of a stream: its number, and when the server made it (perf_counter seconds)."""

    n: int
    made: float


async def ticks(count: int, interval: float) -> AsyncIterator[dict[str, float]]:
    """`count` ticks, `interval` seconds apart."""
    for n in range(count):
        await asyncio.sleep(interval)
        yield {"n": n, "made": time.perf_counter()}


@router.get("/ticks", response=SSE[Tick])
async def ticks_sse(
    request: HttpRequest, count: int = Count, interval: float = Interval
) -> AsyncIterator[dict[str, float]]:
    """Server-sent events through Ninja's SSE type: each item validated, then sent as it comes."""
    async for tick in ticks(count, interval):
        yield tick


@router.get("/ticks.jsonl", response=JSONL[Tick])
async def ticks_jsonl(
    request: HttpRequest, count: int = Count, interval: float = Interval
) -> AsyncIterator[dict[str, float]]:
    """The same ticks as JSON lines, through Ninja's JSONL type."""
    async for tick in ticks(count, interval):
        yield tick


class Steps(Schema):
    """What a stepping view did, when its client waited for the answer."""

    steps: int
    thread: str


@router.get("/async-steps", response=Steps)
async def async_steps(
    request: HttpRequest, count: int = Count, interval: float = Interval, tag: str = Tag
) -> dict[str, object]:
    """Wait `count` times `interval` seconds, noting each step; stops when its client hangs up."""
    note(tag, "view started")
    try:
        for n in range(count):
            await asyncio.sleep(interval)
            note(tag, f"step {n + 1}")
    except asyncio.CancelledError:
        note(tag, "view cancelled")
        raise
    finally:
        note(tag, "view cleaned up")
    return {"steps": count, "thread": threading.current_thread().name}


@router.get("/sync-steps", response=Steps)
def sync_steps(
    request: HttpRequest, count: int = Count, interval: float = Interval, tag: str = Tag
) -> dict[str, object]:
    """The sync twin: nothing can stop a thread, so it runs every step after a hang-up too."""
    note(tag, "view started")
    for n in range(count):
        time.sleep(interval)
        note(tag, f"step {n + 1}")
    note(tag, "view finished")
    return {"steps": count, "thread": threading.current_thread().name}


def steps_in_a_thread(count: int, interval: float, tag: str) -> None:
    """The sync_steps loop as plain sync code, to be called through sync_to_async."""
    for n in range(count):
        time.sleep(interval)
        note(tag, f"step {n + 1}")
    note(tag, "sync work finished")


@router.get("/async-thread-steps", response=Steps)
async def async_thread_steps(
    request: HttpRequest, count: int = Count, interval: float = Interval, tag: str = Tag
) -> dict[str, object]:
    """An async view whose work is sync code in sync_to_async: a hang-up stops the view at once,
    but not the thread, which runs every step anyway."""
    note(tag, "view started")
    try:
        await sync_to_async(steps_in_a_thread)(count, interval, tag)
    except asyncio.CancelledError:
        note(tag, "view cancelled")
        raise
    return {"steps": count, "thread": threading.current_thread().name}


# Tasks started by fire_and_forget. The loop keeps only a weak reference to a task, so a task
# nobody holds can be garbage-collected before it finishes; this set holds each until it is done.
_background: set[asyncio.Task[None]] = set()


@router.get("/fire-and-forget")
async def fire_and_forget(
    request: HttpRequest,
    delay: float = Delay,
    tag: str = Tag,
    query: bool = Query(False, description="Also count the books once the wait is over."),
) -> dict[str, bool]:
    """Answer at once and leave work running in a task that outlives the request."""

    async def later() -> None:
        note(tag, "task started")
        try:
            await asyncio.sleep(delay)
            if query:
                # The ORM's hop to a thread, after the request's ThreadSensitiveContext has ended.
                await Book.objects.acount()
            note(tag, "task finished")
        except BaseException as error:
            reason = f": {error}" if str(error) else ""
            note(tag, f"task ended by {type(error).__name__}{reason}")
            raise

    task = asyncio.create_task(later())
    _background.add(task)
    task.add_done_callback(_finished)
    return {"started": True}


def _finished(task: asyncio.Task[None]) -> None:
    """Let go of a finished background task, and take its error: the journal has noted it."""
    _background.discard(task)
    # An error nobody retrieved is printed by asyncio, traceback and all, when the task is
    # garbage-collected; this is the place that owns the task, so it retrieves it.
    if not task.cancelled():
        task.exception()


# A query that holds its connection for a while, in each database's own words (notebook 11).
SLEEP_SQL = {"postgresql": "SELECT pg_sleep(%s)", "mysql": "SELECT SLEEP(%s)"}


@router.get("/db-sleep", response=Steps)
def db_sleep(request: HttpRequest, delay: float = Delay, tag: str = Tag) -> dict[str, object]:
    """A sync view whose query holds a database connection for `delay` seconds."""
    note(tag, "view started")
    with connection.cursor() as cursor:
        sql = SLEEP_SQL.get(connection.vendor)
        if sql:
            cursor.execute(sql, [delay])
        else:  # SQLite has no sleep: hold the open connection and wait beside it
            cursor.execute("SELECT 1")
            time.sleep(delay)
    note(tag, "query finished")
    return {"steps": 1, "thread": threading.current_thread().name}
