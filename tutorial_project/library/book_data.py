"""The library's client for the book-data service (course_kit/book_data_service.py), async and sync.

Two rules shape this module:

* Shared clients, made once per process (per event loop, for the async ones) and used by every
  request. A client keeps a pool of open connections; a client per request would pay a new TCP
  connection (and on the real internet a TLS handshake) every time, and nothing would bound how
  many connections the process opens to the service.
* The service's failures become answers the library's callers can act on: a timeout is a 504,
  an error status or an unreachable service is a 502, and an unknown book stays a 404. Each comes
  with a one-line message, never a traceback.

Settings: UPSTREAM_URL, UPSTREAM_TIMEOUT (seconds), UPSTREAM_MAX_CONNECTIONS (in all, per
process) and UPSTREAM_CLIENTS (how many AsyncClients share them; see ClientSet).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import ssl
import threading
import weakref
from typing import Any

import certifi
import httpx
from django.conf import settings
from ninja.errors import HttpError

SERVICE = "book-data service"

# asyncio objects belong to the loop that made them, and so does an AsyncClient's pool: a test or
# a notebook may run several loops over a process's life, so each loop gets its own clients.
#
# Why several clients per loop, not one: httpcore 1.0's pool rescans its queue and connections on
# every request and hands one free connection to many waiting requests at once, so its cost grows
# with the square of the requests in flight (encode/httpx#3215, encode/httpcore#1035). Measured
# here against a service that waits 0.2 s: one client with 100 requests in flight managed about 46
# requests/s (p99 4.4 s); ten clients sharing the load, about 400 (p99 0.4 s). So the pool is split
# into UPSTREAM_CLIENTS clients, used in turn, with the connection limit divided between them.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ClientSet] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None
_sync_lock = threading.Lock()


class ClientSet:
    """A few AsyncClients of one event loop, handed out in turn; together one bounded pool."""

    def __init__(self, count: int, max_connections: int) -> None:
        per_client = max(1, -(-max_connections // count))  # rounded up
        self.clients = [httpx.AsyncClient(**client_options(per_client)) for _ in range(count)]
        self._turn = itertools.cycle(self.clients)

    def next(self) -> httpx.AsyncClient:
        """The client whose turn it is."""
        return next(self._turn)

    @property
    def is_closed(self) -> bool:
        return any(client.is_closed for client in self.clients)

    async def aclose(self) -> None:
        """Close every client."""
        await asyncio.gather(*(client.aclose() for client in self.clients))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client shares (httpx's defaults: certifi's CA bundle)."""
    return ssl.create_default_context(cafile=certifi.where())


def client_options(max_connections: int) -> dict[str, Any]:
    """Options for one client that may keep `max_connections` connections open."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    # One TLS context for all clients: building one loads the CA bundle, about 20 ms each time.
    return {"limits": limits, "verify": tls_context()}


def timeout() -> httpx.Timeout:
    """UPSTREAM_TIMEOUT, read at each call so that a change to the setting applies at once."""
    return httpx.Timeout(settings.UPSTREAM_TIMEOUT)


def async_client() -> httpx.AsyncClient:
    """A shared AsyncClient of the running event loop (the loop's clients are made on first use)."""
    loop = asyncio.get_running_loop()
    clients = _async_clients.get(loop)
    if clients is None or clients.is_closed:
        count, limit = settings.UPSTREAM_CLIENTS, settings.UPSTREAM_MAX_CONNECTIONS
        clients = _async_clients[loop] = ClientSet(count, limit)
    return clients.next()


def client_sets() -> list[ClientSet]:
    """The shared AsyncClient sets of the event loops that have one now (notebook 05 reads it)."""
    return list(_async_clients.values())


async def aclose_async_client() -> None:
    """Close the running loop's clients, if any (at server shutdown, or after a test)."""
    clients = _async_clients.pop(asyncio.get_running_loop(), None)
    if clients is not None:
        await clients.aclose()


def sync_client() -> httpx.Client:
    """The process's one httpx.Client, made on first use; it is safe to share between threads."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None or _sync_client.is_closed:
            _sync_client = httpx.Client(**client_options(settings.UPSTREAM_MAX_CONNECTIONS))
        return _sync_client


def close_sync_client() -> None:
    """Close the sync client, if one was made."""
    global _sync_client
    with _sync_lock:
        if _sync_client is not None:
            _sync_client.close()
            _sync_client = None


def url(resource: str, book_id: int) -> str:
    """The service's URL for one resource of one book."""
    return f"{settings.UPSTREAM_URL.rstrip('/')}/{resource}/{book_id}"


async def fetch(resource: str, book_id: int) -> dict[str, Any]:
    """GET one resource with the shared AsyncClient; failures become HttpErrors."""
    try:
        response = await async_client().get(url(resource, book_id), timeout=timeout())
    except httpx.HTTPError as exc:
        raise unavailable(exc) from None
    return body_or_error(response, resource, book_id)


def fetch_sync(resource: str, book_id: int) -> dict[str, Any]:
    """GET one resource with the shared sync Client; failures become HttpErrors."""
    try:
        response = sync_client().get(url(resource, book_id), timeout=timeout())
    except httpx.HTTPError as exc:
        raise unavailable(exc) from None
    return body_or_error(response, resource, book_id)


def unavailable(exc: httpx.HTTPError) -> HttpError:
    """A 504 when the service was too slow, a 502 when it could not be reached."""
    if isinstance(exc, httpx.TimeoutException):
        seconds = settings.UPSTREAM_TIMEOUT
        return HttpError(504, f"The {SERVICE} did not answer within {seconds:g} s.")
    return HttpError(502, f"Could not reach the {SERVICE} ({type(exc).__name__}).")


def body_or_error(response: httpx.Response, resource: str, book_id: int) -> dict[str, Any]:
    """The JSON body of a 200; a 404 for an unknown book; a 502 for anything else."""
    if response.status_code == 200:
        return response.json()
    if response.status_code == 404:
        raise HttpError(404, f"No {resource} for book {book_id}.")
    raise HttpError(502, f"The {SERVICE} answered {response.status_code} for {resource}.")
