"""The library API through Django Ninja's test clients: the operations, without the ASGI stack."""

import httpx
import pytest
from ninja.testing import TestAsyncClient, TestClient

from tutorial_project.api import api
from tutorial_project.library.models import Book

pytestmark = pytest.mark.usefixtures("library")

client = TestClient(api)
async_client = TestAsyncClient(api)


async def test_async_hello_with_zero_delay() -> None:
    """The post's endpoint answers with its message."""
    response = await async_client.get("/async-hello?delay=0")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello from async view!"}


@pytest.mark.parametrize("delay", ["-1", "9", "soon"])
async def test_async_hello_with_bad_delay(delay: str) -> None:
    """A delay outside 0–5 seconds, or not a number, is refused with 422 before any waiting."""
    response = await async_client.get(f"/async-hello?delay={delay}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "delay"]


async def test_user_info_with_known_user() -> None:
    """A seeded user's email comes back."""
    response = await async_client.get("/user-info?username=alice")
    assert response.status_code == 200
    assert response.json() == {"email": "alice@example.com"}


async def test_user_info_with_unknown_user() -> None:
    """An unknown username is a 404 with a message, not a 500."""
    response = await async_client.get("/user-info?username=nobody")
    assert response.status_code == 404
    assert response.json() == {"detail": "No user named 'nobody'."}


@pytest.mark.parametrize("query", ["", "?username="])
async def test_user_info_without_username(query: str) -> None:
    """A missing or empty username is a 422 that names the parameter."""
    response = await async_client.get(f"/user-info{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "username"]


async def test_list_books_with_authors() -> None:
    """Every seeded book is listed with its author, Korean titles intact."""
    response = await async_client.get("/books")
    assert response.status_code == 200
    books = response.json()
    assert len(books) == 8
    vegetarian = next(book for book in books if book["title"] == "채식주의자")
    assert vegetarian["year"] == 2007
    assert vegetarian["author"]["name"] == "한강"


async def test_get_book_with_author() -> None:
    """One book comes with its author."""
    book = await Book.objects.aget(title="Exhalation")
    response = await async_client.get(f"/books/{book.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": book.pk,
        "title": "Exhalation",
        "year": 2019,
        "author": {"id": book.author_id, "name": "Ted Chiang"},
    }


async def test_get_book_with_unknown_id() -> None:
    """An unknown book id is a 404 with a message."""
    response = await async_client.get("/books/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No book with id 999."}


async def test_get_book_with_non_integer_id() -> None:
    """A book id that is not an integer is a 422."""
    response = await async_client.get("/books/first")
    assert response.status_code == 422


def test_sync_twins_answer_like_the_async_operations() -> None:
    """Each sync twin returns what its async operation returns."""
    assert client.get("/sync/hello?delay=0").json() == {"message": "Hello from sync view!"}
    assert client.get("/sync/user-info?username=bob").json() == {"email": "bob@example.com"}
    assert client.get("/sync/user-info?username=nobody").status_code == 404
    book = Book.objects.get(title="The Dispossessed")
    assert client.get(f"/sync/books/{book.pk}").json()["author"]["name"] == "Ursula K. Le Guin"
    assert client.get("/sync/books/999").json() == {"detail": "No book with id 999."}
    assert len(client.get("/sync/books").json()) == 8


def test_sync_hello_with_bad_delay() -> None:
    """The sync twin refuses the same bad input as the async operation."""
    assert client.get("/sync/hello?delay=9").status_code == 422


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ("delay=0", 200, {"message": "Hello from plain Django!"}),
        ("delay=9", 422, {"detail": "delay must be between 0 and 5"}),
        ("delay=soon", 422, {"detail": "delay must be a number"}),
    ],
)
async def test_plain_django_view(
    asgi_client: httpx.AsyncClient, query: str, status: int, body: dict
) -> None:
    """The benchmark's plain row: the same rules as /api/async-hello, without Ninja."""
    response = await asgi_client.get(f"/plain/async-hello?{query}")
    assert (response.status_code, response.json()) == (status, body)
