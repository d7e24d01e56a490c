"""ASGI entry point: `uvicorn tutorial_project.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

from tutorial_project.lifespan import lifespan

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")

django_application = get_asgi_application()


async def application(scope, receive, send) -> None:
    """Django's ASGI app, plus the lifespan protocol, which Django does not handle itself."""
    if scope["type"] == "lifespan":
        from tutorial_project.library.book_data import aclose_async_client

        # At shutdown, close the server loop's shared upstream clients, so that their pooled
        # connections are closed properly instead of being dropped mid-air.
        await lifespan(receive, send, on_shutdown=aclose_async_client)
    else:
        await django_application(scope, receive, send)
