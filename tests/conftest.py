"""Fixtures shared by the project's tests."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tutorial_project.library import book_data
from tutorial_project.library.seed import seed
from tutorial_project.servers import serve
from tutorial_project.upstream import BookDataService


@pytest.fixture
def library(transactional_db: None) -> dict[str, int]:
    """The seed data, committed for real so that the worker threads of async views can read it."""
    # A plain `db` fixture would keep the rows inside the test's open transaction, which only the
    # test's own connection can see; sync_to_async runs the view's queries on other connections.
    return seed()


@pytest.fixture
async def asgi_client() -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client wired to the project's real ASGI application, in process."""
    from tutorial_project.asgi import application

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def book_data_service(settings: pytest.FixtureRequest) -> Iterator[BookDataService]:
    """A real book-data service on 127.0.0.1, with the project's UPSTREAM_URL pointing at it."""
    service = BookDataService()
    with serve(service) as server:
        settings.UPSTREAM_URL = server.url
        yield service
    book_data.close_sync_client()


@pytest.fixture
async def closes_upstream_clients() -> AsyncIterator[None]:
    """Close the test loop's shared AsyncClient when the test ends, as a server's shutdown would."""
    yield
    await book_data.aclose_async_client()


@pytest.fixture
def written_text() -> Callable[[Path], str]:
    """A function that waits (up to 30 s) until another process has written a file, and reads it."""

    def wait(path: Path) -> str:
        for _ in range(300):
            if path.exists() and path.read_text():
                break
            time.sleep(0.1)
        return path.read_text()

    return wait
