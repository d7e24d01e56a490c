"""What a block of code cost: its thread crossings and its SQL queries, in one line.

    with cost() as spent:
        await request.auser()
    print(spent.line)  # hops s2a=2 a2s=0 | 2 queries: SELECT django_session [worker], ...

Nothing in the line depends on the machine or the run (no thread numbers, ids or times), so a
notebook prints the same on every machine and on every supported Django.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from course_kit.profiling import count_crossings
from course_kit.queries import Query, capture_queries


def short(sql: str) -> str:
    """'SELECT auth_user', 'INSERT django_session', 'BEGIN': enough to tell queries apart."""
    verb = sql.split()[0].upper()
    if re.match(r"SELECT\s+COUNT\(", sql, re.IGNORECASE):
        verb = "SELECT COUNT"
    elif re.match(r"SELECT\s+\(?1\)?\s+AS", sql, re.IGNORECASE):
        verb = "SELECT 1"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+["`]?(\w+)["`]?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table else verb


def side(thread_name: str) -> str:
    """'loop' for the event loop's thread (the main thread, in a kernel), else 'worker'."""
    return "loop" if thread_name == threading.main_thread().name else "worker"


class Cost:
    """What a block cost: thread crossings (sync_to_async, async_to_sync) and its queries."""

    def __init__(self) -> None:
        self.hops: dict[str, int] = {}
        self.queries: list[Query] = []

    @property
    def line(self) -> str:
        """`hops s2a=1 a2s=0 | 1 queries: SELECT auth_user [worker]`."""
        queries = ", ".join(f"{short(q.sql)} [{side(q.thread)}]" for q in self.queries) or "-"
        return (
            f"hops s2a={self.hops['sync_to_async']} a2s={self.hops['async_to_sync']}"
            f" | {len(self.queries)} queries: {queries}"
        )


@contextmanager
def cost() -> Iterator[Cost]:
    """Count the thread crossings and capture the queries of the block (needs DEBUG, as setup())."""
    result = Cost()
    with count_crossings() as hops, capture_queries() as queries:
        result.hops, result.queries = hops, queries
        yield result
