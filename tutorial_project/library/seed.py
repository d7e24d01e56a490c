"""Deterministic seed data: users with emails, authors and books (some of them Korean)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from tutorial_project.library.models import Author, Book

USERS: list[tuple[str, str]] = [
    ("alice", "alice@example.com"),
    ("bob", "bob@example.com"),
    ("jimin", "jimin@example.kr"),
]

BOOKS: dict[str, list[tuple[str, int]]] = {
    "Ursula K. Le Guin": [("A Wizard of Earthsea", 1968), ("The Dispossessed", 1974)],
    "Ted Chiang": [("Stories of Your Life and Others", 2002), ("Exhalation", 2019)],
    "한강": [("채식주의자", 2007), ("소년이 온다", 2014)],
    "김영하": [("빛의 제국", 2006), ("살인자의 기억법", 2013)],
}


@transaction.atomic
def seed() -> dict[str, int]:
    """Create the seed rows that are missing and return the table sizes; safe to run twice."""
    User = get_user_model()
    for username, email in USERS:
        # No password: create_user() then stores an unusable one and skips the slow hashing.
        if not User.objects.filter(username=username).exists():
            User.objects.create_user(username=username, email=email)
    for author_name, books in BOOKS.items():
        author, _ = Author.objects.get_or_create(name=author_name)
        for title, year in books:
            Book.objects.get_or_create(author=author, title=title, defaults={"year": year})
    return {
        "users": User.objects.count(),
        "authors": Author.objects.count(),
        "books": Book.objects.count(),
    }
