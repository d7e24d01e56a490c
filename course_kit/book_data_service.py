"""A pretend external service, "book data", that the library API calls over real HTTP.

It is a bare ASGI application (no framework), so it costs almost nothing per request and never is
the slow part of an experiment: what a notebook measures is the Django side. Three resources,
each answering JSON for any book id from 1 to 1000 (404 otherwise):

    GET /rating/{id}   {"book_id": 1, "rating": 4.2}
    GET /price/{id}    {"book_id": 1, "price": 21.5}
    GET /stock/{id}    {"book_id": 1, "in_stock": 3}

Knobs, set on the instance (`service.delay = 0.2`, or per resource with `configure`), make it slow
or broken on purpose: a delay before answering, and the status code to answer with. It also counts
requests and the most it ever had in progress at once, which is how a notebook sees a client's
connection limit from the other side. With `record=True` it also keeps every call (resource,
client port, start and end on the perf_counter clock, and when the client hung up if it did so
before the answer), so a notebook can draw the calls on a timeline, count the TCP connections they
came over, and see a cancelled call arrive at this end. A call its client gave up on still runs
to the end, as work on a real server would.

Run one on its own with `python -m course_kit.book_data_service --delay 0.2`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

# The service stands for the outside world, so it depends on nothing of the project it serves.
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

RESOURCES = ("rating", "price", "stock")
KNOWN_BOOKS = range(1, 1001)


@dataclass
class Behaviour:
    """How one resource answers: after `delay` seconds, with HTTP `status`."""

    delay: float = 0.0
    status: int = 200


@dataclass(frozen=True)
class Call:
    """One request the service answered (kept only when `record` is on)."""

    resource: str
    client_port: int
    start: float
    end: float
    # When the client closed the connection before the answer was sent (perf_counter), if it did.
    hung_up: float | None = None


@dataclass
class BookDataService:
    """The ASGI app. Knobs apply to every resource unless `configure` set one on its own."""

    delay: float = 0.0
    status: int = 200
    overrides: dict[str, Behaviour] = field(default_factory=dict)
    record: bool = False
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    calls: list[Call] = field(default_factory=list)
    # Bumped by reset(): a call that arrived before it belongs to an earlier experiment.
    _generation: int = field(default=0, repr=False)

    def configure(self, resource: str, *, delay: float = 0.0, status: int = 200) -> None:
        """Give one resource its own delay and status."""
        if resource not in RESOURCES:
            raise ValueError(f"Unknown resource {resource!r}; choose from {', '.join(RESOURCES)}.")
        self.overrides[resource] = Behaviour(delay, status)

    def reset(self, *, delay: float = 0.0, status: int = 200, record: bool = False) -> None:
        """Forget per-resource settings, counters and calls; every resource answers alike again."""
        self.delay, self.status, self.record = delay, status, record
        self.overrides.clear()
        # in_flight is a live gauge (calls may still be running), so it carries over.
        self.requests, self.peak_in_flight = 0, self.in_flight
        self.calls.clear()
        self._generation += 1

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until no call is in progress (calls a client gave up on still run to the end)."""
        # The service runs on its server's loop, in another thread, so there is no event to
        # await from the caller's loop: poll the gauge, which that thread updates.
        deadline = time.monotonic() + timeout
        while self.in_flight:  # noqa: ASYNC110 - the gauge belongs to another thread's loop
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.in_flight} call(s) still in progress after {timeout:g} s"
                )
            await asyncio.sleep(0.02)

    @property
    def connections(self) -> int:
        """How many TCP connections the recorded calls came over (one client port each)."""
        return len({call.client_port for call in self.calls})

    def behaviour(self, resource: str) -> Behaviour:
        """The delay and status that `resource` answers with now."""
        return self.overrides.get(resource, Behaviour(self.delay, self.status))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        # Decided on arrival: a slow call that started before `record` was switched on (or
        # before a reset) must not show up in a later experiment's record.
        record, start, generation = self.record, time.perf_counter(), self._generation
        resource, _, raw_id = scope["path"].strip("/").partition("/")
        # Only while recording: a task per call would cost the benchmark's baseline row.
        hung_up: list[float] = []
        watcher = asyncio.ensure_future(_watch_for_hang_up(receive, hung_up)) if record else None
        try:
            status, body = await self._answer(scope["method"], resource, raw_id)
        finally:
            self.in_flight -= 1
            if watcher is not None:
                watcher.cancel()
        if record and generation == self._generation:
            port = (scope.get("client") or ("", 0))[1]
            end = time.perf_counter()
            self.calls.append(Call(resource, port, start, end, hung_up[0] if hung_up else None))
        await _send_json(send, status, body)

    async def _answer(self, method: str, resource: str, raw_id: str) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for GET /{resource}/{raw_id}, after the resource's delay."""
        if method != "GET" or resource not in RESOURCES or not raw_id.isdigit():
            return 404, {"detail": f"No such resource: {method} /{resource}/{raw_id}"}
        behaviour = self.behaviour(resource)
        await asyncio.sleep(behaviour.delay)
        book_id = int(raw_id)
        if behaviour.status != 200:
            return behaviour.status, {"detail": f"The {resource} service is failing on purpose."}
        if book_id not in KNOWN_BOOKS:
            return 404, {"detail": f"No {resource} for book {book_id}."}
        return 200, {"book_id": book_id, **_data(resource, book_id)}


async def _lifespan(receive: Receive, send: Send) -> None:
    """Answer the ASGI lifespan messages: nothing to open at start-up, nothing to close after."""
    while True:
        message = await receive()
        await send({"type": f"{message['type']}.complete"})
        if message["type"] == "lifespan.shutdown":
            return


async def _watch_for_hang_up(receive: Receive, seen: list[float]) -> None:
    """Note in `seen` when the client closes the connection (the server says http.disconnect)."""
    while (await receive())["type"] != "http.disconnect":
        pass  # the request's body; a GET has an empty one
    seen.append(time.perf_counter())


def _data(resource: str, book_id: int) -> dict[str, Any]:
    """Made-up but stable data, so that answers can be checked."""
    if resource == "rating":
        return {"rating": round(3 + (book_id * 7 % 20) / 10, 1)}
    if resource == "price":
        return {"price": round(10 + book_id * 2.5, 2)}
    return {"in_stock": book_id % 5}


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    """Send one complete JSON response."""
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def main(argv: list[str] | None = None) -> None:
    """Serve a BookDataService on 127.0.0.1 until Ctrl-C."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--port", type=_within(0, 65535, int), default=8001, help="port on 127.0.0.1 (default 8001)"
    )
    parser.add_argument("--fd", type=int, help="serve on this inherited, bound socket instead")
    parser.add_argument(
        "--delay", type=_within(0, None, float), default=0.0, help="seconds before each answer"
    )
    parser.add_argument(
        "--status", type=_within(100, 599, int), default=200, help="HTTP status to answer with"
    )
    args = parser.parse_args(argv)
    service = BookDataService(delay=args.delay, status=args.status)
    where = {"fd": args.fd} if args.fd is not None else {"host": "127.0.0.1", "port": args.port}
    uvicorn.run(service, log_level="warning", access_log=False, **where)


def _within(low: float, high: float | None, kind: type) -> Any:
    """An argparse type: a `kind` (int or float) between `low` and `high` (None: no bound)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {bound}, not {text}")
        return value

    return parse


if __name__ == "__main__":
    main()
