"""excerpt() shows the installed lines behind a claim, and fails when they are gone."""

import pytest
from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

from course_kit.sources import excerpt, where


def test_where_names_the_module_file_and_qualified_name_without_paths() -> None:
    """A method of a class in a package module: the file under its package, then the qualname."""
    assert where(ASGIHandler.handle) == "django/core/handlers/asgi.py: ASGIHandler.handle"
    assert where(ThreadSensitiveContext) == "asgiref/sync.py: ThreadSensitiveContext"


def test_excerpt_prints_each_matching_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    """Every line holding a needle is printed, stripped, once, under where()."""
    excerpt(ASGIHandler.__call__, "ThreadSensitiveContext", "async with")
    assert capsys.readouterr().out == (
        "django/core/handlers/asgi.py: ASGIHandler.__call__\n"
        "    async with ThreadSensitiveContext():\n"
    )


def test_excerpt_fails_when_a_needle_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    """A claim whose line is gone from the installed version fails loudly and prints nothing."""
    with pytest.raises(AssertionError, match="has no line containing 'thread_per_request'"):
        excerpt(ASGIHandler.__call__, "ThreadSensitiveContext", "thread_per_request")
    assert capsys.readouterr().out == ""
