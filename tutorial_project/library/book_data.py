"""The library's client for the book-data service (tutorial_project/upstream.py), async and sync.

Two rules shape this module:

* One client per process (per event loop, for the async one), shared by every request. A client
  keeps a pool of open connections; a client per request would pay a new TCP connection (and on
  the real internet a TLS handshake) every time, and nothing would bound how many connections
  the process opens to the service.
* The service's failures become answers the library's callers can act on: a timeout is a 504,
  an error status or an unreachable service is a 502, and an unknown book stays a 404. Each comes
  with a one-line message, never a traceback.

Settings: UPSTREAM_URL, UPSTREAM_TIMEOUT (seconds) and UPSTREAM_MAX_CONNECTIONS.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any

import httpx
from django.conf import settings
from ninja.errors import HttpError

SERVICE = "book-data service"

# asyncio objects belong to the loop that made them, and so does an AsyncClient's pool: a test or
# a notebook may run several loops over a process's life, so each loop gets its own client.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None
_sync_lock = threading.Lock()


def client_options() -> dict[str, Any]:
    """The connection limits, read from settings when a client is made."""
    limit = settings.UPSTREAM_MAX_CONNECTIONS
    return {"limits": httpx.Limits(max_connections=limit, max_keepalive_connections=limit)}


def timeout() -> httpx.Timeout:
    """UPSTREAM_TIMEOUT, read at each call so that a change to the setting applies at once."""
    return httpx.Timeout(settings.UPSTREAM_TIMEOUT)


def async_client() -> httpx.AsyncClient:
    """The AsyncClient of the running event loop, made on first use."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None or client.is_closed:
        client = _async_clients[loop] = httpx.AsyncClient(**client_options())
    return client


async def aclose_async_client() -> None:
    """Close the running loop's client, if it has one (at server shutdown, or after a test)."""
    client = _async_clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def sync_client() -> httpx.Client:
    """The process's one httpx.Client, made on first use; it is safe to share between threads."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None or _sync_client.is_closed:
            _sync_client = httpx.Client(**client_options())
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
