"""Fixtures shared by the project's tests (helpers to import live in support.py)."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from asgiref.sync import SyncToAsync
from django.db import connections
from pytest_django import DjangoDbBlocker, Settings

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


@pytest.fixture(autouse=True)
def closes_connections_a_test_left(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """After a test that used the database, close the connections it left in other threads."""
    yield
    if "django_db_setup" not in request.fixturenames:
        return
    # An `a`-method awaited by a test runs outside any request's ThreadSensitiveContext, so on
    # asgiref's one process-wide thread (notebook 03), where no request_finished ever closes its
    # connection; that thread lives on, so its connection is closed there, properly.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)
    # Tests of the leak itself (CONN_MAX_AGE=60 under the stock handler, a task that outlives its
    # request) leave connections on threads that are gone. On PostgreSQL an open session keeps the
    # test database from being dropped at the end ("being accessed by other users"), and would
    # count in the next test's figures: end them.
    if connections["default"].vendor == "postgresql":
        with django_db_blocker.unblock():
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            # Closed again, as the test left it: a later test without database access must not
            # find an open connection on this thread (request_started would check it).
            connections["default"].close()


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
