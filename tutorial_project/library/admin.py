"""Admin registrations, so a learner can browse the seeded data at /admin/."""

from django.contrib import admin

from tutorial_project.library.models import Author, Book

admin.site.register(Author)
admin.site.register(Book)
