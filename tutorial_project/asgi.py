"""ASGI entry point: `uvicorn tutorial_project.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")

django_application = get_asgi_application()


async def application(scope, receive, send) -> None:
    """Django's ASGI app, plus the lifespan protocol, which Django does not handle itself."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    else:
        await django_application(scope, receive, send)


async def lifespan(receive, send) -> None:
    """At shutdown, close the shared upstream client of the server's event loop."""
    from tutorial_project.library.book_data import aclose_async_client

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # Closing lets the pooled connections say goodbye instead of being dropped mid-air.
            await aclose_async_client()
            await send({"type": "lifespan.shutdown.complete"})
            return
