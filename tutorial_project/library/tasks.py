"""Background tasks of the library, for Django's tasks framework (notebook 10)."""

try:
    from django.tasks import task  # Django 6.0 and newer
except ImportError:  # Django 5.2: the django-tasks package, the same API
    from django_tasks import task

from tutorial_project.library.models import Author, Book


@task()
def count_library() -> dict[str, int]:
    """How many authors and books the library has: work to run outside a request."""
    return {"authors": Author.objects.count(), "books": Book.objects.count()}
