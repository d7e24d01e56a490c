"""The library API: async operations at /api/… and their sync twins at /api/sync/….

Ninja looks at each operation on its own: an `async def` runs on the server's event loop, a
plain `def` runs in a worker thread that Django's ASGI handler provides. The twins let the
notebooks compare the two with everything else equal.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Literal

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.streaming import JSONL

from tutorial_project.library import book_data
from tutorial_project.library.models import Book
from tutorial_project.library.schemas import (
    BookOut,
    HelloOut,
    Message,
    RatingOut,
    SummaryOut,
    UserInfoOut,
)

User = get_user_model()

router = Router(tags=["async"])
sync_router = Router(tags=["sync twins"])

# Shared parameter rules, so both twins accept and refuse exactly the same input.
Delay = Query(1.0, ge=0, le=5, description="Seconds to wait before answering (0 to 5).")
Username = Query(..., min_length=1, max_length=150, description="The user to look up.")
# Answers of the endpoints that call the book-data service: its failures become 502 or 504.
Upstream = {404: Message, 502: Message, 504: Message}
Strategy = Query(
    "gather",
    description="gather or taskgroup: the three calls at once (a task group cancels the others "
    "when one fails); sequential: one after another.",
)
Deadline = Query(
    None, gt=0, le=10, description="Seconds the whole summary may take (0 to 10); 504 after."
)
SUMMARY_PARTS = ("rating", "price", "stock")


def no_user(username: str) -> HttpError:
    """The 404 for an unknown username; Ninja turns it into {"detail": "..."}."""
    return HttpError(404, f"No user named {username!r}.")


def no_book(book_id: int) -> HttpError:
    """The 404 for an unknown book id; Ninja turns it into {"detail": "..."}."""
    return HttpError(404, f"No book with id {book_id}.")


def books_with_authors() -> QuerySet[Book]:
    """A fresh QuerySet of books that loads each author in the same query."""
    # Loading the author up front matters twice over: it saves a query per book, and in an async
    # view the lazy query that `book.author` would otherwise run raises SynchronousOnlyOperation
    # while Ninja serialises the response. A function, not a module-level QuerySet, because an
    # evaluated QuerySet caches its rows and would serve stale data to later requests.
    return Book.objects.select_related("author")


@router.get("/async-hello", response=HelloOut)
async def async_hello(request: HttpRequest, delay: float = Delay) -> dict[str, str]:
    """Wait without blocking: other requests run on the event loop meanwhile."""
    await asyncio.sleep(delay)
    return {"message": "Hello from async view!"}


@router.get("/user-info", response={200: UserInfoOut, 404: Message})
async def get_user_info(request: HttpRequest, username: str = Username) -> dict[str, str]:
    """Look a user up with the sync ORM, moved off the event loop by sync_to_async."""
    try:
        # thread_sensitive=True (the default): the query runs in this request's one sync thread,
        # the thread that owns its database connection, never on the event loop.
        user = await sync_to_async(User.objects.get)(username=username)
    except User.DoesNotExist:
        raise no_user(username) from None
    return {"email": user.email}


@router.get("/books", response=list[BookOut])
async def list_books(request: HttpRequest) -> list[Book]:
    """All books with their authors, read through the async ORM."""
    return [book async for book in books_with_authors()]


@router.get("/books/export", response=JSONL[BookOut])
async def export_books(request: HttpRequest) -> AsyncIterator[Book]:
    """Every book as a JSON line, sent as rows are read: the list is never held whole."""
    # aiterator() reads the rows in chunks (a hop to the ORM's thread each), where `async for`
    # over the QuerySet itself would fetch them all first; Ninja validates each book as it goes.
    async for book in books_with_authors().order_by("pk").aiterator(chunk_size=100):
        yield book


@router.get("/books/{book_id}", response={200: BookOut, 404: Message})
async def get_book(request: HttpRequest, book_id: int) -> Book:
    """One book with its author, or 404."""
    try:
        return await books_with_authors().aget(pk=book_id)
    except Book.DoesNotExist:
        raise no_book(book_id) from None


@router.get("/books/{book_id}/rating", response={200: RatingOut, **Upstream})
async def get_rating(request: HttpRequest, book_id: int) -> dict[str, object]:
    """One call to the book-data service; the event loop serves others while it waits."""
    if not await Book.objects.filter(pk=book_id).aexists():
        raise no_book(book_id)
    return await book_data.fetch("rating", book_id)


@router.get("/books/{book_id}/summary", response={200: SummaryOut, **Upstream})
async def get_summary(
    request: HttpRequest,
    book_id: int,
    strategy: Literal["gather", "taskgroup", "sequential"] = Strategy,
    deadline: float | None = Deadline,
) -> dict[str, object]:
    """Rating, price and stock from three calls, at once or one after another, within `deadline`."""
    if not await Book.objects.filter(pk=book_id).aexists():
        raise no_book(book_id)
    try:
        # One deadline for everything below: httpx's timeouts bound each phase of each call
        # (connect, write, each read), never a request's whole time.
        async with asyncio.timeout(deadline):
            parts = await summary_parts(book_id, strategy)
    except TimeoutError:
        raise HttpError(504, f"The summary took longer than its {deadline:g} s deadline.") from None
    return {key: value for part in parts for key, value in part.items()}


async def summary_parts(book_id: int, strategy: str) -> list[dict[str, object]]:
    """The three answers of the book-data service, fetched by `strategy`."""
    if strategy == "gather":
        # If one call fails, gather raises its error at once; the other calls still run to the
        # end (nothing cancels them) and their results are dropped.
        return await asyncio.gather(*(book_data.fetch(part, book_id) for part in SUMMARY_PARTS))
    if strategy == "taskgroup":
        # A task group cancels the other calls as soon as one fails, and waits for them to stop.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(book_data.fetch(p, book_id)) for p in SUMMARY_PARTS]
        except* HttpError as failed:
            raise failed.exceptions[0] from None  # Ninja answers an HttpError, not a group
        return [task.result() for task in tasks]
    return [await book_data.fetch(part, book_id) for part in SUMMARY_PARTS]


@sync_router.get("/hello", response=HelloOut)
def sync_hello(request: HttpRequest, delay: float = Delay) -> dict[str, str]:
    """Wait by blocking a thread; under ASGI each request gets a thread of its own."""
    time.sleep(delay)
    return {"message": "Hello from sync view!"}


@sync_router.get("/user-info", response={200: UserInfoOut, 404: Message})
def get_user_info_sync(request: HttpRequest, username: str = Username) -> dict[str, str]:
    """The sync twin of /api/user-info: a plain ORM call, no wrapper needed."""
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise no_user(username) from None
    return {"email": user.email}


@sync_router.get("/books", response=list[BookOut])
def list_books_sync(request: HttpRequest) -> list[Book]:
    """The sync twin of /api/books."""
    return list(books_with_authors())


@sync_router.get("/books/{book_id}", response={200: BookOut, 404: Message})
def get_book_sync(request: HttpRequest, book_id: int) -> Book:
    """The sync twin of /api/books/{book_id}."""
    try:
        return books_with_authors().get(pk=book_id)
    except Book.DoesNotExist:
        raise no_book(book_id) from None


@sync_router.get("/books/{book_id}/rating", response={200: RatingOut, **Upstream})
def get_rating_sync(request: HttpRequest, book_id: int) -> dict[str, object]:
    """The sync twin of /api/books/{book_id}/rating: its thread blocks while it waits."""
    if not Book.objects.filter(pk=book_id).exists():
        raise no_book(book_id)
    return book_data.fetch_sync("rating", book_id)


@sync_router.get("/books/{book_id}/summary", response={200: SummaryOut, **Upstream})
def get_summary_sync(request: HttpRequest, book_id: int) -> dict[str, object]:
    """The sync twin of /api/books/{book_id}/summary: one call after another, nothing else."""
    if not Book.objects.filter(pk=book_id).exists():
        raise no_book(book_id)
    parts = [book_data.fetch_sync(part, book_id) for part in SUMMARY_PARTS]
    return {key: value for part in parts for key, value in part.items()}


router.add_router("/sync", sync_router)
