"""The pooled-executor ASGI handler: no thread per request, one thread per request's sync parts."""

import asyncio
import threading

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.signals import request_started
from django.db import connections
from django.db.backends.signals import connection_created

from course_kit.exercises import routed
from course_kit.servers import asgi_app_for
from tutorial_project.handlers import PooledASGIHandler, supports_lent_executors

pytestmark = pytest.mark.skipif(
    not supports_lent_executors(), reason="needs asgiref 3.13+ (ThreadSensitiveContext(executor))"
)


def client_for(view, handler: type | None = PooledASGIHandler) -> httpx.AsyncClient:
    """A client for `view` at /x, served through a fresh handler (default: PooledASGIHandler)."""
    app = asgi_app_for(routed(view, "/x"), handler)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def thread_name() -> str:
    return threading.current_thread().name


async def test_no_thread_started_per_request_after_warm_up(monkeypatch) -> None:
    """After one request has made the pool's executor, twenty more start no thread at all."""

    async def hello(request) -> dict:
        return {"thread": await sync_to_async(thread_name)()}

    async with client_for(hello) as client:
        await client.get("/x")  # warm-up: makes the executor and its thread
        started: list[threading.Thread] = []
        original = threading.Thread.start

        def recording(thread: threading.Thread) -> None:
            started.append(thread)
            original(thread)

        monkeypatch.setattr(threading.Thread, "start", recording)
        names = {(await client.get("/x")).json()["thread"] for _ in range(20)}
    assert started == []
    assert len(names) == 1 and names.pop().startswith("django-request")


async def test_each_request_runs_its_sync_parts_on_one_thread() -> None:
    """The request_started receiver and a sync view share a thread; two requests at once, two."""
    arrived = threading.Barrier(2, timeout=10)
    signal_threads: list[str] = []

    def view(request) -> dict:
        arrived.wait()  # both requests in their views at once, on threads of their own
        return {"thread": thread_name()}

    def note(**kwargs) -> None:
        signal_threads.append(thread_name())

    request_started.connect(note)
    try:
        async with client_for(view) as client:
            first, second = await asyncio.gather(client.get("/x"), client.get("/x"))
    finally:
        request_started.disconnect(note)
    views = {first.json()["thread"], second.json()["thread"]}
    assert len(views) == 2 and set(signal_threads) == views


async def test_a_task_that_outlives_its_request_gets_runtime_error() -> None:
    """A task left running by a view cannot make thread-sensitive calls after the request ends."""
    release = asyncio.Event()
    outcome: asyncio.Future = asyncio.get_running_loop().create_future()

    async def late() -> None:
        await release.wait()
        try:
            await sync_to_async(thread_name)()
        except RuntimeError as error:
            outcome.set_result(str(error))
        else:
            outcome.set_result("no error")

    async def fire_and_forget(request) -> dict:
        asyncio.create_task(late())
        return {}

    async with client_for(fire_and_forget) as client:
        assert (await client.get("/x")).status_code == 200
    release.set()
    message = await asyncio.wait_for(outcome, 10)
    assert message != "no error" and "ThreadSensitiveContext" in message


async def test_thread_local_state_carries_over_between_requests() -> None:
    """A sync view's thread-local value set by one request is seen by the next on that thread."""
    local = threading.local()

    def view(request) -> dict:
        seen = getattr(local, "value", None)
        local.value = "set by an earlier request"
        return {"seen": seen}

    async with client_for(view) as client:
        first = (await client.get("/x")).json()
        second = (await client.get("/x")).json()
    assert first == {"seen": None} and second == {"seen": "set by an earlier request"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("handler", "max_age", "opened"),
    [(PooledASGIHandler, 0, 3), (PooledASGIHandler, 60, 1), (None, 60, 3)],
    ids=["pooled-0", "pooled-60", "stock-60"],
)
async def test_connections_are_reused_only_with_conn_max_age(
    handler: type | None, max_age: int, opened: int
) -> None:
    """Three requests in a row: the pooled handler's thread reuses a connection kept by
    CONN_MAX_AGE=60 (one opened), and closes it with 0 (three); Django's stock handler gives every
    request a new thread, so even 60 opens three."""
    users = get_user_model()
    made: list[object] = []

    def count(sender, connection, **kwargs) -> None:
        made.append(connection)

    async def view(request) -> dict:
        return {"users": await users.objects.acount()}

    # Django's copy of DATABASES["default"], shared by every connection it makes.
    database = connections.settings["default"]
    connection_created.connect(count)
    old, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], max_age
    try:
        async with client_for(view, handler) as client:
            for _ in range(3):
                assert (await client.get("/x")).status_code == 200
    finally:
        database["CONN_MAX_AGE"] = old
        connection_created.disconnect(count)
    assert len(made) == opened


@pytest.mark.django_db(transaction=True)
async def test_close_connections_closes_what_the_pooled_threads_keep() -> None:
    """CONN_MAX_AGE=60 keeps a connection on the pooled thread; close_connections closes it there
    (setting CONN_MAX_AGE back to 0 would not: the expiry is fixed when a connection opens)."""
    users = get_user_model()

    async def view(request) -> dict:
        return {"users": await users.objects.acount()}

    def is_open() -> bool:
        return connections["default"].connection is not None

    handler = asgi_app_for(routed(view, "/x"), PooledASGIHandler)
    database = connections.settings["default"]
    old, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 60
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=handler), base_url="http://testserver"
        ) as client:
            assert (await client.get("/x")).status_code == 200
    finally:
        database["CONN_MAX_AGE"] = old
    (executor,) = handler._idle
    assert executor.submit(is_open).result(timeout=5)
    await handler.close_connections()
    assert not executor.submit(is_open).result(timeout=5)


def test_old_asgiref_is_refused_with_a_clear_message(monkeypatch) -> None:
    """Without ThreadSensitiveContext(executor=...), the handler says what it needs."""
    from django.core.exceptions import ImproperlyConfigured

    from tutorial_project import handlers

    monkeypatch.setattr(handlers, "supports_lent_executors", lambda: False)
    with pytest.raises(ImproperlyConfigured, match="needs asgiref 3.13 or newer"):
        PooledASGIHandler()


async def test_the_pool_keeps_at_most_max_idle_executors() -> None:
    """Two requests at once need two executors; with max_idle=1 only one stays for later."""
    arrived = threading.Barrier(2, timeout=10)

    def view(request) -> dict:
        arrived.wait()  # both requests hold an executor at the same time
        return {}

    class SmallPool(PooledASGIHandler):
        def __init__(self) -> None:
            super().__init__(max_idle=1)

    app = asgi_app_for(routed(view, "/x"), SmallPool)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(client.get("/x"), client.get("/x"))
    assert [r.status_code for r in responses] == [200, 200]
    assert app.idle_executors == 1
