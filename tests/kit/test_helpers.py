"""The helper modules the notebooks import: timelines, query capture, one-line logs, checks."""

import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import threading
import types
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django import Settings

from course_kit.exercises import check
from course_kit.kernel import remove_stale_scratch
from course_kit.queries import capture_queries
from course_kit.timeline import Span, Timeline, max_overlap
from tutorial_project.log import OneLineLogHandler


def test_max_overlap_counts_spans_in_progress_together() -> None:
    """Three spans of which two overlap give 2; spans that only touch do not overlap."""
    spans = [Span("a", 0, 2), Span("b", 1, 3), Span("c", 3, 4)]
    assert max_overlap(spans) == 2
    assert max_overlap([Span("a", 0, 1), Span("b", 1, 2)]) == 1


async def test_timeline_measures_an_awaitable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timeline.measure times the await itself, returns its result, and records a span even when
    the awaitable raises."""
    import course_kit.timeline as timeline_module

    clock = [0.0]
    monkeypatch.setattr(
        timeline_module, "time", types.SimpleNamespace(perf_counter=lambda: clock[0])
    )

    async def answer() -> int:
        clock[0] = 2.5  # the await takes 2.5 s on the fake clock
        return 42

    async def fail() -> None:
        clock[0] = 4.0
        raise ValueError("upstream down")

    timeline = Timeline("t")
    assert await timeline.measure("one", answer()) == 42
    with pytest.raises(ValueError):
        await timeline.measure("two", fail())
    assert timeline.spans == [Span("one", 0.0, 2.5), Span("two", 2.5, 4.0)]
    assert timeline.wall == 4.0 and timeline.longest == 2.5


@pytest.mark.django_db(transaction=True)
async def test_capture_queries_sees_worker_threads(settings: Settings) -> None:
    """Queries sent by the async ORM are captured with the worker thread's name."""
    settings.DEBUG = True  # Django logs queries only when DEBUG is on.
    await User.objects.aexists()  # the worker's connection opened (MySQL sends set-up queries)
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


def test_stale_scratch_folders_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder whose owner (a kernel, a benchmark, a throwaway server) has ended is deleted; a
    running process's folder is kept."""
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    stale = tmp_path / f"async-django-{ended.pid}-abc"
    alive = tmp_path / f"async-django-{os.getpid()}-def"
    other = tmp_path / "async-django-mysql-ghi"
    for folder in (stale, alive, other):
        folder.mkdir()
    remove_stale_scratch()
    assert not stale.exists() and alive.exists() and other.exists()


async def test_peak_threads_counts_threads_alive_together() -> None:
    """Five threads held alive together count five, exactly; a thread started before counts none."""
    from concurrent.futures import ThreadPoolExecutor

    from course_kit.timeline import peak_threads

    release, all_held, seen = threading.Event(), threading.Event(), threading.Event()
    older = threading.Thread(target=release.wait, args=(10,), name="older")
    older.start()
    arrived = threading.Barrier(5, action=all_held.set, timeout=10)

    class Held(threading.Thread):
        def is_alive(self) -> bool:
            # peak_threads asks every held thread this while sampling: once all five are held,
            # the first answer proves the sampler saw them together.
            if all_held.is_set():
                seen.set()
            return super().is_alive()

    def held() -> None:
        arrived.wait()
        release.wait(10)

    loop = asyncio.get_running_loop()
    waiter = ThreadPoolExecutor(1)  # started before, so it is not counted
    await loop.run_in_executor(waiter, lambda: None)

    async def five_threads() -> str:
        threads = [Held(target=held) for _ in range(5)]
        for thread in threads:
            thread.start()
        assert await loop.run_in_executor(waiter, seen.wait, 10)
        release.set()
        for thread in threads:
            await loop.run_in_executor(waiter, thread.join, 10)
        return "done"

    try:
        result, peak = await peak_threads(five_threads())
    finally:
        release.set()
        older.join(10)
        waiter.shutdown()
    assert result == "done" and peak == 5
