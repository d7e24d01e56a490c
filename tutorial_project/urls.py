"""URL configuration: the admin and the Ninja API under /api/."""

from django.contrib import admin
from django.urls import path

from tutorial_project.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
