"""The project's NinjaAPI: one instance, mounted at /api/ by urls.py."""

from django.conf import settings
from ninja import NinjaAPI

from tutorial_project.experiments.views import router as lab_router
from tutorial_project.library.api import router as library_router

api = NinjaAPI(
    title="Async Django, tested",
    version="1.0",
    description="The API that the course notebooks call: async views and their sync twins.",
)
api.add_router("", library_router)
# Experiments for the notebooks, some wrong on purpose (tutorial_project/experiments/): served
# only in development or with TUTORIAL_LAB=1 (settings.LAB).
if settings.LAB:
    api.add_router("/lab", lab_router)
