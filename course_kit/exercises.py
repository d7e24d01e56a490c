"""Helpers for the exercises' check cells: assert a behaviour, and say what is still wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def check(passed: bool, hint: str) -> None:
    """Fail with a friendly hint (an AssertionError) unless `passed` is true."""
    if not passed:
        raise AssertionError(f"Not yet: {hint}")


@contextmanager
def hint_for(
    errors: type[BaseException] | tuple[type[BaseException], ...], hint: str
) -> Iterator[None]:
    """Turn one of `errors` raised in the block into a failed check with `hint`.

    A learner's mistake often shows up as an exception (SynchronousOnlyOperation, a 404 raised as
    HTTPStatusError); the check names the mistake instead of leaving a bare traceback.
    """
    try:
        yield
    except errors as error:
        raise AssertionError(f"Not yet: {hint} ({type(error).__name__}: {error})") from None
    except Exception as error:
        # A TaskGroup (Python 3.11+) wraps its tasks' errors in an ExceptionGroup: look inside.
        matched = getattr(error, "subgroup", lambda _: None)(errors)
        if matched is None:
            raise
        first = matched.exceptions[0]
        raise AssertionError(f"Not yet: {hint} ({type(first).__name__}: {first})") from None


def routed(view: Callable[..., Any], path: str) -> Any:
    """A fresh Ninja router serving `view` at GET `path`.

    Check cells build their router here, on every run: Ninja freezes a router once an API has
    built its URLs (`asgi_app_for` does that at once, before any request is sent), so a router
    kept from an earlier run would refuse the view when the cell runs again.
    """
    from ninja import Router

    router = Router()
    router.get(path)(view)
    return router
