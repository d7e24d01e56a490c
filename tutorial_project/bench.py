"""The load benchmark: `python -m tutorial_project.bench` (notebook 08 explains every column).

It serves the project under uvicorn on 127.0.0.1, in a process of its own, next to the book-data
service (tutorial_project/upstream.py) and a FastAPI peer (tutorial_project/peer_fastapi.py), and
keeps a fixed number of requests in flight against one endpoint at a time (a closed loop: each
virtual user sends its next request when the previous one is answered). For each endpoint and
concurrency it reports throughput, p50 and p99 latency, errors, and the server's peak thread count
and memory (RSS), read with psutil while the load runs.

Every run measures, beside the project's endpoints:
* a **baseline**: the bare ASGI book-data service, which only waits. If it does not reach about
  concurrency / wait requests per second, the load generator (or the machine) is the limit, and no
  other row can be trusted;
* the **ceiling**: the project's async view with no wait, the most requests per second that
  Django and Ninja can answer on this server;
* the **peer**: the same async view in FastAPI, same server, same wait.

The run is bounded (each point lasts --duration seconds; the whole run stops at --max-seconds),
uses loopback only, and stops every server it started on the way out, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutorial_project.loadgen import run_load
from tutorial_project.servers import free_socket

HOST = "127.0.0.1"
DEFAULT_CONCURRENCY = (10, 100, 500)
MAX_CONCURRENCY = 2000
WARMUP = 0.3  # seconds of load before each point, not counted


@dataclass(frozen=True)
class Row:
    """One endpoint to load: which server serves it, and the path to GET."""

    name: str
    server: str  # "upstream", "django" or "fastapi"
    path: str  # may contain {delay}
    label: str


ROWS = {
    row.name: row
    for row in [
        Row("baseline", "upstream", "/rating/1", "bare ASGI app, waits {delay:g} s"),
        Row(
            "peer",
            "fastapi",
            "/api/async-hello?delay={delay:g}",
            "FastAPI, async, waits {delay:g} s",
        ),
        Row(
            "django",
            "django",
            "/api/async-hello?delay={delay:g}",
            "Django+Ninja, async, waits {delay:g} s",
        ),
        Row("ceiling", "django", "/api/async-hello?delay=0", "Django+Ninja, async, no wait"),
        Row("async-upstream", "django", "/api/books/1/rating", "async view, awaits upstream"),
        Row("sync-upstream", "django", "/api/sync/books/1/rating", "sync view, blocks on upstream"),
        Row("async-db", "django", "/api/books/1", "async view, one SQLite query"),
        Row("sync-db", "django", "/api/sync/books/1", "sync view, one SQLite query"),
    ]
}
DEFAULT_ROWS = tuple(ROWS)


@dataclass
class Point:
    """The measurements of one endpoint at one concurrency."""

    row: str
    label: str
    concurrency: int
    requests: int
    errors: int
    throughput: float
    p50: float
    p99: float
    threads_idle: int
    threads_peak: int
    rss_peak_mb: float
    error_kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Options:
    """Everything a run depends on (the command line, parsed)."""

    rows: tuple[str, ...] = DEFAULT_ROWS
    concurrency: tuple[int, ...] = DEFAULT_CONCURRENCY
    delay: float = 0.2
    duration: float = 3.0
    workers: int = 1
    server: str = "uvicorn"
    loop: str = "asyncio"
    http: str = "h11"
    client: str = "raw"
    max_seconds: float = 600.0
    settings_env: dict[str, str] = field(default_factory=dict)
    # A fresh server per row keeps each row's peak memory its own; sharing saves start-ups.
    fresh_servers: bool = True


def parse_args(argv: Sequence[str] | None = None) -> tuple[Options, bool]:
    """Options from the command line, and whether to print JSON instead of a table."""
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_project.bench",
        description="Load-test the project under uvicorn on 127.0.0.1 (see notebook 08).",
    )
    parser.add_argument(
        "-c",
        "--concurrency",
        type=_concurrency,
        nargs="+",
        default=None,
        help="requests in flight, one or more values (default: 10 100 500)",
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        choices=sorted(ROWS),
        default=list(DEFAULT_ROWS),
        metavar="ROW",
        help=f"endpoints to load (default: all of {', '.join(ROWS)})",
    )
    parser.add_argument(
        "--peer",
        choices=["fastapi", "none"],
        default="fastapi",
        help="the peer row (default fastapi)",
    )
    parser.add_argument(
        "--delay",
        type=_bounded(0, 5),
        default=0.2,
        help="seconds each waiting endpoint waits (0 to 5, default 0.2)",
    )
    parser.add_argument(
        "--duration",
        type=_bounded(0.2, 60),
        default=3.0,
        help="seconds of load per point (0.2 to 60, default 3)",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="uvicorn worker processes per server (default 1)",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server for Django and the peer (default uvicorn)",
    )
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="uvicorn's event loop (default asyncio)",
    )
    parser.add_argument(
        "--http",
        choices=["h11", "httptools"],
        default="h11",
        help="uvicorn's HTTP parser (default h11)",
    )
    parser.add_argument(
        "--stack",
        choices=["full", "api"],
        default="full",
        help="the project's middleware: full (default, with the admin) or api (notebook 09)",
    )
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: raw asyncio streams (default) or many httpx clients",
    )
    parser.add_argument(
        "--max-seconds",
        type=_bounded(1, 3600),
        default=600,
        help="stop the whole run after this long (default 600)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short sweep for notebooks: 0.6 s per point, shared servers, -c 10 100 unless given",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = [r for r in args.rows if not (r == "peer" and args.peer == "none")]
    options = Options(
        rows=tuple(rows),
        concurrency=tuple(args.concurrency or ((10, 100) if args.quick else DEFAULT_CONCURRENCY)),
        delay=args.delay,
        duration=0.6 if args.quick else args.duration,
        workers=args.workers,
        server=args.server,
        loop=args.loop,
        http=args.http,
        client=args.client,
        max_seconds=args.max_seconds,
        settings_env={"TUTORIAL_MIDDLEWARE": args.stack},
        fresh_servers=not args.quick,
    )
    return options, args.json


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


def _bounded(low: float, high: float):  # noqa: ANN202 - an argparse type factory
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, not {value:g}")
        return value

    return parse


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nobody listens on right now (the child binds it again)."""
    with free_socket(HOST) as sock:
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM us if the benchmark dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl-C and normal exits still stop the servers


@dataclass
class Server:
    """A server process the benchmark started."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@contextmanager
def start_server(
    name: str, command: list[str], env: dict[str, str], workdir: Path
) -> Iterator[Server]:
    """Start `command` on a free port, wait until it listens, and stop it when the block ends."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [arg.format(port=port) for arg in command],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    server = Server(name, process, port, log)
    try:
        _wait_until_listening(server, timeout=30)
        yield server
    finally:
        stop(process)


def _wait_until_listening(server: Server, timeout: float) -> None:
    """Block until the server accepts TCP connections; raise with its log if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{server.name} server exited during start-up: {' / '.join(tail)}")
        try:
            with socket.create_connection((HOST, server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{server.name} server did not listen within {timeout:g} s.")


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


def server_flavour(options: Options) -> str:
    """The loop and HTTP parser in use, e.g. "uvloop, httptools"."""
    return options.loop if options.server == "granian" else f"{options.loop}, {options.http}"


def server_command(app: str, options: Options) -> list[str]:
    """The command line that serves `app` with the run's server options."""
    if options.server == "granian":
        # granian parses HTTP in Rust, so --http does not apply to it.
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--host", HOST,
            "--port", "{port}", "--workers", str(options.workers), "--loop", options.loop,
            "--log-level", "warning", "--no-ws", app,
        ]  # fmt: skip
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        HOST,
        "--port",
        "{port}",
        "--workers",
        str(options.workers),
        "--loop",
        options.loop,
        "--http",
        options.http,
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "auto",
    ]


def prepare_database(workdir: Path, env: dict[str, str]) -> None:
    """Migrate and seed a fresh SQLite file for the project's server."""
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_library"]):
        subprocess.run(
            [sys.executable, "-m", "django", *command],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            timeout=120,
        )


# --- measuring -----------------------------------------------------------------------------------


class Sampler:
    """Samples a process tree's thread count and memory in a background thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.threads_peak = 0
        self.rss_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def sample(self) -> tuple[int, int]:
        """(threads, RSS bytes) of the process and its children, right now."""
        import psutil

        threads = rss = 0
        try:
            for process in [self.root, *self.root.children(recursive=True)]:
                with process.oneshot():
                    threads += process.num_threads()
                    rss += process.memory_info().rss
        except psutil.Error:
            pass  # a worker came or went between the two calls; the next sample counts it
        return threads, rss

    def _run(self) -> None:
        while not self._stop.is_set():
            threads, rss = self.sample()
            self.threads_peak = max(self.threads_peak, threads)
            self.rss_peak = max(self.rss_peak, rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure_point(row: Row, server: Server, concurrency: int, options: Options) -> Point:
    """Load one endpoint at one concurrency and return what was measured."""
    url = server.url + row.path.format(delay=options.delay)
    sampler = Sampler(server.process.pid)
    threads_idle, _ = sampler.sample()
    # Not counted: the first requests pay for imports, the first database connection and the
    # upstream clients' start-up, which would otherwise land in a short point's p99.
    asyncio.run(run_load(url, concurrency, WARMUP, client=options.client))
    with sampler:
        result = asyncio.run(run_load(url, concurrency, options.duration, client=options.client))
    return Point(
        row=row.name,
        label=row.label.format(delay=options.delay),
        concurrency=concurrency,
        requests=result.ok,
        errors=result.errors,
        throughput=result.throughput,
        p50=result.percentile(50),
        p99=result.percentile(99),
        threads_idle=threads_idle,
        threads_peak=sampler.threads_peak,
        rss_peak_mb=sampler.rss_peak / 2**20,
        error_kinds=result.error_kinds,
    )


def raise_open_files_limit(needed: int) -> None:
    """Lift the soft limit on open files towards the hard one; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def run(options: Options, progress: bool = True) -> list[Point]:
    """Measure every row at every concurrency; a server per row, or shared ones with --quick."""
    started = time.monotonic()
    raise_open_files_limit(4 * max(options.concurrency) + 256)
    points: list[Point] = []
    with ExitStack() as stack:
        workdir = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="async-django-bench-"))
        )
        upstream = stack.enter_context(
            start_server(
                "upstream",
                [
                    sys.executable,
                    "-m",
                    "tutorial_project.upstream",
                    "--port",
                    "{port}",
                    "--delay",
                    str(options.delay),
                ],
                {},
                workdir,
            )
        )
        django_env = {
            # Always the SQLite file below, even in a shell (or CI lane) set up for MySQL.
            "TUTORIAL_DATABASE": "sqlite",
            "TUTORIAL_MYSQL_URL": "",
            "DJANGO_SETTINGS_MODULE": "tutorial_project.settings",
            "DJANGO_DEBUG": "0",
            "TUTORIAL_DB_PATH": str(workdir / "bench.sqlite3"),
            "TUTORIAL_UPSTREAM_URL": upstream.url,
            **options.settings_env,
        }
        if any(ROWS[name].server == "django" for name in options.rows):
            prepare_database(workdir, django_env)
        commands = {
            "django": (server_command("tutorial_project.asgi:application", options), django_env),
            "fastapi": (server_command("tutorial_project.peer_fastapi:app", options), {}),
        }
        shared = {"upstream": upstream}
        for name in options.rows:
            row = ROWS[name]
            with ExitStack() as per_row:
                server = shared.get(row.server)
                if server is None:
                    command, env = commands[row.server]
                    owner = per_row if options.fresh_servers else stack
                    server = owner.enter_context(start_server(row.server, command, env, workdir))
                    if not options.fresh_servers:
                        shared[row.server] = server
                for concurrency in options.concurrency:
                    if time.monotonic() - started > options.max_seconds:
                        raise TimeoutError(f"stopped after --max-seconds {options.max_seconds:g}")
                    point = measure_point(row, server, concurrency, options)
                    points.append(point)
                    if progress:
                        print(
                            f"  {point.label} at {concurrency}: {point.throughput:,.0f} req/s",
                            file=sys.stderr,
                            flush=True,
                        )
    return points


# --- reporting -----------------------------------------------------------------------------------


def table(points: Sequence[Point]) -> str:
    """The points as a fixed-width table."""
    header = (
        f"{'endpoint':40} {'conc':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'threads':>11} {'RSS MB':>7}"
    )
    lines = [header, "-" * len(header)]
    for p in points:
        threads = f"{p.threads_idle}->{p.threads_peak}"
        lines.append(
            f"{p.label:40} {p.concurrency:5} {p.throughput:7,.0f} {p.p50 * 1000:7.0f} "
            f"{p.p99 * 1000:7.0f} {p.errors:6} {threads:>11} {p.rss_peak_mb:7.0f}"
        )
    return "\n".join(lines)


def find(points: Sequence[Point], row: str, concurrency: int) -> Point | None:
    """The point of `row` at `concurrency`, if it was measured."""
    return next((p for p in points if p.row == row and p.concurrency == concurrency), None)


def checks(points: Sequence[Point], options: Options) -> list[tuple[bool, str]]:
    """What the run must show, each as (held?, one line that says what was compared)."""
    results: list[tuple[bool, str]] = []
    top = max(options.concurrency)
    wait = options.delay
    base = find(points, "baseline", top)
    if base and wait > 0:
        ideal = top / wait
        results.append(
            (
                base.throughput >= 0.8 * ideal,
                f"load generator keeps up: baseline at {top} reached "
                f"{base.throughput:,.0f} of {ideal:,.0f} req/s "
                f"({base.throughput / ideal:.0%})",
            )
        )
    at100 = find(points, "async-upstream", 100)
    if at100 and wait > 0:
        results.append(
            (
                at100.p99 <= 1.5 * wait,
                f"async upstream-bound p99 at 100: {at100.p99 * 1000:.0f} ms "
                f"<= 1.5 x {wait * 1000:.0f} ms",
            )
        )
    busy = find(points, "async-upstream", top)
    ceiling = find(points, "ceiling", top)
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


def ratios(points: Sequence[Point]) -> list[str]:
    """Django's async waiting view as a share of the peer's and the baseline's throughput."""
    lines = []
    for p in (p for p in points if p.row == "django"):
        parts = []
        for other, name in (("peer", "FastAPI"), ("baseline", "bare ASGI")):
            q = find(points, other, p.concurrency)
            if q and q.throughput:
                parts.append(f"{p.throughput / q.throughput:.2f} of {name}")
        if parts:
            lines.append(f"Django+Ninja at {p.concurrency}: " + ", ".join(parts))
    return lines


def machine() -> dict[str, object]:
    """What the numbers depend on besides the code."""
    import django

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(terse=True),
    }


def report(points: Sequence[Point], options: Options) -> dict[str, object]:
    """Everything a run found, as JSON-ready data."""
    return {
        "options": asdict(options),
        "machine": machine(),
        "points": [asdict(p) for p in points],
        "checks": [{"held": held, "what": what} for held, what in checks(points, options)],
        "ratios": ratios(points),
    }


def measure(*args: str, timeout: float = 300) -> tuple[dict[str, Any], list[Point]]:
    """Run the benchmark in a fresh process with --json and `args`: its report and its points."""
    command = [sys.executable, "-m", "tutorial_project.bench", "--json", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
        raise RuntimeError(f"the benchmark failed (exit code {done.returncode}): {last[0]}")
    found = json.loads(done.stdout)
    return found, [Point(**point) for point in found["points"]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; 0 on success, 1 if it had to stop early."""
    options, as_json = parse_args(argv)
    points_per_row = len(options.concurrency)
    estimate = len(options.rows) * (points_per_row * (options.duration + WARMUP + 0.5) + 2)
    if estimate > options.max_seconds:
        print(
            f"This run would take about {estimate:.0f} s, more than --max-seconds "
            f"{options.max_seconds:g}; shorten --duration or pick fewer --rows.",
            file=sys.stderr,
        )
        return 2
    try:
        points = run(options, progress=not as_json)
    except KeyboardInterrupt:
        print("Interrupted; every server the benchmark started is stopped.", file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError) as exc:
        print(f"The benchmark stopped: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(report(points, options), indent=2))
        return 0
    info = machine()
    print(
        f"{info['cpus']} CPUs, Python {info['python']}, Django {info['django']}; "
        f"{options.server} x{options.workers} ({server_flavour(options)}); "
        f"{options.settings_env.get('TUTORIAL_MIDDLEWARE', 'full')} middleware;\n"
        f"{options.duration:g} s per point, load generator: {options.client}\n"
    )
    print(table(points))
    print()
    for line in ratios(points):
        print(line)
    for held, what in checks(points, options):
        print(f"{'PASS' if held else 'MISS'}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
