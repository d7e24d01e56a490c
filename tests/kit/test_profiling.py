"""course_kit.profiling: crossings, per-request cost and the profile, in process."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from course_kit.profiling import (
    OTHER,
    call,
    classify,
    count_crossings,
    handler_for,
    profile_by_group,
    request_cost,
)

pytestmark = pytest.mark.usefixtures("library")


async def test_count_crossings_counts_both_directions() -> None:
    """Every sync_to_async call counts once; an async_to_sync from a thread counts too."""

    async def nothing() -> None:
        return None

    with count_crossings() as counts:
        await sync_to_async(lambda: None)()
        await sync_to_async(async_to_sync(nothing), thread_sensitive=False)()
    assert counts == {"sync_to_async": 2, "async_to_sync": 1}


async def test_call_speaks_asgi() -> None:
    """A direct ASGI call gets the status of the response; a 404 is a 404."""
    handler = handler_for([])
    assert await call(handler, "/api/async-hello", "delay=0") == 200
    assert await call(handler, "/api/books/999") == 404


@pytest.mark.parametrize(
    ("stack", "crossings"),
    [
        ([], 2),
        (["tutorial_project.middleware.SecurityHeadersMiddleware"], 2),
        (["django.middleware.common.CommonMiddleware"], 4),
    ],
)
async def test_request_cost_counts_crossings(stack: list[str], crossings: int) -> None:
    """Two signal hops per request, two more per MiddlewareMixin class, none for async-native;
    Django's handler starts two threads per request; the middleware hooks run in a worker."""
    cost = await request_cost(stack, requests=5)
    assert cost.crossings == crossings
    assert cost.threads_started == 2
    assert cost.micros >= cost.loop_cpu_micros > 0 and cost.worker_cpu_micros > 0


async def test_request_cost_of_the_pooled_handler_and_of_any_asgi_app() -> None:
    """The pooled handler starts no thread per request; an app without Django crosses nothing."""
    from course_kit.bench import peer_fastapi
    from tutorial_project.handlers import PooledASGIHandler

    pooled = await request_cost([], requests=5, handler_class=PooledASGIHandler)
    assert pooled.threads_started == 0 and pooled.crossings == 2
    peer = await request_cost(app=peer_fastapi.app, requests=5)
    assert peer.crossings == 0 and peer.threads_started == 0 and peer.worker_cpu_micros == 0


@pytest.mark.parametrize("clock", ["wall", "cpu"])
async def test_profile_by_group_gives_microseconds_per_request(
    clock: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile uses the clock asked for (the loop thread's CPU clock for "cpu") and divides
    by the requests: on the wall clock its groups add up to about what one request takes."""
    import cProfile
    import time

    from course_kit import profiling

    timers: list[tuple] = []

    class Spy(cProfile.Profile):
        def __init__(self, *args) -> None:
            timers.append(args)
            super().__init__(*args)

    monkeypatch.setattr(profiling.cProfile, "Profile", Spy)
    groups = await profile_by_group([], requests=50, clock=clock)
    assert timers == ([(time.thread_time,)] if clock == "cpu" else [()])
    assert "Django handler, request, response" in groups
    assert list(groups.values()) == sorted(groups.values(), reverse=True)
    if clock == "cpu":
        # A CPU-clock profile mostly measures itself, and on Python 3.12 some own times come out
        # negative (notebook 09 shows both): its sum says nothing about a request. The division
        # by the requests is the same code for both clocks, and the wall clock checks it.
        return
    cost = await request_cost([], requests=50)
    # Profiling slows things down, and ten in flight are not one at a time: a wide margin, which
    # a profile that forgot to divide by the requests (50x) would still miss.
    assert 0.1 * cost.micros <= sum(groups.values()) <= 10 * cost.micros


def test_classify() -> None:
    """Functions are grouped by where they live; the first matching group wins."""
    assert classify("~ <method 'poll' of 'select.epoll' objects>") == "waiting for worker threads"
    assert classify(".../django/middleware/common.py process_request") == "Django middleware"
    assert classify(".../ninja/operation.py run") == "Ninja (parameters, validation, JSON)"
    assert classify("<frozen abc> __instancecheck__") == OTHER
