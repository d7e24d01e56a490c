"""Ninja schemas: what the library API accepts and returns."""

from ninja import Schema


class HelloOut(Schema):
    message: str


class UserInfoOut(Schema):
    email: str


class Message(Schema):
    """An error body, shaped like Ninja's own: {"detail": ...}."""

    detail: str


class AuthorOut(Schema):
    id: int
    name: str


class BookOut(Schema):
    id: int
    title: str
    year: int
    author: AuthorOut


class RatingOut(Schema):
    book_id: int
    rating: float


class SummaryOut(Schema):
    """What the book-data service knows about one book, from three calls."""

    book_id: int
    rating: float
    price: float
    in_stock: int
