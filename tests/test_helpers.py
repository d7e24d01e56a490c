"""The helper modules the notebooks import: timelines, query capture, one-line logs, checks."""

import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django import Settings

from tutorial_project.checks import check
from tutorial_project.notebook import OneLineLogHandler, remove_stale_databases
from tutorial_project.queries import capture_queries
from tutorial_project.timeline import Span, Timeline, max_overlap


def test_max_overlap_counts_spans_in_progress_together() -> None:
    """Three spans of which two overlap give 2; spans that only touch do not overlap."""
    spans = [Span("a", 0, 2), Span("b", 1, 3), Span("c", 3, 4)]
    assert max_overlap(spans) == 2
    assert max_overlap([Span("a", 0, 1), Span("b", 1, 2)]) == 1


async def test_timeline_measures_an_awaitable() -> None:
    """Timeline.measure returns the awaitable's result and records one span for it."""

    async def answer() -> int:
        return 42

    timeline = Timeline("t")
    assert await timeline.measure("one", answer()) == 42
    assert len(timeline.spans) == 1 and timeline.wall >= 0


@pytest.mark.django_db(transaction=True)
async def test_capture_queries_sees_worker_threads(settings: Settings) -> None:
    """Queries sent by the async ORM are captured with the worker thread's name."""
    settings.DEBUG = True  # Django logs queries only when DEBUG is on.
    with capture_queries() as queries:
        await User.objects.acount()
    assert len(queries) == 1
    assert "COUNT" in queries[0].sql and queries[0].thread != "MainThread"


def test_one_line_log_handler_keeps_first_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """A multi-line message and its exception print as one line, without a traceback."""
    error = ValueError("first line\nsecond line")
    exc_info = (ValueError, error, None)
    record = logging.LogRecord("django.request", logging.ERROR, "", 0, "Boom\nmore", None, exc_info)
    OneLineLogHandler().emit(record)
    assert capsys.readouterr().out == "[django.request] ERROR: Boom … (ValueError: first line)\n"


def test_check_raises_with_the_hint() -> None:
    """check() passes silently when true and raises the hint when false."""
    check(True, "unused")
    with pytest.raises(AssertionError, match="Not yet: do the thing"):
        check(False, "do the thing")


def test_stale_kernel_databases_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose kernel has ended is deleted; a running process's folder is kept."""
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    stale = tmp_path / f"async-django-{ended.pid}-abc"
    alive = tmp_path / f"async-django-{os.getpid()}-def"
    other = tmp_path / "async-django-mysql-ghi"
    for folder in (stale, alive, other):
        folder.mkdir()
    remove_stale_databases()
    assert not stale.exists() and alive.exists() and other.exists()


async def test_peak_threads_counts_threads_alive_together() -> None:
    """Five threads held alive together by a barrier count five; a thread started before, none."""
    from tutorial_project.timeline import peak_threads

    release = threading.Event()
    older = threading.Thread(target=release.wait, args=(10,), name="older")
    older.start()
    arrived = threading.Barrier(6, timeout=10)

    def held() -> None:
        arrived.wait()  # all five alive at once, with the test
        release.wait(10)

    async def five_threads() -> str:
        threads = [threading.Thread(target=held) for _ in range(5)]
        for thread in threads:
            thread.start()
        await asyncio.to_thread(arrived.wait)
        # Give the sampler (every 2 ms) many chances to see the five while they are held.
        await asyncio.sleep(0.05)
        release.set()
        for thread in threads:
            await asyncio.to_thread(thread.join, 10)
        return "done"

    try:
        result, peak = await peak_threads(five_threads())
    finally:
        release.set()
        older.join(10)
    # The five, plus at most the default executor's threads that asyncio.to_thread started.
    assert result == "done" and 5 <= peak <= 5 + 2
