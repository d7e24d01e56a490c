"""Fixtures shared by the project's tests (helpers to import live in support.py)."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_django import Settings

from course_kit.book_data_service import BookDataService
from course_kit.servers import serve
from tutorial_project.library import book_data
from tutorial_project.library.seed import seed


@pytest.fixture
def library(django_db_reset_sequences: None) -> dict[str, int]:
    """The seed data, committed for real so that the worker threads of async views can read it;
    with the id sequences reset, so its books are 1 to 8 in every test, as in the notebooks."""
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


@pytest.fixture(scope="session")
def book_data_server() -> Iterator[tuple[BookDataService, str]]:
    """One book-data service on 127.0.0.1 for the whole session (reset before each test)."""
    service = BookDataService()
    with serve(service) as server:
        yield service, server.url


@pytest.fixture
def book_data_service(
    book_data_server: tuple[BookDataService, str], settings: Settings
) -> Iterator[BookDataService]:
    """The session's book-data service, reset, with the project's UPSTREAM_URL pointing at it."""
    service, url = book_data_server
    service.reset()
    settings.UPSTREAM_URL = url
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
