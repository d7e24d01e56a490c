"""URL configuration: the admin and the Ninja API under /api/."""

from django.apps import apps
from django.contrib import admin
from django.urls import path

from tutorial_project.api import api

urlpatterns = [path("api/", api.urls)]
# The API-only stack (TUTORIAL_MIDDLEWARE=api in settings) has no admin.
if apps.is_installed("django.contrib.admin"):
    urlpatterns.append(path("admin/", admin.site.urls))
