"""A Django ASGI handler that lends each request a pooled thread instead of starting new ones.

Django's `ASGIHandler` wraps every request in asgiref's `ThreadSensitiveContext()`. The context's
first thread-sensitive call starts a one-thread executor for it, so the request's sync parts (the
request signals' receivers, `MiddlewareMixin` hooks, a sync view, `response.close()`) all run on
one thread; when the request ends, the executor is shut down from a second, short-lived thread.
That is two threads started per request, async views included (notebooks 01 and 09 count them).

asgiref 3.13 lets the caller own that executor: with `ThreadSensitiveContext(executor=...)`, "it
is not shut down on exit, so the executor can be used again". `PooledASGIHandler` keeps one-thread
executors between requests and lends one to each request for as long as it runs:

* each request's sync parts still run on one thread, its own while it runs;
* no thread is started per request once the pool holds as many executors as requests in flight;
* threads serve request after request, as under WSGI, so thread-local state carries over, and a
  database connection kept open by `CONN_MAX_AGE > 0` is reused by a later request (and closed at
  the end of each request with `CONN_MAX_AGE = 0`, as before);
* a task a view starts and leaves running must not make thread-sensitive calls after its request
  ended: asgiref raises RuntimeError for them, since its thread now belongs to another request.

Opt in with `TUTORIAL_HANDLER=pooled` (settings.py; asgi.py then serves this handler).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from concurrent.futures import ThreadPoolExecutor

import asgiref
from asgiref.sync import ThreadSensitiveContext
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.db import connections

# Idle executors kept for later requests; beyond this, a returning executor is shut down. Each
# idle executor keeps its one thread alive, so this bounds the threads a burst leaves behind.
MAX_IDLE = 256
# Numbers the executors, so their threads have names of their own (django-request-3_0, ...).
_executors = itertools.count(1)


def supports_lent_executors() -> bool:
    """Whether the installed asgiref has ThreadSensitiveContext(executor=...) (3.13+)."""
    return "executor" in inspect.signature(ThreadSensitiveContext).parameters


class PooledASGIHandler(ASGIHandler):
    """Django's ASGIHandler, with each request's thread-sensitive executor lent from a pool."""

    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        if not supports_lent_executors():
            raise ImproperlyConfigured(
                "TUTORIAL_HANDLER=pooled needs asgiref 3.13 or newer "
                "(ThreadSensitiveContext(executor=...)); this environment has asgiref "
                f"{asgiref.__version__}. Use Python 3.11+ with the course's lock, or leave "
                "TUTORIAL_HANDLER unset."
            )
        super().__init__()
        self.max_idle = max_idle
        # Touched only by the event loop's thread (in __call__), so it needs no lock.
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send) -> None:
        """Serve one HTTP request with an executor from the pool, as ASGIHandler.__call__ does."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else self._new_executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # The context has exited, so every thread-sensitive call of this request is done and
            # the executor is free for the next request.
            if len(self._idle) < self.max_idle:
                self._idle.append(executor)
            else:
                # wait=False: do not block the loop; the worker thread exits on its own.
                executor.shutdown(wait=False)

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        # One worker: a request's sync parts must all run on one thread (thread affinity).
        return ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"django-request-{next(_executors)}"
        )

    async def close_connections(self) -> None:
        """Close the database connections the idle pooled threads keep open (CONN_MAX_AGE > 0).

        A connection belongs to the thread that opened it, so each is closed on its own thread.
        Changing CONN_MAX_AGE does not do it: a connection's expiry is fixed when it opens.
        """
        for executor in list(self._idle):
            await asyncio.wrap_future(executor.submit(connections.close_all))

    @property
    def idle_executors(self) -> int:
        """How many executors wait in the pool for the next request."""
        return len(self._idle)
