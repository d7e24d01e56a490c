"""WSGI entry point, for comparison with the ASGI one; the course serves with ASGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")

application = get_wsgi_application()
