"""The waiting view of /api/async-hello in plain Django, without Ninja: the benchmark's `plain` row.

Same work (parse `delay`, refuse it outside 0–5 with a 422, wait, answer JSON), so that the
benchmark can tell what Ninja itself costs from what Django's request handling costs.
"""

import asyncio

from django.http import HttpRequest, JsonResponse


async def async_hello(request: HttpRequest) -> JsonResponse:
    """Wait `delay` seconds (0 to 5, default 1) without blocking, then answer."""
    try:
        delay = float(request.GET.get("delay", "1.0"))
    except ValueError:
        return JsonResponse({"detail": "delay must be a number"}, status=422)
    if not 0 <= delay <= 5:
        return JsonResponse({"detail": "delay must be between 0 and 5"}, status=422)
    await asyncio.sleep(delay)
    return JsonResponse({"message": "Hello from plain Django!"})
