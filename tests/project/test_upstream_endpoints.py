"""The library endpoints that call the book-data service over real HTTP, and their clients."""

import asyncio
import threading
import types

import httpx
import pytest
from ninja.testing import TestAsyncClient, TestClient
from pytest_django import Settings
from support import AsyncBarrier

from course_kit import book_data_service as upstream
from course_kit.book_data_service import BookDataService
from course_kit.processes import free_socket
from course_kit.servers import serve
from tutorial_project.api import api
from tutorial_project.library import book_data
from tutorial_project.library.models import Author, Book

pytestmark = pytest.mark.usefixtures("closes_upstream_clients", "library")

client = TestClient(api)
async_client = TestAsyncClient(api)


async def get(path: str) -> object:
    """GET through the Ninja test client that fits: TestAsyncClient cannot run sync views."""
    if path.startswith("/sync/"):
        return await asyncio.to_thread(client.get, path)
    return await async_client.get(path)


async def test_rating_async_and_sync(book_data_service: BookDataService) -> None:
    """Both twins return the service's rating."""
    response = await async_client.get("/books/3/rating")
    assert response.status_code == 200
    assert response.json() == {"book_id": 3, "rating": 3.1}
    assert (await get("/sync/books/3/rating")).json() == response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/books/5000/rating",
        "/sync/books/5000/rating",
        "/books/5000/summary",
        "/sync/books/5000/summary",
    ],
)
async def test_a_book_the_library_lacks_is_404_before_any_call(
    book_data_service: BookDataService, path: str
) -> None:
    """A book the library does not have is the library's 404, as for /books/5000; the service,
    which knows books 1 to 1000 whether the library has them or not, is not asked."""
    book_data_service.record = True
    response = await get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "No book with id 5000."}
    assert book_data_service.calls == []


@pytest.mark.parametrize("path", ["/books/1001/rating", "/sync/books/1001/rating"])
async def test_the_services_404_stays_a_404(book_data_service: BookDataService, path: str) -> None:
    """A book the library has but the service does not know: the service's 404 stays a 404, with
    the library's own message."""
    author = await Author.objects.acreate(name="Nobody Yet")
    await Book.objects.acreate(pk=1001, title="Unrated", year=2026, author=author)
    response = await get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "No rating for book 1001."}


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating", "/books/1/summary"])
async def test_failing_service_is_502(book_data_service: BookDataService, path: str) -> None:
    """An error status from the service is a 502 that names it, not a 500."""
    book_data_service.status = 503
    response = await get(path)
    assert response.status_code == 502
    assert response.json()["detail"].startswith("The book-data service answered 503 for ")


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating"])
async def test_slow_service_is_504(
    book_data_service: BookDataService, settings: Settings, path: str
) -> None:
    """A service slower than UPSTREAM_TIMEOUT is a 504 that says how long we waited."""
    settings.UPSTREAM_TIMEOUT = 0.1
    book_data_service.delay = 1.0
    response = await get(path)
    assert response.status_code == 504
    assert response.json() == {"detail": "The book-data service did not answer within 0.1 s."}
    await book_data_service.idle()  # the abandoned call, before the next test resets the service


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating"])
async def test_unreachable_service_is_502(settings: Settings, path: str) -> None:
    """Nobody listening on the port is a 502 that says the service could not be reached."""
    with free_socket() as sock:  # bound but not listening: connections are refused
        settings.UPSTREAM_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
        response = await get(path)
    book_data.close_sync_client()
    assert response.status_code == 502
    assert response.json() == {"detail": "Could not reach the book-data service (ConnectError)."}


async def test_summary_gathers_the_three_calls(
    book_data_service: BookDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """strategy=gather has the three calls in the service at once: they meet at a barrier there
    (one after another, the first would wait alone and time out)."""
    barrier = AsyncBarrier(3)
    monkeypatch.setattr(upstream, "asyncio", types.SimpleNamespace(sleep=barrier.wait))
    book_data_service.delay = 0.05
    response = await async_client.get("/books/2/summary?strategy=gather")
    assert response.json() == {"book_id": 2, "rating": 4.4, "price": 15.0, "in_stock": 2}
    assert barrier.arrived == 3 and book_data_service.peak_in_flight == 3


@pytest.mark.parametrize("path", ["/books/2/summary?strategy=sequential", "/sync/books/2/summary"])
async def test_summary_one_call_after_another(
    book_data_service: BookDataService, path: str
) -> None:
    """strategy=sequential, and the sync twin, never have two calls in the service at once."""
    book_data_service.delay = 0.05
    response = await get(path)
    assert response.json() == {"book_id": 2, "rating": 4.4, "price": 15.0, "in_stock": 2}
    assert book_data_service.peak_in_flight == 1


async def test_summary_task_group_cancels_the_other_calls_when_one_fails(
    book_data_service: BookDataService,
) -> None:
    """strategy=taskgroup: price fails at once, so the slow rating call is cancelled (the
    service sees its client hang up) and the answer is price's 502, not a 500 for the group.
    Under gather the same slow call runs to its end, its client never leaving."""
    for strategy, cancelled in [("taskgroup", True), ("gather", False)]:
        book_data_service.reset(record=True)
        book_data_service.configure("price", status=500)
        book_data_service.configure("rating", delay=0.3)
        response = await async_client.get(f"/books/2/summary?strategy={strategy}")
        assert response.status_code == 502
        assert response.json() == {"detail": "The book-data service answered 500 for price."}
        await book_data_service.idle()
        (rating,) = [call for call in book_data_service.calls if call.resource == "rating"]
        assert (rating.hung_up is not None) is cancelled, strategy


@pytest.mark.parametrize("strategy", ["gather", "taskgroup", "sequential"])
async def test_summary_deadline_bounds_the_whole_request(
    book_data_service: BookDataService, strategy: str
) -> None:
    """Every call within httpx's per-phase timeout, the three together over the deadline: 504
    with a one-line message, whatever the strategy."""
    book_data_service.configure("stock", delay=0.3)
    response = await async_client.get(f"/books/2/summary?strategy={strategy}&deadline=0.1")
    assert response.status_code == 504
    assert response.json() == {"detail": "The summary took longer than its 0.1 s deadline."}
    ok = await async_client.get(f"/books/2/summary?strategy={strategy}&deadline=5")
    assert ok.status_code == 200


@pytest.mark.parametrize("deadline", ["0", "-1", "11", "soon"])
async def test_summary_refuses_a_deadline_out_of_bounds(deadline: str) -> None:
    """A deadline must be above 0 and at most 10 seconds: 422 naming the parameter."""
    response = await async_client.get(f"/books/2/summary?deadline={deadline}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "deadline"]


async def test_summary_refuses_unknown_strategy() -> None:
    """A strategy that is neither gather, taskgroup nor sequential is a 422 naming it."""
    response = await async_client.get("/books/2/summary?strategy=parallel")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "strategy"]


async def test_shared_async_clients_per_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loop's clients are used in turn, and split UPSTREAM_MAX_CONNECTIONS between them: with 7
    over 3 clients, one client holds 3 calls at once and makes a fourth wait for the pool."""
    settings.UPSTREAM_MAX_CONNECTIONS, settings.UPSTREAM_CLIENTS = 7, 3
    handed_out = [book_data.async_client() for _ in range(6)]
    assert len(set(handed_out)) == 3 and handed_out[:3] == handed_out[3:]
    gate = threading.Event()

    async def held(delay: float) -> None:  # runs on the service's own loop, in its thread
        await asyncio.get_running_loop().run_in_executor(None, gate.wait, 10)

    monkeypatch.setattr(upstream, "asyncio", types.SimpleNamespace(sleep=held))
    service = BookDataService(delay=1)
    one = handed_out[0]
    with serve(service) as server:
        calls = [asyncio.ensure_future(one.get(f"{server.url}/rating/1")) for _ in range(3)]
        for _ in range(500):  # until the three hold their connections in the service
            if service.in_flight == 3:
                break
            await asyncio.sleep(0.01)
        try:
            with pytest.raises(httpx.PoolTimeout):
                await one.get(f"{server.url}/rating/1", timeout=httpx.Timeout(10, pool=0.3))
        finally:
            gate.set()
        assert [(await call).status_code for call in calls] == [200] * 3
    assert service.peak_in_flight == 3
    await book_data.aclose_async_client()
    assert all(c.is_closed for c in handed_out)
    assert book_data.async_client() not in handed_out


def test_server_shutdown_closes_its_clients(
    book_data_service: BookDataService, settings: Settings
) -> None:
    """The project's lifespan handler closes the server loop's clients when uvicorn stops."""
    before = set(book_data.client_sets())
    with serve() as server:
        response = httpx.get(f"{server.url}/api/books/1/rating", timeout=10)
        made = set(book_data.client_sets()) - before
    assert response.status_code == 200
    assert len(made) == 1
    clients = made.pop().clients
    assert len(clients) == settings.UPSTREAM_CLIENTS and all(c.is_closed for c in clients)
