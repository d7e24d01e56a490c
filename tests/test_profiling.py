"""tutorial_project.profiling: crossings, per-request cost and the profile, in process."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tutorial_project.profiling import (
    OTHER,
    call,
    classify,
    count_crossings,
    handler_for,
    profile_shares,
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
    """Two signal hops per request, two more per MiddlewareMixin class, none for async-native."""
    cost = await request_cost(stack, requests=5)
    assert cost.crossings == crossings
    assert cost.threads_started == 2 and cost.micros > 0


async def test_profile_shares_add_up() -> None:
    """The shares of the profile cover the whole of the event loop thread's time."""
    shares = await profile_shares([], requests=20)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert "Django handler, request, response" in shares


def test_classify() -> None:
    """Functions are grouped by where they live; the first matching group wins."""
    assert classify("~ <method 'poll' of 'select.epoll' objects>") == "waiting for worker threads"
    assert classify(".../django/middleware/common.py process_request") == "Django middleware"
    assert classify(".../ninja/operation.py run") == "Ninja (parameters, validation, JSON)"
    assert classify("<frozen abc> __instancecheck__") == OTHER
