"""The benchmark's report: the table, the ratios, and the checks printed as PASS or MISS."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from course_kit.bench.run import STEADY, Options, Point, cores, server_flavour

# The targets the course set for the tuned configuration (notebook 09): what "tuned" means.
TUNED = {"TUTORIAL_HANDLER": "pooled", "TUTORIAL_MIDDLEWARE": "api"}


def table(points: Sequence[Point]) -> str:
    """The points as a fixed-width table: medians over the repeats, and their spread."""
    header = (
        f"{'endpoint':29} {'conc':>4} {'req/s':>6} {'spread':>6} {'p50 ms':>6} {'p99 ms':>6} "
        f"{'errors':>6} {'CPU us':>6} {'cores':>5} {'threads':>9} {'RSS MB':>6}  note"
    )
    lines = [header, "-" * len(header)]
    for p in points:
        threads = f"{p.threads_idle}->{p.threads_peak}"
        note = "INVALID" if p.invalid else ("" if p.steady else "short window")
        lines.append(
            f"{p.label:29} {p.concurrency:4} {p.throughput:6,.0f} {p.spread:6.0%} "
            f"{p.p50 * 1000:6.0f} {p.p99 * 1000:6.0f} {p.errors:6} "
            f"{p.cpu_per_request * 1e6:6.0f} {p.cores_busy:5.2f} {threads:>9} "
            f"{p.rss_peak_mb:6.0f}  {note}".rstrip()
        )
    return "\n".join(lines)


def find(points: Sequence[Point], row: str, concurrency: int) -> Point | None:
    """The point of `row` at `concurrency`, if it was measured (and is valid)."""
    found = next((p for p in points if p.row == row and p.concurrency == concurrency), None)
    return None if found is None or found.invalid else found


def ratio_samples(points: Sequence[Point], concurrency: int, row: str = "django") -> list[float]:
    """`row`'s throughput over FastAPI's, repeat by repeat, at one concurrency."""
    mine, peer = find(points, row, concurrency), find(points, "peer", concurrency)
    if not mine or not peer:
        return []
    return [
        m.throughput / p.throughput
        for m, p in zip(mine.samples, peer.samples, strict=False)
        if p.throughput
    ]


def ratio(points: Sequence[Point], concurrency: int, row: str = "django") -> tuple[float, float]:
    """The median of those ratios and their spread (max - min) / median."""
    samples = ratio_samples(points, concurrency, row)
    if not samples:
        raise LookupError(f"no {row!r} and 'peer' points at {concurrency} in flight")
    middle = statistics.median(samples)
    return middle, (max(samples) - min(samples)) / middle if middle else float("inf")


def ratios(points: Sequence[Point]) -> list[str]:
    """Django's waiting views (with Ninja, and plain) as shares of the peer's and the baseline's."""
    lines = []
    for row, label in (("django", "Django+Ninja"), ("plain", "plain Django")):
        for p in (p for p in points if p.row == row and not p.invalid):
            parts = []
            for other, name in (("peer", "FastAPI"), ("baseline", "bare ASGI")):
                q = find(points, other, p.concurrency)
                if q and q.throughput:
                    parts.append(f"{p.throughput / q.throughput:.2f} of {name}")
            if parts:
                lines.append(f"{label} at {p.concurrency}: " + ", ".join(parts))
    return lines


def checks(points: Sequence[Point], options: Options) -> list[tuple[bool, str]]:
    """What the run must show, each as (held?, one line that says what was compared)."""
    results: list[tuple[bool, str]] = []
    wait = options.delay
    for base in (p for p in points if p.row == "baseline"):
        allowed = base.concurrency / wait if wait else float("inf")
        results.append(
            (
                base.throughput >= 0.9 * allowed,
                f"load generator keeps up at {base.concurrency}: baseline "
                f"{base.throughput:,.0f} of {allowed:,.0f} req/s ({base.throughput / allowed:.0%}"
                ", needs 90%)",
            )
        )
    short = [p for p in points if not p.steady and not p.invalid]
    results.append(
        (
            not short,
            "steady windows (each at least "
            f"{STEADY} x its p50): "
            + (
                ", ".join(f"{p.row} at {p.concurrency}" for p in short) + " too short"
                if short
                else "all"
            ),
        )
    )
    results += _upstream_checks(points, wait, max(options.concurrency))
    results += _peer_checks(points, options)
    return results


def _upstream_checks(points: Sequence[Point], wait: float, top: int) -> list[tuple[bool, str]]:
    """The async upstream-bound endpoint against what the wait allows."""
    results = []
    at100 = find(points, "async-upstream", 100)
    if at100 and wait > 0:
        results.append(
            (
                at100.p99 <= 1.5 * wait,
                f"async upstream-bound p99 at 100: {at100.p99 * 1000:.0f} ms "
                f"<= 1.5 x {wait * 1000:.0f} ms",
            )
        )
    busy, ceiling = find(points, "async-upstream", top), find(points, "ceiling", top)
    if busy and ceiling and wait > 0:
        bound = min(top / wait, ceiling.throughput)
        results.append(
            (
                busy.throughput >= 0.8 * bound and busy.errors == 0,
                f"async upstream-bound at {top}: {busy.throughput:,.0f} req/s >= 80% of "
                f"min({top / wait:,.0f}, ceiling {ceiling.throughput:,.0f}), "
                f"{busy.errors} errors",
            )
        )
    return results


def _peer_checks(points: Sequence[Point], options: Options) -> list[tuple[bool, str]]:
    """Django against FastAPI at the top concurrency: the tuned target, and its stability."""
    top = max(options.concurrency)
    samples = ratio_samples(points, top)
    if not samples:
        return []
    median, spread = ratio(points, top)
    tuned = all(options.settings_env.get(k) == v for k, v in TUNED.items())
    config = "tuned" if tuned else "not the tuned configuration (--handler pooled --stack api)"
    held = median >= 0.5
    return [
        (
            held,
            f"Django+Ninja at {top}: {median:.2f} of FastAPI >= 0.5 ({config}, "
            f"{server_flavour(options)})" + ("" if held else why(points, top, options.workers)),
        ),
        (
            spread <= 0.15 and len(samples) >= 3,
            f"that ratio is stable: spread {spread:.0%} over {len(samples)} "
            f"repeat{'s' if len(samples) != 1 else ''} (<= 15%, at least 3)",
        ),
    ]


def why(points: Sequence[Point], concurrency: int, workers: int) -> str:
    """Where the server's CPU went, Django against FastAPI: the reason a ratio falls short."""
    django, peer = find(points, "django", concurrency), find(points, "peer", concurrency)
    if not django or not peer or not django.cpu_per_request:
        return ""
    bound = "CPU-bound, " if django.cores_busy >= 0.9 * workers else ""
    return (
        f"; why: Django's server was {bound}{django.cores_busy:.2f} cores busy at "
        f"{django.cpu_per_request * 1e6:,.0f} us of CPU per request, FastAPI's "
        f"{peer.cores_busy:.2f} cores at {peer.cpu_per_request * 1e6:,.0f} us"
    )


def machine(options: Options | None = None) -> dict[str, object]:
    """What the numbers depend on besides the code."""
    import django

    pinned = cores(options) if options else None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(terse=True),
        "pinning": (
            f"servers on cores {sorted(pinned[0])}, load generator on {sorted(pinned[1])}"
            if pinned
            else f"servers and load generator share the machine's {os.cpu_count()} cores"
        ),
    }


def report(points: Sequence[Point], options: Options) -> dict[str, object]:
    """Everything a run found, as JSON-ready data."""
    return {
        "options": asdict(options),
        "machine": machine(options),
        "points": [asdict(p) for p in points],
        "checks": [{"held": held, "what": what} for held, what in checks(points, options)],
        "ratios": ratios(points),
    }


def describe(options: Options) -> str:
    """The run's configuration in two lines, printed above its table."""
    info = machine(options)
    env = options.settings_env
    return (
        f"{info['cpus']} CPUs, Python {info['python']}, Django {info['django']}; "
        f"{options.server} x{options.workers} ({server_flavour(options)}); "
        f"{env.get('TUTORIAL_MIDDLEWARE', 'full')} middleware, "
        f"{env.get('TUTORIAL_HANDLER', 'stock')} handler;\n"
        f"windows of at least {options.duration:g} s"
        + (f" and {options.steady:g} x p50" if options.steady else " (quick: not steady)")
        + f", {options.repeats} repeat{'s' if options.repeats != 1 else ''} per point; "
        f"{info['pinning']}"
    )


def points_from(found: dict[str, Any]) -> list[Point]:
    """The points of a JSON report."""
    return [Point.from_dict(point) for point in found["points"]]


RECORDED = Path(__file__).resolve().parent / "recorded"


def recorded(name: str) -> tuple[dict[str, Any], list[Point], Options]:
    """A sweep recorded by `make bench-record`: its report, its points and its options."""
    found = json.loads((RECORDED / f"{name}.json").read_text())
    options = Options(**{**found["options"], "rows": tuple(found["options"]["rows"])})
    options.concurrency = tuple(options.concurrency)
    return found, points_from(found), options


def provenance(found: dict[str, Any]) -> str:
    """Where a recorded sweep comes from: its command, date, machine and versions."""
    info, when = found["machine"], found["recorded"]
    return (
        f"recorded {when['date']} with: {when['command']}\n"
        f"{info['cpus']} CPUs, Python {info['python']}, Django {info['django']}, "
        f"{info['platform']}; {info['pinning']}"
    )
