"""ASGI entry point: `uvicorn tutorial_project.asgi:application`."""

import os

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.handlers.asgi import ASGIHandler

from tutorial_project.lifespan import lifespan

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")

# What django.core.asgi.get_asgi_application() does, with a choice of handler: Django's own, or
# (TUTORIAL_HANDLER=pooled) one that lends each request a pooled thread (handlers.py, notebook 09).
django.setup(set_prefix=False)
if settings.ASGI_HANDLER == "pooled":
    from tutorial_project.handlers import PooledASGIHandler

    django_application: ASGIHandler = PooledASGIHandler()
else:
    django_application = ASGIHandler()

# In development (DEBUG on), as runserver does: serve /static/ too, so that the API docs at
# /api/docs get their CSS and JavaScript under uvicorn. A deployment serves them otherwise.
served: ASGIHandler = django_application
if settings.DEBUG and apps.is_installed("django.contrib.staticfiles"):
    served = ASGIStaticFilesHandler(django_application)


async def application(scope, receive, send) -> None:
    """Django's ASGI app, plus the lifespan protocol, which Django does not handle itself."""
    if scope["type"] == "lifespan":
        from tutorial_project.library.book_data import aclose_async_client

        # At shutdown, close the server loop's shared upstream clients, so that their pooled
        # connections are closed properly instead of being dropped mid-air.
        await lifespan(receive, send, on_shutdown=aclose_async_client)
    else:
        await served(scope, receive, send)
