"""Serve the project on 127.0.0.1, on a free port, for as long as a `with` block runs.

`serve()` runs an ASGI app under uvicorn; `serve_wsgi()` runs a WSGI app on a small threaded server
with a fixed number of threads (as gunicorn's gthread worker or waitress would), so notebook 01 can
send the same requests through both of Django's handlers. `asgi_app_for()` is not a server: it
builds an ASGI app that serves one Ninja router through Django's real ASGI handler, for exercises.

Each server runs in a background thread (uvicorn with an event loop of its own), so it works the
same from a notebook (whose thread already runs the kernel's loop) and from a test. The `with`
block waits until the server accepts connections, and on the way out stops it: gracefully first,
then by force.
"""

from __future__ import annotations

import itertools
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import uvicorn

from course_kit.processes import free_socket

DEFAULT_APP = "tutorial_project.asgi:application"


@dataclass(frozen=True)
class RunningServer:
    """Where a server started by serve() listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """The base URL, e.g. for httpx.AsyncClient(base_url=...)."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(
    app: Any = DEFAULT_APP,
    *,
    host: str = "127.0.0.1",
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 5.0,
    **uvicorn_options: Any,
) -> Iterator[RunningServer]:
    """Run `app` (an ASGI callable or an import string) under uvicorn until the block ends."""
    sock = free_socket(host)
    options: dict[str, Any] = {
        "log_level": "warning",
        # The project's asgi.py speaks lifespan (to close its shared client at shutdown); for an
        # app that does not, "auto" carries on without it.
        "lifespan": "auto",
        # Without a bound, shutdown would wait forever for a request that never finishes.
        "timeout_graceful_shutdown": shutdown_timeout,
    }
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread, startup_timeout)
        yield RunningServer(host=host, port=sock.getsockname()[1])
    finally:
        _stop(server, thread, shutdown_timeout)
        sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Block until uvicorn accepts connections; raise if it dies or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up; its log above says why.")
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not start within {timeout:g} s.")
        time.sleep(0.01)


def _stop(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Ask uvicorn to exit; if requests still hold it after `timeout`, force it."""
    server.should_exit = True
    thread.join(timeout + 1)
    if thread.is_alive():
        server.force_exit = True
        thread.join(timeout)
    if thread.is_alive():
        raise RuntimeError(f"uvicorn did not stop within {2 * timeout + 1:g} s.")


class _QuietHandler(WSGIRequestHandler):
    """wsgiref's request handler without its line on stderr for every request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _PooledWSGIServer(WSGIServer):
    """wsgiref's server, with each connection handled by one of a fixed pool of threads."""

    # Connections waiting for a thread wait in the kernel's accept queue; room for a burst.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], threads: int) -> None:
        super().__init__(address, _QuietHandler)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to the pool; a request beyond `threads` waits for a free one."""
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # socketserver's own policy: report and go on
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def serve_wsgi(
    app: Callable[..., Any] | None = None, *, threads: int = 4, host: str = "127.0.0.1"
) -> Iterator[RunningServer]:
    """Run a WSGI app (default: the project's) on `threads` threads until the block ends."""
    if app is None:
        from tutorial_project.wsgi import application as app
    server = _PooledWSGIServer((host, 0), threads)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, name="wsgi-server", daemon=True)
    thread.start()
    try:
        yield RunningServer(host=host, port=server.server_address[1])
    finally:
        # shutdown() waits for serve_forever to return; server_close() waits for the pool.
        server.shutdown()
        server.server_close()
        thread.join(5)


_apps = itertools.count()


def asgi_app_for(router: Any, handler_class: type | None = None) -> Any:
    """An ASGI app serving `router` at / through Django's ASGIHandler, middleware and all.

    Ninja's test client calls an operation directly, so it never sees what Django's ASGI handler
    does per request (its thread-sensitive context, the middleware). This app does: requests go
    through a fresh handler (`ASGIHandler`, or `handler_class`, a subclass of it) whose requests
    resolve URLs against `router` alone.
    """
    from django.core.handlers.asgi import ASGIHandler
    from django.urls import path
    from ninja import NinjaAPI

    number = next(_apps)
    # A namespace of its own, so a cell that builds another app next time does not collide.
    api = NinjaAPI(urls_namespace=f"router-app-{number}", docs_url=None)
    api.add_router("", router)
    urlconf = types.ModuleType(f"router_app_{number}_urls")
    urlconf.urlpatterns = [path("", api.urls)]  # type: ignore[attr-defined]

    class RouterHandler(handler_class or ASGIHandler):  # type: ignore[misc, valid-type]
        def create_request(self, scope: Any, body_file: Any) -> Any:
            request, error_response = super().create_request(scope, body_file)
            if request is not None:
                # Django resolves a request's URL against request.urlconf when it is set.
                request.urlconf = urlconf
            return request, error_response

    return RouterHandler()
