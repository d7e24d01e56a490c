"""Plausible wrong solutions for every exercise, and the hint each check must answer them with.

Keyed by notebook stem, then by the id of the exercise's `solution` cell. The proof items that
conftest.py adds before every check cell run each mistake in the notebook's kernel and require the
check to fail with an AssertionError ("Not yet: …") containing `hint`; see course_tools.proofs.
A mistake is the error the exercise is about, written the way a learner would write it.
"""

from course_tools.proofs import Exercise, Mistake

CATALOG: dict[str, dict[str, Exercise]] = {}

CATALOG["00-setup-and-the-notebook-event-loop"] = {
    # count_books_by: the async ORM.
    "c059": Exercise(
        [
            Mistake(
                why="the sync ORM inside async def",
                hint="use `await ....acount()`",
                source="""
async def count_books_by(author_name: str) -> int:
    return Book.objects.filter(author__name=author_name).count()
""",
            ),
            Mistake(
                why="the a-method called but not awaited",
                hint="`await` the a-method",
                source="""
async def count_books_by(author_name: str) -> int:
    return Book.objects.filter(author__name=author_name).acount()
""",
            ),
            Mistake(
                why="looks the author up first, which raises for an unknown name",
                hint="an unknown author should give 0",
                source="""
async def count_books_by(author_name: str) -> int:
    author = await Author.objects.aget(name=author_name)
    return await author.books.acount()
""",
            ),
        ],
        reset="from tutorial_project.library.models import Author",
    ),
    # titles_by_year: several queries, one trip.
    "c062": Exercise(
        [
            Mistake(
                why="wraps the QuerySet method, so the lazy QuerySet is evaluated on the loop",
                hint="evaluate the query inside the function sync_to_async runs",
                source="""
async def titles_by_year() -> dict[int, str]:
    return dict(await sync_to_async(Book.objects.values_list)("year", "title"))
""",
            ),
            Mistake(
                why="one async query per year: a trip to a worker thread each",
                hint="trips to a worker thread",
                source="""
async def titles_by_year() -> dict[int, str]:
    years = [year async for year in Book.objects.values_list("year", flat=True)]
    titles = Book.objects.values_list("title", flat=True)
    return {year: await titles.filter(year=year).aget() for year in years}
""",
            ),
        ]
    ),
    # fetch_email: a client function that maps 404 to None and raises for the rest.
    "c065": Exercise(
        [
            Mistake(
                why="raise_for_status() before looking for the 404",
                hint="a 404 should give None",
                source="""
async def fetch_email(username: str) -> str | None:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/api/user-info", params={"username": username})
    response.raise_for_status()
    return response.json()["email"]
""",
            ),
            Mistake(
                why="every error status becomes None, the 422 included",
                hint="an empty username is a 422",
                source="""
async def fetch_email(username: str) -> str | None:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/api/user-info", params={"username": username})
    if response.status_code != 200:
        return None
    return response.json()["email"]
""",
            ),
        ]
    ),
}

CATALOG["01-async-views"] = {
    # fixed_nap: unblock a view.
    "c032": Exercise(
        [
            Mistake(
                why="keeps the blocking sleep",
                hint="time.sleep holds the loop",
                source="""
async def fixed_nap(request, delay: float = 0.1) -> dict:
    started = time.perf_counter()
    time.sleep(delay)
    return {"started": started, "finished": time.perf_counter()}
""",
            ),
            Mistake(
                why="calls asyncio.sleep without awaiting it, so nothing waits",
                hint="await it",
                source="""
async def fixed_nap(request, delay: float = 0.1) -> dict:
    started = time.perf_counter()
    asyncio.sleep(delay)
    return {"started": started, "finished": time.perf_counter()}
""",
            ),
            Mistake(
                why="turns it into a sync view, which Ninja's async test client cannot await",
                hint="keep fixed_nap an `async def` view",
                source="""
def fixed_nap(request, delay: float = 0.1) -> dict:
    started = time.perf_counter()
    time.sleep(delay)
    return {"started": started, "finished": time.perf_counter()}
""",
            ),
        ]
    ),
    # isbn_view: a blocking library call moved off the loop.
    "c035-solution": Exercise(
        [
            Mistake(
                why="calls the blocking function on the loop",
                hint="ran on the event loop's thread",
                source="""
async def isbn_view(request, book_id: int) -> dict:
    return {"isbn": lookup_isbn(book_id)}
""",
            ),
            Mistake(
                why="wraps the result instead of the function: the call runs on the loop first",
                hint="hand the function itself to a thread",
                source="""
async def isbn_view(request, book_id: int) -> dict:
    return {"isbn": await sync_to_async(lookup_isbn(book_id))()}
""",
            ),
            Mistake(
                why="forgets the await, so the lookup never runs",
                hint="and await it",
                source="""
async def isbn_view(request, book_id: int) -> dict:
    return {"isbn": sync_to_async(lookup_isbn)(book_id)}
""",
            ),
        ],
        reset="from asgiref.sync import sync_to_async",
    ),
    # wsgi_wall_time: waves of requests on a WSGI server's threads.
    "c038": Exercise(
        [
            Mistake(
                why="expects async views to overlap under WSGI as under ASGI",
                hint="4 at a time",
                source="""
def wsgi_wall_time(n: int, delay: float, threads: int) -> float:
    return delay
""",
            ),
            Mistake(
                why="divides without rounding up to whole waves",
                hint="round up",
                source="""
def wsgi_wall_time(n: int, delay: float, threads: int) -> float:
    return n * delay / threads
""",
            ),
            Mistake(
                why="expects WSGI to run one request at a time",
                hint="4 at a time",
                source="""
def wsgi_wall_time(n: int, delay: float, threads: int) -> float:
    return n * delay
""",
            ),
        ]
    ),
}

CATALOG["02-synchronous-only-operation"] = {
    # titles_with_authors: one query, no lazy foreign key on the loop.
    "c046": Exercise(
        [
            Mistake(
                why="forgets select_related, so book.author queries on the loop",
                hint="load the authors with the books",
                source="""
async def titles_with_authors() -> list[str]:
    query = Book.objects.order_by("id")
    return [f"{book.title} — {book.author.name}" async for book in query]
""",
            ),
            Mistake(
                why="moves the loop into a thread: no error, but a query per book",
                hint="9 queries ran",
                source="""
@sync_to_async
def titles_with_authors() -> list[str]:
    return [f"{book.title} — {book.author.name}" for book in Book.objects.order_by("id")]
""",
            ),
        ],
        reset="from asgiref.sync import sync_to_async",
    ),
    # get_email: the async ORM and a 404.
    "c050": Exercise(
        [
            Mistake(
                why="the blog post's first draft: the sync ORM in an async view",
                hint="the sync ORM ran on the event loop",
                source="""
async def get_email(request, username: str) -> dict[str, str]:
    user = User.objects.get(username=username)
    return {"email": user.email}
""",
            ),
            Mistake(
                why="the sync shortcut, get_object_or_404, in an async view",
                hint="the sync ORM ran on the event loop",
                source="""
from django.shortcuts import get_object_or_404


async def get_email(request, username: str) -> dict[str, str]:
    user = get_object_or_404(User, username=username)
    return {"email": user.email}
""",
            ),
            Mistake(
                why="aget without handling DoesNotExist: an unknown user is a 500",
                hint="not 404",
                source="""
async def get_email(request, username: str) -> dict[str, str]:
    user = await User.objects.aget(username=username)
    return {"email": user.email}
""",
            ),
        ]
    ),
}

CATALOG["03-sync-to-async-and-the-async-orm"] = {
    # books_per_author: all queries in one hop.
    "c038": Exercise(
        [
            Mistake(
                why="an async query per author: a hop each (outside a request every one of them "
                "runs on the same thread, so counting threads would not see it)",
                hint="trips to a worker thread",
                source="""
async def books_per_author() -> dict[str, int]:
    return {a.name: await a.books.acount() async for a in Author.objects.all()}
""",
            ),
            Mistake(
                why="counts from the books side, so authors without books are missing",
                hint="authors with no books count too",
                source="""
@sync_to_async
def books_per_author() -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in Book.objects.values_list("author__name", flat=True):
        counts[name] = counts.get(name, 0) + 1
    return counts
""",
            ),
            Mistake(
                why="the sync ORM straight in async code",
                hint="a query ran on the loop",
                source="""
async def books_per_author() -> dict[str, int]:
    return dict(Author.objects.annotate(n=Count("books")).values_list("name", "n"))
""",
            ),
        ]
    ),
    # add_books_atomically: the transaction inside the sync function.
    "c042": Exercise(
        [
            Mistake(
                why="enters transaction.atomic() in the async function, on the loop",
                hint="transaction.atomic() ran on the event loop",
                source="""
async def add_books_atomically(author_name: str, titles: list[str]) -> int:
    with transaction.atomic():
        await sync_to_async(add_books)(author_name, titles)
    return len(titles)
""",
            ),
            Mistake(
                why="moves the work to a thread but forgets the transaction",
                hint="left its author behind",
                source="""
async def add_books_atomically(author_name: str, titles: list[str]) -> int:
    await sync_to_async(add_books)(author_name, titles)
    return len(titles)
""",
            ),
            Mistake(
                why="checks the titles first instead: a failure nobody foresaw still leaves rows",
                hint="a database error left the author behind",
                source="""
async def add_books_atomically(author_name: str, titles: list[str]) -> int:
    if any(not title.strip() for title in titles):
        raise ValueError("every book needs a title")
    await sync_to_async(add_books)(author_name, titles)
    return len(titles)
""",
            ),
            Mistake(
                why="cleans up by hand after the one error it knows about",
                hint="a database error left the author behind",
                source="""
async def add_books_atomically(author_name: str, titles: list[str]) -> int:
    try:
        await sync_to_async(add_books)(author_name, titles)
    except ValueError:
        await Author.objects.filter(name=author_name).adelete()
        raise
    return len(titles)
""",
            ),
        ]
    ),
}

CATALOG["04-async-to-sync-and-nest-asyncio"] = {
    # titles_in_command: one bridge, back to the calling thread.
    "c037": Exercise(
        [
            Mistake(
                why="a bridge per title: the calls run one after another",
                hint="bridges into async code",
                source="""
def titles_in_command(book_ids: list[int]) -> list[str]:
    return [async_to_sync(atitle)(book_id) for book_id in book_ids]
""",
            ),
            Mistake(
                why="asyncio.run: the helper's queries go to asgiref's global thread",
                hint="asyncio.run sends them",
                source="""
def titles_in_command(book_ids: list[int]) -> list[str]:
    async def all_titles() -> list[str]:
        return list(await asyncio.gather(*(atitle(book_id) for book_id in book_ids)))

    return asyncio.run(all_titles())
""",
            ),
        ]
    ),
    # count_ok: a command body gathering in-process requests.
    "c040": Exercise(
        [
            Mistake(
                why="awaits the requests one after another",
                hint="send the requests at once",
                source="""
async def status_codes(paths: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return [(await client.get(path)).status_code for path in paths]


def count_ok(paths: list[str]) -> int:
    return sum(200 <= code < 300 for code in async_to_sync(status_codes)(paths))
""",
            ),
            Mistake(
                why="counts every answer below 500, the 404 included",
                hint="the 404 does not",
                source="""
async def status_codes(paths: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(*(client.get(path) for path in paths))
    return [response.status_code for response in responses]


def count_ok(paths: list[str]) -> int:
    return sum(code < 500 for code in async_to_sync(status_codes)(paths))
""",
            ),
        ]
    ),
}

CATALOG["05-external-apis-with-httpx"] = {
    # ratings: many calls at once.
    "c055": Exercise(
        [
            Mistake(
                why="awaits the calls one after another",
                hint="send them at once",
                source="""
async def ratings(client: httpx.AsyncClient, book_ids: list[int]) -> dict[int, float]:
    result = {}
    for book_id in book_ids:
        body = (await client.get(f"/api/books/{book_id}/rating")).json()
        result[body["book_id"]] = body["rating"]
    return result
""",
            ),
        ]
    ),
    # summary_or_partial: survive one failed part.
    "c058": Exercise(
        [
            Mistake(
                why="raises for the failed part, so the whole summary fails",
                hint="one failed part must not fail the summary",
                source="""
async def summary_or_partial(client: httpx.AsyncClient, book_id: int) -> dict[str, object]:
    parts = ["rating", "price", "stock"]
    responses = await asyncio.gather(*(client.get(f"/{part}/{book_id}") for part in parts))
    merged: dict[str, object] = {}
    for response in responses:
        response.raise_for_status()
        merged.update(response.json())
    return merged
""",
            ),
            Mistake(
                why="merges every body, the failed part's error message included",
                hint="error body came through",
                source="""
async def summary_or_partial(client: httpx.AsyncClient, book_id: int) -> dict[str, object]:
    parts = ["rating", "price", "stock"]
    responses = await asyncio.gather(*(client.get(f"/{part}/{book_id}") for part in parts))
    merged: dict[str, object] = {}
    for response in responses:
        merged.update(response.json())
    return merged
""",
            ),
            Mistake(
                why="skips the failure correctly but makes the calls one after another",
                hint="make the three calls at once",
                source="""
async def summary_or_partial(client: httpx.AsyncClient, book_id: int) -> dict[str, object]:
    merged: dict[str, object] = {}
    for part in ["rating", "price", "stock"]:
        response = await client.get(f"/{part}/{book_id}")
        if response.status_code == 200:
            merged.update(response.json())
    return merged
""",
            ),
        ]
    ),
    # UPSTREAM_TIMEOUT: fail fast.
    "c061": Exercise(
        [
            Mistake(
                why="a timeout longer than the service takes: no 504 at all",
                hint="expected a 504",
                source="settings.UPSTREAM_TIMEOUT = 1.5",
            ),
            Mistake(
                why="a timeout just under the service's time: a 504, but late",
                hint="lower settings.UPSTREAM_TIMEOUT",
                source="settings.UPSTREAM_TIMEOUT = 0.5",
            ),
            Mistake(
                why="a timeout that fails fast enough on a quiet machine, but not 0.25 s",
                hint="at most about 0.25 s",
                source="settings.UPSTREAM_TIMEOUT = 0.4",
            ),
        ],
        reset="settings.UPSTREAM_TIMEOUT = 2.0",
    ),
}

CATALOG["06-mysql-with-pymysql"] = {
    # count_users_in_worker: a long-lived thread does what a request does.
    "c032": Exercise(
        [
            Mistake(
                why="trusts the thread's connection to stay open forever",
                hint="call close_old_connections() first",
                source="""
def count_users_in_worker() -> int:
    return User.objects.count()
""",
            ),
            Mistake(
                why="ensure_connection() keeps a connection that exists, broken or not",
                hint="call close_old_connections() first",
                source="""
def count_users_in_worker() -> int:
    connection.ensure_connection()
    return User.objects.count()
""",
            ),
        ]
    ),
    # legacy_columns: ask information_schema for this database's non-utf8mb4 columns.
    "c036": Exercise(
        [
            Mistake(
                why="looks for the old name utf8, which the server now reports as utf8mb3",
                hint="name the three-byte set utf8mb3",
                source="""
@sync_to_async
def legacy_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME = 'utf8'"
        )
        return sorted(f"{table}.{column}" for table, column in cursor.fetchall())
""",
            ),
            Mistake(
                why="forgets to limit the question to this database",
                hint="keep only TABLE_SCHEMA = DATABASE()",
                source="""
@sync_to_async
def legacy_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
            "WHERE CHARACTER_SET_NAME <> 'utf8mb4'"
        )
        return sorted(f"{table}.{column}" for table, column in cursor.fetchall())
""",
            ),
            Mistake(
                why="runs the raw query on the loop",
                hint="run it with sync_to_async",
                source="""
async def legacy_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME <> 'utf8mb4'"
        )
        return sorted(f"{table}.{column}" for table, column in cursor.fetchall())
""",
            ),
        ]
    ),
}

CATALOG["07-testing-async-apis"] = {
    # test_views_overlap: a test that fails for the blocking view.
    "c031": Exercise(
        [
            Mistake(
                why="sends the requests one after another, so even good views never overlap",
                hint="send both at once",
                source="""
async def test_views_overlap(view_path: str) -> None:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        first = await client.get(view_path, params={"delay": 0.1})
        second = await client.get(view_path, params={"delay": 0.1})
    a, b = first.json(), second.json()
    assert a["started"] < b["finished"] and b["started"] < a["finished"]
""",
            ),
            Mistake(
                why="asserts the status codes only: the blocking view answers 200 too",
                hint="assert that the views' own spans overlap",
                source="""
async def test_views_overlap(view_path: str) -> None:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(
            *(client.get(view_path, params={"delay": 0.1}) for _ in range(2))
        )
    assert all(response.status_code == 200 for response in responses)
""",
            ),
        ]
    ),
    # HOLDING_TEST: an async test whose writes other threads can see.
    "c034": Exercise(
        [
            Mistake(
                why="the plain django_db mark: the test's transaction holds the lock",
                hint="which django_db option lets other threads write",
                source="""
HOLDING_TEST = '''
import pytest
from ninja.testing import TestAsyncClient

from tutorial_project.api import api
from tutorial_project.library.models import Author, Book


@pytest.mark.django_db
async def test_new_book_is_served() -> None:
    author = await Author.objects.acreate(name="Exercise Author")
    book = await Book.objects.acreate(title="Exercise Book", year=2025, author=author)
    response = await TestAsyncClient(api).get(f"/books/{book.id}")
    assert response.status_code == 200
'''
""",
            ),
            Mistake(
                why="writes the rows but never asks the view, so it cannot fail",
                hint="ask the view for the book",
                source="""
HOLDING_TEST = '''
import pytest

from tutorial_project.library.models import Author, Book


@pytest.mark.django_db(transaction=True)
async def test_new_book_is_served() -> None:
    author = await Author.objects.acreate(name="Exercise Author")
    book = await Book.objects.acreate(title="Exercise Book", year=2025, author=author)
    assert book.id
'''
""",
            ),
        ]
    ),
    # price_down: a MockTransport handler that fails one path only.
    "c037": Exercise(
        [
            Mistake(
                why="every call fails, so the summary names whichever failed first",
                hint="should answer 200, not 503",
                source="""
def price_down(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"detail": "down"})
""",
            ),
            Mistake(
                why="compares the whole path with /price, which never matches /price/1",
                hint="make /price/<id> answer 503",
                source="""
def price_down(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/price":
        return httpx.Response(503, json={"detail": "down"})
    return httpx.Response(200, json={"book_id": 1, "rating": 4.0, "in_stock": 3})
""",
            ),
            Mistake(
                why="fails the price right, but answers the other parts with empty bodies",
                hint="/rating/2 answered",
                source="""
def price_down(request: httpx.Request) -> httpx.Response:
    if request.url.path.startswith("/price/"):
        return httpx.Response(503, json={"detail": "down"})
    return httpx.Response(200, json={})
""",
            ),
        ]
    ),
}

CATALOG["08-serving-and-load-testing"] = {
    # in_flight: Little's law.
    "ex1-solution": Exercise(
        [
            Mistake(
                why="divides where the law multiplies",
                hint="multiply requests per second by seconds per request",
                source="""
def in_flight(point: bench.Point) -> float:
    return point.throughput / point.p50
""",
            ),
            Mistake(
                why="uses the p99, the slowest requests, for the typical wait",
                hint="multiply requests per second by seconds per request",
                source="""
def in_flight(point: bench.Point) -> float:
    return point.throughput * point.p99
""",
            ),
            Mistake(
                why="reads the answer off the point instead of estimating it",
                hint="from the point's throughput and latency, not from its concurrency",
                source="""
def in_flight(point: bench.Point) -> float:
    return float(point.concurrency)
""",
            ),
        ]
    ),
    # ServerTiming: a middleware that costs no crossing.
    "ex2-solution": Exercise(
        [
            Mistake(
                why="a MiddlewareMixin hook, which Django runs through sync_to_async",
                hint="runs in a thread",
                source="""
from django.utils.deprecation import MiddlewareMixin


class ServerTiming(MiddlewareMixin):
    def process_request(self, request):
        request.timing_started = time.perf_counter()

    def process_response(self, request, response):
        took = (time.perf_counter() - request.timing_started) * 1000
        response["Server-Timing"] = f"app;dur={took:.1f}"
        return response
""",
            ),
            Mistake(
                why="a plain sync middleware: Django adapts the handler around it",
                hint="runs in a thread",
                source="""
class ServerTiming:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
""",
            ),
        ]
    ),
}

CATALOG["09-how-fast-is-async-django"] = {
    # PREDICTED_CROSSINGS: the two of every request, and the ORM's.
    "ex1-solution": Exercise(
        [
            Mistake(
                why="forgets the async ORM's own hop",
                hint="and the ORM call's",
                source="PREDICTED_CROSSINGS = 2",
            ),
            Mistake(
                why="counts only the query, not the two hops every request makes",
                hint="count the two every request makes",
                source="PREDICTED_CROSSINGS = 1",
            ),
        ]
    ),
    # hops: crossings a middleware adds under ASGI.
    "ex2-solution": Exercise(
        [
            Mistake(
                why="answers yes or no instead of how many",
                hint="return a number of crossings",
                source="""
def hops(path: str) -> int:
    middleware = import_string(path)
    return not getattr(middleware, "async_capable", False)
""",
            ),
            Mistake(
                why="two for every MiddlewareMixin class, forgetting process_view",
                hint="it also defines process_view",
                source="""
def hops(path: str) -> int:
    middleware = import_string(path)
    if issubclass(middleware, MiddlewareMixin):
        hooks = ("process_request", "process_response")
        return sum(hasattr(middleware, hook) for hook in hooks)
    return 0 if getattr(middleware, "async_capable", False) else 2
""",
            ),
            Mistake(
                why="reads sync_capable alone, so the hybrid middleware looks sync",
                hint="it is async-capable",
                source="""
def hops(path: str) -> int:
    middleware = import_string(path)
    if issubclass(middleware, MiddlewareMixin):
        hooks = ("process_request", "process_view", "process_response")
        return sum(hasattr(middleware, hook) for hook in hooks)
    return 2 if getattr(middleware, "sync_capable", True) else 0
""",
            ),
        ]
    ),
}

CATALOG["10-streaming-hang-ups-and-deadlines"] = {
    # rating_within: a deadline that stops the call.
    "n10-ex1-solution": Exercise(
        [
            Mistake(
                why="asyncio.wait with a timeout stops waiting but leaves the call running",
                hint="the call is still running",
                source="""
async def rating_within(book_id: int, seconds: float) -> float | None:
    call = asyncio.ensure_future(book_data.fetch("rating", book_id))
    done, _ = await asyncio.wait({call}, timeout=seconds)
    return call.result()["rating"] if done else None
""",
            ),
            Mistake(
                why="no deadline at all: waits as long as the service takes",
                hint="the answer took",
                source="""
async def rating_within(book_id: int, seconds: float) -> float | None:
    return (await book_data.fetch("rating", book_id))["rating"]
""",
            ),
            Mistake(
                why="sets the deadline but lets its TimeoutError escape",
                hint="catch the TimeoutError",
                source="""
async def rating_within(book_id: int, seconds: float) -> float | None:
    async with asyncio.timeout(seconds):
        return (await book_data.fetch("rating", book_id))["rating"]
""",
            ),
            Mistake(
                why="catches CancelledError, so a hang-up from outside also becomes None",
                hint="let a CancelledError through",
                source="""
async def rating_within(book_id: int, seconds: float) -> float | None:
    async with asyncio.timeout(seconds):
        try:
            answer = await book_data.fetch("rating", book_id)
        except asyncio.CancelledError:
            return None
    return answer["rating"]
""",
            ),
        ]
    ),
    # countdown: a response that streams.
    "n10-ex2-solution": Exercise(
        [
            Mistake(
                why="a sync generator, which Django reads whole under ASGI",
                hint="Django read your generator whole",
                source="""
async def countdown(request, n: int = 3) -> StreamingHttpResponse:
    def lines():
        for number in range(n, 0, -1):
            time.sleep(0.1)
            yield f"{number}\\n"

    return StreamingHttpResponse(lines(), content_type="text/plain")
""",
            ),
            Mistake(
                why="builds the whole body, then answers it at once",
                hint="all lines arrived together",
                source="""
from django.http import HttpResponse


async def countdown(request, n: int = 3) -> HttpResponse:
    text = ""
    for number in range(n, 0, -1):
        await asyncio.sleep(0.1)
        text += f"{number}\\n"
    return HttpResponse(text, content_type="text/plain")
""",
            ),
            Mistake(
                why="an async generator that still blocks the loop with time.sleep",
                hint="something blocks the server's event loop",
                source="""
async def countdown(request, n: int = 3) -> StreamingHttpResponse:
    async def lines():
        for number in range(n, 0, -1):
            time.sleep(0.1)
            yield f"{number}\\n"

    return StreamingHttpResponse(lines(), content_type="text/plain")
""",
            ),
            Mistake(
                why="counts down from 3 whatever n is",
                hint="it should count down from 4",
                source="""
async def countdown(request, n: int = 3) -> StreamingHttpResponse:
    async def lines():
        for number in (3, 2, 1):
            await asyncio.sleep(0.1)
            yield f"{number}\\n"

    return StreamingHttpResponse(lines(), content_type="text/plain")
""",
            ),
            Mistake(
                why="counts up instead of down",
                hint="the lines should be 3, 2, 1",
                source="""
async def countdown(request, n: int = 3) -> StreamingHttpResponse:
    async def lines():
        for number in range(1, n + 1):
            await asyncio.sleep(0.1)
            yield f"{number}\\n"

    return StreamingHttpResponse(lines(), content_type="text/plain")
""",
            ),
        ]
    ),
}

CATALOG["11-postgresql-connections-and-pools"] = {
    # bounded: a cap on the connections of a server process.
    "n11-ex1-solution": Exercise(
        [
            Mistake(
                why="caps the connections to the book-data service (httpx's), not the database's",
                hint="bound them with Django's pool",
                source="""
def bounded(max_connections: int) -> dict[str, str]:
    return {"TUTORIAL_UPSTREAM_MAX_CONNECTIONS": str(max_connections)}
""",
            ),
            Mistake(
                why="persistent connections whatever the bound: none is reused under ASGI",
                hint="must use its max_connections argument",
                source="""
def bounded(max_connections: int) -> dict[str, str]:
    return {"TUTORIAL_CONN_MAX_AGE": "60"}
""",
            ),
            Mistake(
                why="a pool with persistent connections, which Django refuses",
                hint="a pool requires CONN_MAX_AGE = 0",
                source="""
def bounded(max_connections: int) -> dict[str, str]:
    return {"TUTORIAL_PG_POOL_MAX": str(max_connections), "TUTORIAL_CONN_MAX_AGE": "60"}
""",
            ),
            Mistake(
                why="one connection too many",
                hint="more than 3",
                source="""
def bounded(max_connections: int) -> dict[str, str]:
    return {"TUTORIAL_PG_POOL_MAX": str(max_connections + 1)}
""",
            ),
        ]
    ),
    # report: a long-lived thread's query that survives a killed connection.
    "n11-ex2-solution": Exercise(
        [
            Mistake(
                why="queries on whatever connection the thread kept, dead or alive",
                hint="clear it out first",
                source="""
def report() -> int:
    return Book.objects.count()
""",
            ),
            Mistake(
                why="closes the connection every time, so every call opens a new one",
                hint="keep one",
                source="""
def report() -> int:
    connections["default"].close()
    return Book.objects.count()
""",
            ),
        ]
    ),
}

CATALOG["12-the-rest-of-async-django"] = {
    # TokenAuth: an async auth class that says no.
    "n12-ex1-solution": Exercise(
        [
            Mistake(
                why="the sync ORM inside async def authenticate",
                hint="use the async ORM",
                source="""
class TokenAuth(APIKeyHeader):
    param_name = "X-User"

    async def authenticate(self, request, key):
        return User.objects.filter(username=key).first()
""",
            ),
            Mistake(
                why="aget raises DoesNotExist for a stranger instead of answering None",
                hint="return None for a name nobody has",
                source="""
class TokenAuth(APIKeyHeader):
    param_name = "X-User"

    async def authenticate(self, request, key):
        if not key:
            return None
        return await User.objects.aget(username=key)
""",
            ),
            Mistake(
                why="answers True instead of the user, so request.auth is no user",
                hint="should pass as bob",
                source="""
class TokenAuth(APIKeyHeader):
    param_name = "X-User"

    async def authenticate(self, request, key):
        return await User.objects.filter(username=key).aexists() or None
""",
            ),
            Mistake(
                why="a sync authenticate: Ninja runs it in a thread, no async ORM needed",
                hint="make authenticate an async def",
                source="""
class TokenAuth(APIKeyHeader):
    param_name = "X-User"

    def authenticate(self, request, key):
        return User.objects.filter(username=key).first()
""",
            ),
        ]
    ),
    # titles_on_page: a page in one hop.
    "n12-ex2-solution": Exercise(
        [
            Mistake(
                why="the page object crosses back to the loop, its rows still unread",
                hint="evaluate the page inside the function",
                source="""
async def titles_on_page(number: int) -> list[str]:
    paginator = Paginator(Book.objects.order_by("id"), 3)
    page = await sync_to_async(paginator.page)(number)
    return [book.title for book in page]
""",
            ),
            Mistake(
                why="a count and then the rows: two trips",
                hint="put the whole page in one sync function",
                source="""
async def titles_on_page(number: int) -> list[str]:
    if number > -(-await Book.objects.acount() // 3):
        return []
    books = Book.objects.order_by("id")[3 * (number - 1) : 3 * number]
    return [book.title async for book in books]
""",
            ),
            Mistake(
                why="counts pages from 0",
                hint="page 2 should be",
                source="""
@sync_to_async
def titles_on_page(number: int) -> list[str]:
    return [b.title for b in Book.objects.order_by("id")[3 * number : 3 * number + 3]]
""",
            ),
            Mistake(
                why="reads the whole table in one hop, then slices the list in Python",
                hint="read only the page's rows",
                source="""
async def titles_on_page(number: int) -> list[str]:
    books = await sync_to_async(list)(Book.objects.order_by("id"))
    return [book.title for book in books[3 * (number - 1) : 3 * number]]
""",
            ),
        ]
    ),
}
