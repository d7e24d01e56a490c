"""Middleware for experiments, not for a project: one that only supports sync (notebooks 08, 10)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SyncOnlyMiddleware:
    """An experiment for notebook 08, not for a project: a middleware that only supports sync.

    Put in an async stack, it makes Django adapt the handler below it to sync and the one above it
    back to async ("Asynchronous handler adapted for middleware ..." in the django.request log),
    so every request crosses between the event loop and a thread twice more.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
