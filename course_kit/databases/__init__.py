"""Database servers for the course, one module per vendor: `mariadb` (MariaDB or MySQL) and
`postgres`. Each has `choose()`, built on `decide()` here, and `throwaway_server()`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Choice:
    """Where a server comes from: a URL given, a throwaway one, or none (and why)."""

    source: Literal["url", "throwaway", "none"]
    url: str | None = None
    why: str = ""
    # With the vendor's require flag set, "none" is a failure rather than a skip.
    required: bool = False


def decide(url: str | None, installed: bool, why_none: str, required: bool) -> Choice:
    """The URL given wins; else a throwaway server when one is installed; else none, and why."""
    if url:
        return Choice("url", url=url)
    if installed:
        return Choice("throwaway")
    return Choice("none", why=why_none, required=required)
