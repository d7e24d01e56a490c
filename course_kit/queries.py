"""See every SQL query Django runs, in any thread, with the name of the thread that ran it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    """One SQL statement and the thread that sent it."""

    thread: str
    sql: str


class _Collect(logging.Handler):
    """Keep the records of Django's query log."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.queries: list[Query] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the statement; Django passes it as the `sql` attribute of the record."""
        sql = getattr(record, "sql", None)
        if sql is not None:
            self.queries.append(Query(thread=record.threadName or "", sql=sql))


@contextmanager
def capture_queries() -> Iterator[list[Query]]:
    """Collect the queries of every thread while the block runs (Django logs them when DEBUG)."""
    # Django's test helper CaptureQueriesContext watches one connection, and connections are per
    # thread; sync_to_async and the async ORM query from worker threads. The query log sees all.
    logger = logging.getLogger("django.db.backends")
    handler = _Collect()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield handler.queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
