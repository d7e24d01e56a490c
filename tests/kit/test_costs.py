"""cost(): thread crossings and queries of a block, in a line that reads the same everywhere."""

import pytest
from django.contrib.auth.models import User
from pytest_django import Settings

from course_kit.costs import cost, short


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        ('SELECT "auth_user"."id" FROM "auth_user" WHERE 1', "SELECT auth_user"),
        ('SELECT COUNT(*) AS "__count" FROM "library_book"', "SELECT COUNT library_book"),
        ('INSERT INTO "django_session" ("a") VALUES (1)', "INSERT django_session"),
        ('UPDATE "auth_user" SET "last_login" = 1', "UPDATE auth_user"),
        # MySQL quotes names with backticks.
        ("SELECT COUNT(*) AS `__count` FROM `auth_user`", "SELECT COUNT auth_user"),
        ("BEGIN", "BEGIN"),
    ],
)
def test_short_names_the_verb_and_the_table(sql: str, shown: str) -> None:
    """Queries shortened to verb and table: no values, no ids."""
    assert short(sql) == shown


@pytest.mark.django_db(transaction=True)
async def test_cost_counts_the_hop_and_the_query_of_an_a_method(settings: Settings) -> None:
    """acount() is one sync_to_async and one query, sent from a worker thread."""
    settings.DEBUG = True  # Django logs queries only when DEBUG is on.
    await User.objects.aexists()  # the worker's connection opened first
    with cost() as spent:
        await User.objects.acount()
    assert spent.line == "hops s2a=1 a2s=0 | 1 queries: SELECT COUNT auth_user [worker]"
