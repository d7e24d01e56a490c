"""Show the installed source behind a claim: the lines of a function that say it, checked."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any


def where(obj: Any) -> str:
    """`package/module.py: Qualified.name` for a function or class, without install paths."""
    obj = inspect.unwrap(obj)
    module = sys.modules[obj.__module__]
    path = Path(inspect.getfile(module))
    parts = module.__name__.split(".")
    tail = Path(*parts[:-1], path.name) if path.name != "__init__.py" else Path(*parts, path.name)
    return f"{tail.as_posix()}: {obj.__qualname__}"


def excerpt(obj: Any, *needles: str) -> None:
    """Print the lines of `obj`'s source that contain each needle, under `where(obj)`.

    Fails (AssertionError) when a needle is in no line: a claim that cites this source is then
    out of date for the installed version, and the notebook must say so. Lines are printed
    stripped and without line numbers, so the output reads the same on every supported version
    that still has them. Nothing is returned, so a cell that ends with it displays no value.
    """
    lines = [line.strip() for line in inspect.getsource(inspect.unwrap(obj)).splitlines()]
    found: list[str] = []
    for needle in needles:
        matching = [line for line in lines if needle in line]
        assert matching, f"{where(obj)} has no line containing {needle!r}"
        found.extend(line for line in matching if line not in found)
    print(where(obj))
    for line in found:
        print(f"    {line}")
