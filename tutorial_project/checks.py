"""Helpers for the exercises' check cells: assert a behaviour, and say what is still wrong."""


def check(passed: bool, hint: str) -> None:
    """Fail with a friendly hint (an AssertionError) unless `passed` is true."""
    if not passed:
        raise AssertionError(f"Not yet: {hint}")
