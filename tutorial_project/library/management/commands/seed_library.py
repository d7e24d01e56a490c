"""`python manage.py seed_library`: load the course's seed data into the configured database."""

from django.core.management.base import BaseCommand

from tutorial_project.library.seed import seed


class Command(BaseCommand):
    help = "Create the course's seed users, authors and books (rows that exist are kept)."

    def handle(self, *args: object, **options: object) -> None:
        counts = seed()
        summary = ", ".join(f"{count} {table}" for table, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded: {summary}."))
