"""Record when requests start and end, count how many overlap, and plot them as a timeline.

All times come from `time.perf_counter()`. On Linux that clock is CLOCK_MONOTONIC, shared by every
thread and process on the machine, so spans the client measures and spans a server reports (in a
thread or in another process) land on one axis.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """One piece of work, from start to end, in perf_counter seconds."""

    label: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        """Seconds from start to end."""
        return self.end - self.start


@dataclass
class Timeline:
    """The spans of one experiment, e.g. twenty concurrent requests to one endpoint."""

    title: str
    spans: list[Span] = field(default_factory=list)
    # What one span is ("request", "view", "call"): the plot's axis and title say it.
    kind: str = "request"

    async def measure(self, label: str, awaitable: Awaitable[T]) -> T:
        """Await `awaitable` and record the span it took under `label`."""
        start = time.perf_counter()
        try:
            return await awaitable
        finally:
            self.spans.append(Span(label, start, time.perf_counter()))

    def add(self, label: str, start: float, end: float) -> None:
        """Record a span measured elsewhere, e.g. reported by a server."""
        self.spans.append(Span(label, start, end))

    @property
    def wall(self) -> float:
        """Seconds from the first start to the last end."""
        return max(s.end for s in self.spans) - min(s.start for s in self.spans)

    @property
    def longest(self) -> float:
        """The longest single span, in seconds."""
        return max(s.duration for s in self.spans)

    def max_overlap(self) -> int:
        """The largest number of spans in progress at one instant."""
        return max_overlap(self.spans)

    def plot(self, ax: Axes, origin: float | None = None) -> Axes:
        """Draw one horizontal bar per span, in seconds from `origin` (default: first start)."""
        origin = min(s.start for s in self.spans) if origin is None else origin
        spans = sorted(self.spans, key=lambda s: s.start)
        ax.barh(
            range(len(spans)),
            [s.duration for s in spans],
            left=[s.start - origin for s in spans],
            height=0.7,
        )
        ax.set_yticks([])
        ax.set_ylabel(f"{self.kind}s")
        overlap = self.max_overlap()
        ax.set_title(
            f"{self.title}: {self.wall:.2f} s, "
            f"at most {overlap} {self.kind}{'' if overlap == 1 else 's'} at once"
        )
        ax.invert_yaxis()
        return ax


def max_overlap(spans: Sequence[Span]) -> int:
    """The largest number of `spans` in progress at one instant (touching ends do not overlap)."""
    # Sweep the time axis: +1 at each start, -1 at each end; ends sort before starts at a tie.
    events = sorted([(s.start, 1) for s in spans] + [(s.end, -1) for s in spans])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def plot_timelines(timelines: Sequence[Timeline], xlabel: str = "seconds") -> Figure:
    """Stack one timeline per row on a shared time axis, so their lengths compare at a glance."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(timelines), 1, sharex=True, figsize=(8, 1.8 * len(timelines)), squeeze=False
    )
    for ax, timeline in zip(axes[:, 0], timelines, strict=True):
        timeline.plot(ax)
    axes[-1, 0].set_xlabel(xlabel)
    fig.tight_layout()
    return fig


async def measure_concurrent(
    client: httpx.AsyncClient, path: str, n: int, title: str | None = None, **params: Any
) -> tuple[Timeline, list[httpx.Response]]:
    """Send `n` GET requests to `path` at once; return their timeline and their responses."""
    timeline = Timeline(title or path)
    responses = await asyncio.gather(
        *(timeline.measure(f"request {i}", client.get(path, params=params)) for i in range(n))
    )
    return timeline, list(responses)


def server_timeline(title: str, reports: Sequence[dict[str, Any]]) -> Timeline:
    """A timeline of the views' own spans, from the `started`/`finished` they report."""
    timeline = Timeline(title, kind="view")
    for i, body in enumerate(reports):
        timeline.add(f"view {i}", body["started"], body["finished"])
    return timeline


async def peak_threads(awaitable: Awaitable[T], interval: float = 0.002) -> tuple[T, int]:
    """Await `awaitable`; return its result and the most threads it started alive at one instant.

    Only threads started while the awaitable runs count, so threads that existed before (a
    server's pool, a thread still ending from an earlier experiment) never inflate the figure.
    """
    started: list[threading.Thread] = []
    original_start = threading.Thread.start

    def recording_start(thread: threading.Thread) -> None:
        started.append(thread)
        original_start(thread)

    peak = 0
    threading.Thread.start = recording_start  # type: ignore[method-assign]
    try:
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            # Sampling: a thread that lives shorter than `interval` can be missed, so the peak
            # is a lower bound.
            await asyncio.wait([task], timeout=interval)
            peak = max(peak, sum(thread.is_alive() for thread in list(started)))
    finally:
        threading.Thread.start = original_start  # type: ignore[method-assign]
    return task.result(), peak
