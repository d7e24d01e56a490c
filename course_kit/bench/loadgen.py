"""A small, fast HTTP/1.1 load generator for the benchmark: keep-alive GETs over asyncio streams.

Why not httpx? A load generator must cost far less than the server it measures. One
`httpx.AsyncClient` spends roughly half a millisecond of CPU per request, so at 500 requests in
flight it becomes the bottleneck itself (the issue that asked for this benchmark measured 6.8 s
for 500 requests that a bare ASGI app answers in 0.2 s). This client does only what the benchmark
needs: one connection per virtual user, a fixed GET, the status line, and a body read by
Content-Length or chunks. The benchmark's baseline row proves, in every run, that it keeps up.
`--client httpx` in the benchmark drives the same load through many httpx clients instead.

A run is a closed loop measured in steady state: every virtual user sends its next request as soon
as the last one is answered, from the start; the counted window opens only once every user has
had an answer (connections open, first-request costs paid), lasts long enough to hold many
requests per user, and counts only the answers that complete inside it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    """What one load run measured inside its window (the warm-up before it is not counted)."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    # Seconds the counted window lasted, and the warm-up before it.
    window: float = 0.0
    warmup: float = 0.0
    # Requests each virtual user completed inside the window, and when its first and last did.
    per_user: list[int] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)
    # What the `meter` (for example the server's CPU seconds) advanced by inside the window.
    metered: float = 0.0

    @property
    def ok(self) -> int:
        """Requests answered with 200 inside the window."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Responses per second: each user's rate inside the window, summed over the users.

        A user's rate is (answers - 1) / (time from its first answer to its last), so the phase
        at which the window opened does not matter: in a closed loop all users answer in step,
        and a plain count / window would be off by up to one answer per user.
        """
        if not self.window:
            return 0.0
        total = 0.0
        for count, first, last in zip(self.per_user, self.first, self.last, strict=True):
            if count >= 2 and last > first:
                total += (count - 1) / (last - first)
            else:
                total += count / self.window
        return total

    def percentile(self, q: float) -> float:
        """The q-th percentile (0–100) of the latencies, in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
        return ordered[rank]

    def error(self, kind: str) -> None:
        """Count one failed request under `kind`."""
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs one after another."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """Send one GET and read the whole response; return its status code."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            await self._read_chunks()
        else:
            start = headers.find(b"content-length:")
            if start < 0:
                raise ValueError("response without Content-Length or chunks")
            length = int(headers[start + 15 : headers.index(b"\r\n", start)])
            await self.reader.readexactly(length)
        if b"connection: close" in headers:
            await self.close()
        return status

    async def _read_chunks(self) -> None:
        """Read a chunked body to its end."""
        assert self.reader is not None
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self.reader.readexactly(size + 2)
            if size == 0:
                return

    async def close(self) -> None:
        """Close the connection, if open."""
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None


# What a failed raw request can raise: a refused or reset connection, a malformed or cut-off
# response, or the per-request timeout.
RAW_FAILURES = (OSError, ValueError, asyncio.IncompleteReadError, asyncio.TimeoutError)


async def run_load(
    url: str,
    concurrency: int,
    duration: float,
    timeout: float = 10.0,
    client: str = "raw",
    warmup: float = 0.3,
    steady: float = 0.0,
    max_window: float = 60.0,
    meter: Callable[[], float] | None = None,
) -> Result:
    """Keep `concurrency` GETs of `url` in flight; count what completes inside the window.

    The window opens after at least `warmup` seconds, once every virtual user has had an answer
    (its connection open and warm); it lasts `duration` seconds, or `steady` times the median
    latency inside it if that is longer (at most `max_window`). `meter`, a cumulative reading
    such as a process's CPU seconds, is read when the window opens and when it closes.
    """
    window = Window(duration, warmup, steady, max_window, meter)
    if client == "httpx":
        return await _run_httpx(url, concurrency, window, timeout)
    host, port, path = split_url(url)
    connections = [Connection(host, port) for _ in range(concurrency)]

    def sender(connection: Connection) -> Callable[[], Awaitable[int]]:
        async def send() -> int:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
                # cancellation Ctrl-C sends (asyncio.run turns SIGINT into a cancel of the main
                # task), and the run would carry on as if nothing had been pressed.
                async with asyncio.timeout(timeout):
                    return await connection.get(path)
            except RAW_FAILURES:
                await connection.close()  # its state is unknown: the next request reconnects
                raise

        return send

    try:
        return await keep_in_flight([sender(c) for c in connections], window, RAW_FAILURES)
    finally:
        await asyncio.gather(*(c.close() for c in connections))


async def _run_httpx(url: str, concurrency: int, window: Window, timeout: float) -> Result:
    """The same closed loop through httpx, ten users per AsyncClient."""
    import httpx

    per_client = 10
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    clients = [
        httpx.AsyncClient(timeout=timeout, limits=limits)
        for _ in range(-(-concurrency // per_client))
    ]

    def sender(client: httpx.AsyncClient) -> Callable[[], Awaitable[int]]:
        async def send() -> int:
            return (await client.get(url)).status_code

        return send

    senders = [sender(clients[i // per_client]) for i in range(concurrency)]
    try:
        return await keep_in_flight(senders, window, (httpx.HTTPError,))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


@dataclass(frozen=True)
class Window:
    """How long to warm up, and how long the counted window lasts."""

    duration: float
    warmup: float = 0.3
    # The window lasts at least this many times the warm-up's median latency (0: off).
    steady: float = 0.0
    max_window: float = 60.0
    # Read when the window opens and closes; Result.metered is the difference.
    meter: Callable[[], float] | None = None
    # A warm-up in which some user never gets an answer is a failed run, not a slow one.
    max_warmup: float = 60.0

    def length(self, warm_latencies: list[float]) -> float:
        """The window's length, given the latencies seen while warming up."""
        if not self.steady or not warm_latencies:
            return self.duration
        return min(self.max_window, max(self.duration, self.steady * median(warm_latencies)))


async def keep_in_flight(
    senders: list[Callable[[], Awaitable[int]]],
    window: Window,
    failures: tuple[type[BaseException], ...],
) -> Result:
    """One virtual user per sender, each sending its next request when the last one is answered.

    Users run without pause from the start; only answers that complete inside the window count,
    and the requests still in flight when it closes are cancelled, not waited for.
    """
    run = _ClosedLoop(len(senders), failures)
    started = time.perf_counter()
    tasks = [asyncio.ensure_future(run.user(i, send)) for i, send in enumerate(senders)]
    try:
        settled = await run.warm_up(window)
        await run.count_window(window, settled, started)
    finally:
        run.closed = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return run.result


class _ClosedLoop:
    """The state the virtual users of one keep_in_flight run share, and its two phases."""

    def __init__(self, users: int, failures: tuple[type[BaseException], ...]) -> None:
        self.failures = failures
        self.result = Result(per_user=[0] * users, first=[0.0] * users, last=[0.0] * users)
        self.warm_latencies: list[float] = []
        self.answered = [False] * users
        self.everyone_answered = asyncio.Event()
        self.opens: float | None = None  # when the window opened (perf_counter), once it has
        self.closed = False  # set when the window closes: every user stops at its next turn

    async def user(self, index: int, send: Callable[[], Awaitable[int]]) -> None:
        """Send, wait for the answer, count it, send again, until the window closes."""
        # Not `while True` with cancellation alone: a cancellation that arrives just as a
        # request completes can be lost on Python 3.11, and such a user would send for ever.
        while not self.closed:
            sent = time.perf_counter()
            try:
                status = await send()
            except self.failures as exc:
                if self.opens is not None:
                    self.result.error(type(exc).__name__)
                continue
            done = time.perf_counter()
            if self.opens is None:
                self._warmed(index, done - sent)
            elif status == 200:
                self._counted(index, sent, done)
            else:
                self.result.error(f"HTTP {status}")

    def _warmed(self, index: int, latency: float) -> None:
        """An answer before the window: it warms the connection and sizes the window."""
        self.warm_latencies.append(latency)
        if not self.answered[index]:
            self.answered[index] = True
            if all(self.answered):
                self.everyone_answered.set()

    def _counted(self, index: int, sent: float, done: float) -> None:
        """An answer inside the window: it counts."""
        result = self.result
        result.latencies.append(done - sent)
        if not result.per_user[index]:
            result.first[index] = done
        result.per_user[index] += 1
        result.last[index] = done

    async def warm_up(self, window: Window) -> list[float]:
        """Wait until every user has had an answer; the latencies to size the window from."""
        await asyncio.sleep(window.warmup)
        try:
            async with asyncio.timeout(window.max_warmup):  # not wait_for: see send() above
                await self.everyone_answered.wait()
        except TimeoutError:
            raise RuntimeError(
                f"{self.answered.count(False)} of {len(self.answered)} users got no answer "
                f"while warming up ({window.max_warmup:g} s): the server is down or far slower "
                "than expected"
            ) from None
        if not (window.steady and self.warm_latencies):
            return self.warm_latencies
        # The first answers came before queues formed: let every user go round twice more, and
        # size the window from what that settled phase saw.
        first_wave = len(self.warm_latencies)
        await asyncio.sleep(2 * median(self.warm_latencies))
        return self.warm_latencies[first_wave:] or self.warm_latencies

    async def count_window(self, window: Window, settled: list[float], started: float) -> None:
        """Open the window, keep it open long enough, and close it."""
        result = self.result
        length = window.length(settled)
        reading = window.meter() if window.meter else 0.0
        self.opens = time.perf_counter()
        result.warmup = self.opens - started
        await asyncio.sleep(length)
        # Queues may still have been growing when the warm-up sized the window: stretch it until
        # it lasts `steady` times the median latency seen inside it (at most `max_window`).
        while window.steady and result.latencies:
            elapsed = time.perf_counter() - self.opens
            needed = min(window.max_window, window.steady * median(result.latencies))
            if needed <= elapsed:
                break
            await asyncio.sleep(needed - elapsed)
        result.window = time.perf_counter() - self.opens
        if window.meter:
            result.metered = window.meter() - reading


def median(values: list[float]) -> float:
    """The middle value (upper median) of a non-empty list."""
    return sorted(values)[len(values) // 2]


def split_url(url: str) -> tuple[str, int, str]:
    """("127.0.0.1", 8000, "/path?query") from "http://127.0.0.1:8000/path?query"."""
    if not url.startswith("http://"):
        raise ValueError(f"Only plain http:// URLs can be load-tested, not {url!r}.")
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80), "/" + path
