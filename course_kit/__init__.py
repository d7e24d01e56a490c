"""The course's instruments: everything a notebook imports besides the project it studies.

    from course_kit import setup, check, serve, excerpt

Names are imported on first use, not here: most of them need Django configured first (Django
Ninja reads the settings as it is imported), and `setup()` is what configures it.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> the module of the kit that defines it
EXPORTS = {
    "setup": "kernel",
    "check": "exercises",
    "hint_for": "exercises",
    "routed": "exercises",
    "serve": "servers",
    "serve_wsgi": "servers",
    "asgi_app_for": "servers",
    "free_socket": "processes",
    "Timeline": "timeline",
    "measure_concurrent": "timeline",
    "peak_threads": "timeline",
    "plot_timelines": "timeline",
    "server_timeline": "timeline",
    "capture_queries": "queries",
    "cost": "costs",
    "count_crossings": "profiling",
    "handler_for": "profiling",
    "request_cost": "profiling",
    "profile_by_group": "profiling",
    "run_pytest": "pytest_runs",
    "excerpt": "sources",
    "where": "sources",
    "BookDataService": "book_data_service",
}

__all__ = sorted(EXPORTS)


def __getattr__(name: str) -> Any:
    """Import `name` from its module the first time it is asked for (PEP 562)."""
    if name not in EXPORTS:
        raise AttributeError(f"module 'course_kit' has no attribute {name!r}")
    return getattr(importlib.import_module(f"course_kit.{EXPORTS[name]}"), name)
