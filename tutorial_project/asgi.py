"""ASGI entry point: `uvicorn tutorial_project.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")

application = get_asgi_application()
