"""URL configuration: the Ninja API under /api/, the admin, and the benchmark's plain view."""

from django.apps import apps
from django.contrib import admin
from django.urls import path

from tutorial_project import plain
from tutorial_project.api import api

urlpatterns = [
    path("api/", api.urls),
    # The same waiting view without Ninja, for the benchmark's plain row (notebook 09).
    path("plain/async-hello", plain.async_hello),
]
# The API-only stack (TUTORIAL_MIDDLEWARE=api in settings) has no admin.
if apps.is_installed("django.contrib.admin"):
    urlpatterns.append(path("admin/", admin.site.urls))
