"""The book-data service, and the library endpoints that call it over real HTTP."""

import asyncio

import httpx
import pytest
from ninja.testing import TestAsyncClient, TestClient

from tutorial_project.api import api
from tutorial_project.library import book_data
from tutorial_project.servers import free_socket, serve
from tutorial_project.upstream import BookDataService, main

pytestmark = pytest.mark.usefixtures("closes_upstream_clients")

client = TestClient(api)
async_client = TestAsyncClient(api)


async def get(path: str) -> object:
    """GET through the Ninja test client that fits: TestAsyncClient cannot run sync views."""
    if path.startswith("/sync/"):
        return await asyncio.to_thread(client.get, path)
    return await async_client.get(path)


def service_client(service: BookDataService) -> httpx.AsyncClient:
    """An httpx client wired straight to a service, in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://up")


async def test_service_answers_each_resource() -> None:
    """Every resource answers stable JSON for a known book."""
    async with service_client(BookDataService()) as up:
        bodies = [(await up.get(f"/{part}/7")).json() for part in ("rating", "price", "stock")]
    assert bodies == [
        {"book_id": 7, "rating": 3.9},
        {"book_id": 7, "price": 27.5},
        {"book_id": 7, "in_stock": 2},
    ]


@pytest.mark.parametrize("path", ["/rating/1001", "/rating/x", "/reviews/1", "/"])
async def test_service_refuses_unknown_paths(path: str) -> None:
    """Unknown books and paths are 404s with a message."""
    async with service_client(BookDataService()) as up:
        response = await up.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


async def test_service_knobs() -> None:
    """`status` applies to every resource; `configure` overrides one; counters count."""
    service = BookDataService(status=503)
    service.configure("price", delay=0.01)
    async with service_client(service) as up:
        rating, price = await asyncio.gather(up.get("/rating/1"), up.get("/price/1"))
    assert (rating.status_code, price.status_code) == (503, 200)
    assert service.requests == 2 and service.in_flight == 0 and service.peak_in_flight == 2
    service.reset()
    assert (service.requests, service.status, service.overrides) == (0, 200, {})


async def test_service_idle_waits_for_calls_in_progress() -> None:
    """idle() returns once no call is in progress, and says how many are left when it gives up."""
    service = BookDataService(delay=0.3)
    async with service_client(service) as up:
        call = asyncio.ensure_future(up.get("/rating/1"))
        for _ in range(100):  # in process, the call arrives within a few loop turns
            if service.in_flight:
                break
            await asyncio.sleep(0.01)
        with pytest.raises(TimeoutError, match="1 call"):
            await service.idle(timeout=0.05)
        await service.idle(timeout=5)
        assert service.in_flight == 0 and (await call).status_code == 200


def test_service_refuses_unknown_resource_knob() -> None:
    """A typo in a resource name is an error that lists the right names."""
    with pytest.raises(ValueError, match="choose from rating, price, stock"):
        BookDataService().configure("prices", delay=1)


def test_service_cli_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m tutorial_project.upstream --delay soon` says what is wrong."""
    with pytest.raises(SystemExit):
        main(["--delay", "soon"])
    assert "invalid float value: 'soon'" in capsys.readouterr().err


async def test_rating_async_and_sync(book_data_service: BookDataService) -> None:
    """Both twins return the service's rating."""
    response = await async_client.get("/books/3/rating")
    assert response.status_code == 200
    assert response.json() == {"book_id": 3, "rating": 3.1}
    assert client.get("/sync/books/3/rating").json() == response.json()


@pytest.mark.parametrize("path", ["/books/5000/rating", "/sync/books/5000/rating"])
async def test_rating_of_unknown_book_is_404(book_data_service: BookDataService, path: str) -> None:
    """The service's 404 stays a 404, with the library's own message."""
    response = await get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "No rating for book 5000."}


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating", "/books/1/summary"])
async def test_failing_service_is_502(book_data_service: BookDataService, path: str) -> None:
    """An error status from the service is a 502 that names it, not a 500."""
    book_data_service.status = 503
    response = await get(path)
    assert response.status_code == 502
    assert response.json()["detail"].startswith("The book-data service answered 503 for ")


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating"])
async def test_slow_service_is_504(
    book_data_service: BookDataService, settings: pytest.FixtureRequest, path: str
) -> None:
    """A service slower than UPSTREAM_TIMEOUT is a 504 that says how long we waited."""
    settings.UPSTREAM_TIMEOUT = 0.1
    book_data_service.delay = 1.0
    response = await get(path)
    assert response.status_code == 504
    assert response.json() == {"detail": "The book-data service did not answer within 0.1 s."}


@pytest.mark.parametrize("path", ["/books/1/rating", "/sync/books/1/rating"])
async def test_unreachable_service_is_502(settings: pytest.FixtureRequest, path: str) -> None:
    """Nobody listening on the port is a 502 that says the service could not be reached."""
    with free_socket() as sock:  # bound but not listening: connections are refused
        settings.UPSTREAM_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
        response = await get(path)
    book_data.close_sync_client()
    assert response.status_code == 502
    assert response.json() == {"detail": "Could not reach the book-data service (ConnectError)."}


@pytest.mark.parametrize(("strategy", "peak"), [("gather", 3), ("sequential", 1)])
async def test_summary_strategies(
    book_data_service: BookDataService, strategy: str, peak: int
) -> None:
    """gather has the three calls in flight at once; sequential never more than one."""
    book_data_service.delay = 0.05
    response = await async_client.get(f"/books/2/summary?strategy={strategy}")
    assert response.json() == {"book_id": 2, "rating": 4.4, "price": 15.0, "in_stock": 2}
    assert book_data_service.peak_in_flight == peak


async def test_summary_refuses_unknown_strategy() -> None:
    """A strategy that is neither gather nor sequential is a 422 naming the parameter."""
    response = await async_client.get("/books/2/summary?strategy=parallel")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "strategy"]


def test_sync_summary_is_sequential(book_data_service: BookDataService) -> None:
    """The sync twin makes its three calls one after another."""
    assert client.get("/sync/books/2/summary").json()["price"] == 15.0
    assert book_data_service.peak_in_flight == 1


async def test_shared_async_clients_per_event_loop(settings: pytest.FixtureRequest) -> None:
    """A loop's clients are used in turn and split UPSTREAM_MAX_CONNECTIONS between them."""
    settings.UPSTREAM_MAX_CONNECTIONS, settings.UPSTREAM_CLIENTS = 7, 3
    handed_out = [book_data.async_client() for _ in range(6)]
    assert len(set(handed_out)) == 3 and handed_out[:3] == handed_out[3:]
    assert {c._transport._pool._max_connections for c in handed_out} == {3}
    await book_data.aclose_async_client()
    assert all(c.is_closed for c in handed_out)
    assert book_data.async_client() not in handed_out


def test_server_shutdown_closes_its_client(book_data_service: BookDataService) -> None:
    """The project's lifespan handler closes the server loop's client when uvicorn stops."""
    before = set(book_data.client_sets())
    with serve() as server:
        response = httpx.get(f"{server.url}/api/books/1/rating", timeout=10)
        made = set(book_data.client_sets()) - before
    assert response.status_code == 200
    assert len(made) == 1
    assert all(client.is_closed for client in made.pop().clients)


async def test_service_records_calls_and_connections() -> None:
    """With record on, each call is kept with its client port; one client reuses one connection."""
    service = BookDataService(record=True)
    with serve(service) as server:
        async with httpx.AsyncClient(base_url=server.url) as up:
            for part in ("rating", "price", "stock"):
                await up.get(f"/{part}/1")
    assert [call.resource for call in service.calls] == ["rating", "price", "stock"]
    assert service.connections == 1
    assert all(call.end >= call.start for call in service.calls)
