"""The benchmark's command line: `python -m course_kit.bench --help`."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course_kit.bench.report import checks, describe, points_from, ratios, report, table
from course_kit.bench.run import ROWS, STEADY, WARMUP, Options, Point, run

MAX_CONCURRENCY = 2000


def parser() -> argparse.ArgumentParser:
    """The command line's options, each with its bounds and default."""
    p = argparse.ArgumentParser(
        prog="python -m course_kit.bench",
        description="Load-test the project on 127.0.0.1 in steady state (see notebooks 08, 09).",
    )
    _load_options(p.add_argument_group("what to load, and how long"))
    _server_options(p.add_argument_group("the servers"))
    _run_options(p.add_argument_group("the run and its report"))
    return p


def _load_options(p: argparse._ArgumentGroup) -> None:
    """Rows, concurrency, waits and windows."""
    p.add_argument(
        "-c",
        "--concurrency",
        type=_concurrency,
        nargs="+",
        default=None,
        help="requests in flight, one or more values (default: 10 100 500)",
    )
    p.add_argument(
        "--rows",
        nargs="+",
        choices=sorted(ROWS),
        default=list(ROWS),
        metavar="ROW",
        help=f"endpoints to load; the baseline always runs (rows: {', '.join(ROWS)})",
    )
    p.add_argument(
        "--peer",
        choices=["fastapi", "none"],
        default="fastapi",
        help="the peer row (default fastapi)",
    )
    p.add_argument(
        "--delay",
        type=_bounded(0, 5),
        default=0.2,
        help="seconds each waiting endpoint waits (0 to 5, default 0.2)",
    )
    p.add_argument(
        "--duration",
        type=_bounded(0.2, 60),
        default=3.0,
        help=f"shortest window per point, in seconds (0.2 to 60, default 3); it also "
        f"lasts at least {STEADY} x the point's median latency",
    )
    p.add_argument(
        "--repeats",
        type=_positive_int,
        default=3,
        help="windows per point; the table shows their median and spread (default 3)",
    )


def _server_options(p: argparse._ArgumentGroup) -> None:
    """Which server, loop, parser, middleware stack and handler the project runs with."""
    p.add_argument(
        "--workers", type=_positive_int, default=1, help="server worker processes (default 1)"
    )
    p.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server for Django and the peer (default uvicorn)",
    )
    p.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="the server's event loop (default asyncio)",
    )
    p.add_argument(
        "--http",
        choices=["h11", "httptools"],
        default="h11",
        help="uvicorn's HTTP parser (default h11)",
    )
    p.add_argument(
        "--stack",
        choices=["full", "api"],
        default="full",
        help="the project's middleware: full (default, with the admin) or api",
    )
    p.add_argument(
        "--handler",
        choices=["stock", "pooled"],
        default="stock",
        help="Django's ASGI handler, or the pooled-executor one (notebook 09)",
    )


def _run_options(p: argparse._ArgumentGroup) -> None:
    """The load generator, core pinning, bounds and the output."""
    p.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: raw asyncio streams (default) or many httpx clients",
    )
    p.add_argument(
        "--pin",
        choices=["auto", "off"],
        default="auto",
        help="auto: servers and load generator on separate cores when there are 4+",
    )
    p.add_argument(
        "--max-seconds",
        type=_bounded(1, 7200),
        default=1800,
        help="stop the whole run after this long (default 1800)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a short check for notebooks, not steady state: 0.5 s windows, one repeat, "
        "shared servers, -c 10 100 unless given",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="also write the JSON report to FILE, with the date and this command line",
    )


def parse_args(argv: Sequence[str] | None = None) -> tuple[Options, bool]:
    """Options from the command line, and whether to print JSON instead of a table."""
    options, args = _parse(argv)
    return options, args.json


def _parse(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    args = parser().parse_args(argv)
    rows = [r for r in args.rows if not (r == "peer" and args.peer == "none")]
    quick = args.quick
    options = Options(
        rows=tuple(rows),
        concurrency=tuple(args.concurrency or ((10, 100) if quick else (10, 100, 500))),
        delay=args.delay,
        duration=0.5 if quick else args.duration,
        repeats=1 if quick else args.repeats,
        workers=args.workers,
        server=args.server,
        loop=args.loop,
        http=args.http,
        client=args.client,
        max_seconds=args.max_seconds,
        settings_env={"TUTORIAL_MIDDLEWARE": args.stack, "TUTORIAL_HANDLER": args.handler},
        fresh_servers=not quick,
        pin=args.pin,
        steady=0 if quick else STEADY,
    )
    return options, args


def _concurrency(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"at most {MAX_CONCURRENCY} requests in flight")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _bounded(low: float, high: float) -> Any:
    """An argparse type: a number between `low` and `high`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, not {value:g}")
        return value

    return parse


def least_seconds(options: Options) -> float:
    """The shortest the run can take: every point's warm-ups and windows, plus start-ups."""
    rows = len({"baseline", *options.rows})
    per_point = options.repeats * (options.duration + WARMUP + 0.2)
    return rows * (len(options.concurrency) * per_point + 2)


def measure(*args: str, timeout: float = 300) -> tuple[dict[str, Any], list[Point]]:
    """Run the benchmark in a fresh process with --json and `args`: its report and its points."""
    command = [sys.executable, "-m", "course_kit.bench", "--json", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
        raise RuntimeError(f"the benchmark failed (exit code {done.returncode}): {last[0]}")
    found = json.loads(done.stdout)
    return found, points_from(found)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; 0 on success, 1 if it had to stop early."""
    options, args = _parse(argv)
    estimate = least_seconds(options)
    if estimate > options.max_seconds:
        print(
            f"This run would take at least {estimate:.0f} s, more than --max-seconds "
            f"{options.max_seconds:g}; shorten --duration, --repeats or pick fewer --rows.",
            file=sys.stderr,
        )
        return 2
    interrupted: list[int] = []

    def on_ctrl_c(signum: int, frame: object) -> None:
        interrupted.append(signum)
        raise KeyboardInterrupt

    # Our own handler, so that Ctrl-C raises KeyboardInterrupt wherever the run is. Left to
    # asyncio.run, it becomes a cancellation of the load generator's task, and a cancellation
    # can be lost on the way (Python 3.11's wait_for lost one); the run then finished as if
    # nothing had been pressed.
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        points = run(options, progress=not args.json)
    except KeyboardInterrupt:
        interrupted.append(signal.SIGINT)
    except (RuntimeError, TimeoutError) as exc:
        print(f"The benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        print("Interrupted; every server the benchmark started is stopped.", file=sys.stderr)
        return 1
    found = report(points, options)
    if args.record:
        command = " ".join(["python -m course_kit.bench", *(argv or sys.argv[1:])])
        recorded = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
        args.record.write_text(json.dumps({**found, "recorded": {**recorded, "command": command}}))
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(describe(options), end="\n\n")
    print(table(points))
    print()
    for line in ratios(points):
        print(line)
    for held, what in checks(points, options):
        print(f"{'PASS' if held else 'MISS'}  {what}")
    for p in (p for p in points if p.invalid):
        print(f"INVALID  {p.label} at {p.concurrency}: {p.invalid}")
    return 0
