"""The ASGI lifespan protocol, for the apps of this project: start-up and shutdown messages.

uvicorn (with lifespan "auto" or "on") sends "lifespan.startup" before the first request and
"lifespan.shutdown" when it stops. Django does not handle either, so tutorial_project/asgi.py
routes them here, with a hook that closes the shared upstream clients.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def lifespan(
    receive: Receive, send: Send, on_shutdown: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Answer start-up at once; at shutdown, await `on_shutdown` (if any) before answering."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if on_shutdown is not None:
                await on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
