"""Middleware for the API-only stack (TUTORIAL_MIDDLEWARE=api; notebook 09 measures why).

Django's built-in middleware classes are written for both worlds with MiddlewareMixin: under ASGI
each of their hooks (process_request, process_view, process_response) runs through sync_to_async,
a thread hop per hook per request. The project's full stack has seven of them, thirteen hops per
request. This one does the part of SecurityMiddleware that matters to a JSON API served over
plain HTTP behind a proxy, in the pattern Django's docs give for middleware that supports both
(*Asynchronous support* → *Async middleware*): sync_capable and async_capable, and when the
handler below it is async, itself a coroutine function, so Django calls it on the event loop with
no hop; under WSGI it runs as plain sync code.
"""

import asyncio
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


class SecurityHeadersMiddleware:
    """Add SecurityMiddleware's header defaults, on the event loop under ASGI."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        # Django checks whether the middleware is a coroutine function to know how to call it:
        # mark this instance as one when the handler below is async.
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self.add_headers(self.get_response(request))  # type: ignore[arg-type]

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return self.add_headers(await self.get_response(request))  # type: ignore[misc]

    @staticmethod
    def add_headers(response: HttpResponse) -> HttpResponse:
        """The same defaults as SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY and
        SECURE_CROSS_ORIGIN_OPENER_POLICY; HSTS and the HTTPS redirect belong to the proxy that
        terminates TLS."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class DeadlineMiddleware:
    """Answer 504 when an API request takes longer than settings.API_DEADLINE seconds.

    Async only (under WSGI Django would adapt it, and a thread cannot be interrupted anyway). The
    deadline cancels what the request awaits: async views and the calls they make stop at their
    next await. A sync view below it keeps running in its thread after the 504, and a streaming
    response's body is sent after this middleware has returned, so neither is bounded by it.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        self.deadline: float = settings.API_DEADLINE
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return await self.get_response(request)
        try:
            async with asyncio.timeout(self.deadline):
                return await self.get_response(request)
        except TimeoutError:
            detail = f"The request took longer than the API's {self.deadline:g} s deadline."
            return JsonResponse({"detail": detail}, status=504)
