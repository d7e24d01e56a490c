"""Authors and books: one ForeignKey, enough to meet every lazy-query trap of the async ORM."""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=300)
    year = models.PositiveSmallIntegerField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
