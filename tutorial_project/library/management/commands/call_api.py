"""`python manage.py call_api PATH…`: request several API paths at once and report the answers."""

import asyncio
import time
from dataclasses import dataclass

import httpx
from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser


@dataclass(frozen=True)
class Answer:
    """One path's outcome: its status code and body, and how long it took."""

    path: str
    status: int
    body: str
    seconds: float


async def call_paths(base_url: str, paths: list[str], timeout: float) -> list[Answer]:
    """GET every path concurrently with one shared client; keep their order."""

    async def call(client: httpx.AsyncClient, path: str) -> Answer:
        started = time.perf_counter()
        response = await client.get(path)
        return Answer(path, response.status_code, response.text, time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
        return list(await asyncio.gather(*(call(client, path) for path in paths)))


class Command(BaseCommand):
    help = "GET several paths of a running copy of the API at once, and report each answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="paths such as /api/books/1")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")

    def handle(self, *args: object, **options: object) -> None:
        paths = list(options["paths"])
        base_url = str(options["base_url"])
        started = time.perf_counter()
        try:
            # handle() is sync code: async_to_sync runs the coroutine to completion on an event
            # loop and returns its result. Unlike asyncio.run, it sends thread-sensitive work in
            # the coroutine (the async ORM) back to this thread, with its connection. It refuses
            # to run in a thread whose loop is running.
            answers = async_to_sync(call_paths)(base_url, paths, float(options["timeout"]))
        except httpx.TransportError as error:
            raise CommandError(f"Could not reach {base_url} ({type(error).__name__}).") from None
        wall = time.perf_counter() - started
        for answer in answers:
            body = answer.body if len(answer.body) <= 60 else answer.body[:57] + "..."
            self.stdout.write(f"{answer.status} {answer.path}  {body}")
        total = sum(answer.seconds for answer in answers)
        self.stdout.write(
            f"{len(answers)} requests in {wall:.2f} s; their own times add up to {total:.2f} s."
        )
