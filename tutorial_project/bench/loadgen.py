"""A small, fast HTTP/1.1 load generator for the benchmark: keep-alive GETs over asyncio streams.

Why not httpx? A load generator must cost far less than the server it measures. One
`httpx.AsyncClient` spends roughly half a millisecond of CPU per request, so at 500 requests in
flight it becomes the bottleneck itself (the issue that asked for this benchmark measured 6.8 s
for 500 requests that a bare ASGI app answers in 0.2 s). This client does only what the benchmark
needs: one connection per virtual user, a fixed GET, the status line, and a body read by
Content-Length or chunks. The benchmark's baseline row proves, in every run, that it keeps up.
`--client httpx` in the benchmark drives the same load through many httpx clients instead.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    """What one load run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        """Requests answered with 200."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return self.ok / self.elapsed if self.elapsed else 0.0

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
    url: str, concurrency: int, duration: float, timeout: float = 10.0, client: str = "raw"
) -> Result:
    """Keep `concurrency` GETs of `url` in flight for `duration` seconds (closed loop)."""
    if client == "httpx":
        return await _run_httpx(url, concurrency, duration, timeout)
    host, port, path = split_url(url)
    connections = [Connection(host, port) for _ in range(concurrency)]

    def sender(connection: Connection) -> Callable[[], Awaitable[int]]:
        async def send() -> int:
            try:
                return await asyncio.wait_for(connection.get(path), timeout)
            except RAW_FAILURES:
                await connection.close()  # its state is unknown: the next request reconnects
                raise

        return send

    try:
        return await keep_in_flight([sender(c) for c in connections], duration, RAW_FAILURES)
    finally:
        await asyncio.gather(*(c.close() for c in connections))


async def _run_httpx(url: str, concurrency: int, duration: float, timeout: float) -> Result:
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
        return await keep_in_flight(senders, duration, (httpx.HTTPError,))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def keep_in_flight(
    senders: list[Callable[[], Awaitable[int]]],
    duration: float,
    failures: tuple[type[BaseException], ...],
) -> Result:
    """One virtual user per sender, each sending its next request when the last one is answered."""
    result = Result()
    started = time.perf_counter()
    deadline = started + duration

    async def user(send: Callable[[], Awaitable[int]]) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                status = await send()
            except failures as exc:
                result.error(type(exc).__name__)
                continue
            if status == 200:
                result.latencies.append(time.perf_counter() - sent)
            else:
                result.error(f"HTTP {status}")

    try:
        await asyncio.gather(*(user(send) for send in senders))
    finally:
        result.elapsed = time.perf_counter() - started
    return result


def split_url(url: str) -> tuple[str, int, str]:
    """("127.0.0.1", 8000, "/path?query") from "http://127.0.0.1:8000/path?query"."""
    if not url.startswith("http://"):
        raise ValueError(f"Only plain http:// URLs can be load-tested, not {url!r}.")
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80), "/" + path
