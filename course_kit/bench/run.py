"""The benchmark's run: the rows, the servers it starts, and the points it measures.

Every server runs in a process of its own on 127.0.0.1 and is stopped on the way out, also on
Ctrl-C and, on Linux, when the benchmark itself is killed.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from course_kit.bench.loadgen import run_load
from course_kit.kernel import remove_stale_scratch, scratch_prefix
from course_kit.processes import free_port, stop_process

HOST = "127.0.0.1"
# Seconds of load before each point's window opens (and at least until every user has an answer).
WARMUP = 0.3
# A point's window lasts at least this many times its median latency, so that every connection
# completes many requests inside it: steady state, not one burst per connection.
STEADY = 10
ServerName = Literal["upstream", "django", "fastapi"]


@dataclass(frozen=True)
class Row:
    """One endpoint to load: which server serves it, and the path to GET."""

    name: str
    server: ServerName
    path: str  # may contain {delay}
    label: str


ROWS = {
    row.name: row
    for row in [
        Row("baseline", "upstream", "/rating/1", "bare ASGI app, waits {delay:g} s"),
        Row("peer", "fastapi", "/api/async-hello?delay={delay:g}", "FastAPI, waits {delay:g} s"),
        Row(
            "django",
            "django",
            "/api/async-hello?delay={delay:g}",
            "Django+Ninja, waits {delay:g} s",
        ),
        Row(
            "plain",
            "django",
            "/plain/async-hello?delay={delay:g}",
            "plain Django, waits {delay:g} s",
        ),
        Row("ceiling", "django", "/api/async-hello?delay=0", "Django+Ninja, no wait"),
        Row("async-upstream", "django", "/api/books/1/rating", "async view, query + upstream"),
        Row("sync-upstream", "django", "/api/sync/books/1/rating", "sync view, query + upstream"),
        Row("async-db", "django", "/api/books/1", "async view, one SQLite query"),
        Row("sync-db", "django", "/api/sync/books/1", "sync view, one SQLite query"),
    ]
}


@dataclass
class Options:
    """Everything a run depends on (the command line, parsed)."""

    rows: tuple[str, ...] = tuple(ROWS)
    concurrency: tuple[int, ...] = (10, 100, 500)
    delay: float = 0.2
    duration: float = 3.0
    repeats: int = 3
    workers: int = 1
    server: Literal["uvicorn", "granian"] = "uvicorn"
    loop: Literal["asyncio", "uvloop"] = "asyncio"
    http: Literal["h11", "httptools"] = "h11"
    client: Literal["raw", "httpx"] = "raw"
    max_seconds: float = 1800.0
    # Environment for the project's server: TUTORIAL_MIDDLEWARE, TUTORIAL_HANDLER.
    settings_env: dict[str, str] = field(default_factory=dict)
    # A fresh server per row keeps each row's peak memory its own; sharing saves start-ups.
    fresh_servers: bool = True
    # "auto": servers and load generator on separate cores when there are 4 or more.
    pin: Literal["auto", "off"] = "auto"
    # Windows last at least this many times their median latency; 0 for a quick check
    # whose points the table then marks as short windows, not steady state.
    steady: float = STEADY


@dataclass
class Sample:
    """One repeat of one point: what its counted window saw."""

    throughput: float
    p50: float
    p99: float
    requests: int
    errors: int
    window: float
    error_kinds: dict[str, int] = field(default_factory=dict)
    # CPU seconds (user + system) the server's processes used inside the window.
    server_cpu: float = 0.0

    @property
    def steady(self) -> bool:
        """Whether the window lasted many times the median latency (not a single burst)."""
        return self.window >= STEADY * self.p50 if self.requests else False

    @property
    def cpu_per_request(self) -> float:
        """The server's CPU seconds per answered request inside the window."""
        return self.server_cpu / self.requests if self.requests else 0.0

    @property
    def cores_busy(self) -> float:
        """How many cores the server kept busy on average: 1.0 is one core, all the time."""
        return self.server_cpu / self.window if self.window else 0.0


@dataclass
class Point:
    """One endpoint at one concurrency: its repeats, and the server's threads and memory."""

    row: str
    label: str
    concurrency: int
    samples: list[Sample]
    threads_idle: int = 0
    threads_peak: int = 0
    rss_peak_mb: float = 0.0
    # Why the point must not be read, if it must not (the baseline failed at this concurrency).
    invalid: str = ""

    @property
    def throughput(self) -> float:
        """Median requests per second over the repeats."""
        return statistics.median(s.throughput for s in self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median of the repeats' throughputs: 0.1 means they differ by 10%."""
        values = [s.throughput for s in self.samples]
        middle = statistics.median(values)
        return (max(values) - min(values)) / middle if middle else float("inf")

    @property
    def p50(self) -> float:
        return statistics.median(s.p50 for s in self.samples)

    @property
    def p99(self) -> float:
        return statistics.median(s.p99 for s in self.samples)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.samples)

    @property
    def cpu_per_request(self) -> float:
        """Median over the repeats of the server's CPU seconds per request."""
        return statistics.median(s.cpu_per_request for s in self.samples)

    @property
    def cores_busy(self) -> float:
        """Median over the repeats of the cores the server kept busy."""
        return statistics.median(s.cores_busy for s in self.samples)

    @property
    def steady(self) -> bool:
        return all(s.steady for s in self.samples)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        """A Point from its JSON form (asdict)."""
        samples = [Sample(**sample) for sample in data["samples"]]
        return cls(**{**data, "samples": samples})


# --- servers -------------------------------------------------------------------------------------


def cores(options: Options) -> tuple[set[int], set[int]] | None:
    """(server cores, load generator cores), or None when they share the machine's cores."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if options.pin == "off" or len(available) < 4:
        return None
    half = len(available) // 2
    return set(available[:half]), set(available[half:])


def _child_setup(server_cores: set[int] | None) -> Callable[[], None]:
    """What a server process does before exec: die with the benchmark; keep to its cores."""

    def setup() -> None:
        try:
            import ctypes

            # PR_SET_PDEATHSIG: Linux SIGTERMs us if the benchmark dies, even by SIGKILL.
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
        except (OSError, AttributeError):
            pass  # not Linux: Ctrl-C and normal exits still stop the servers
        if server_cores:
            os.sched_setaffinity(0, server_cores)

    return setup


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

    def stop(self) -> None:
        """Stop it now, before its block ends (which then has nothing left to stop)."""
        stop_process(self.process)


def _launch(
    name: str,
    command: list[str],
    env: dict[str, str],
    workdir: Path,
    server_cores: set[int] | None,
    taken: Collection[int] = (),
) -> Server:
    """Start `command` on a free port not in `taken`, its output in `workdir/<name>.log`."""
    # The OS can hand out a port again once its probe is closed: one draw per server started
    # together could give two of them the same port, and the second would wait on the first.
    port = free_port(HOST)
    while port in taken:
        port = free_port(HOST)
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [arg.format(port=port) for arg in command],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_child_setup(server_cores) if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    return Server(name, process, port, log)


@contextmanager
def start_server(
    name: str,
    command: list[str],
    env: dict[str, str],
    workdir: Path,
    server_cores: set[int] | None = None,
) -> Iterator[Server]:
    """Start `command` on a free port, wait until it listens, and stop it when the block ends."""
    with start_servers({name: (command, env)}, workdir, server_cores) as servers:
        yield servers[name]


@contextmanager
def start_servers(
    specs: dict[str, tuple[list[str], dict[str, str]]],
    workdir: Path,
    server_cores: set[int] | None = None,
) -> Iterator[dict[str, Server]]:
    """Start a server per (command, env) at once, wait until all listen, stop all at the end."""
    # At once, because each one spends its first half second importing Django: four started
    # together on two cores are ready in about half the time of four started one by one.
    servers: dict[str, Server] = {}
    try:
        for name, (command, env) in specs.items():
            taken = {server.port for server in servers.values()}
            servers[name] = _launch(name, command, env, workdir, server_cores, taken)
        for server in servers.values():
            _wait_until_listening(server, timeout=30)
        yield servers
    finally:
        for server in servers.values():
            server.stop()


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
        sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", "{port}",
        "--workers", str(options.workers), "--loop", options.loop, "--http", options.http,
        "--log-level", "warning", "--no-access-log", "--lifespan", "auto",
    ]  # fmt: skip


def prepare_database(env: dict[str, str]) -> None:
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
    """Samples a process tree's thread count and memory in a background thread.

    Memory peaks over the whole point. Threads peak only inside the counted windows: between two
    windows the server still finishes the requests the last one left (the load generator cancels
    them when a window closes) while the next repeat opens new ones, a moment of up to twice the
    requests in flight that steady state does not have. `window_meter` marks the windows.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.threads_peak = 0
        self.rss_peak = 0
        self.in_window = False
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

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) the process and its children have used so far."""
        import psutil

        total = 0.0
        try:
            for process in [self.root, *self.root.children(recursive=True)]:
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            pass  # a worker came or went; rare, and only while workers start or stop
        return total

    def window_meter(self) -> float:
        """The `meter` run_load reads as a window opens and as it closes: CPU seconds so far; each
        reading also switches the counting of threads on (opening) or off (closing)."""
        self.in_window = not self.in_window
        return self.cpu_seconds()

    def _run(self) -> None:
        while not self._stop.is_set():
            threads, rss = self.sample()
            if self.in_window:
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
    """Load one endpoint at one concurrency, `options.repeats` times, and return the point."""
    url = server.url + row.path.format(delay=options.delay)
    sampler = Sampler(server.process.pid)
    threads_idle, _ = sampler.sample()
    samples = []
    with sampler:
        for _ in range(options.repeats):
            result = asyncio.run(
                run_load(
                    url,
                    concurrency,
                    options.duration,
                    client=options.client,
                    warmup=WARMUP,
                    steady=options.steady,
                    meter=sampler.window_meter,
                )
            )
            samples.append(
                Sample(
                    throughput=result.throughput,
                    p50=result.percentile(50),
                    p99=result.percentile(99),
                    requests=result.ok,
                    errors=result.errors,
                    window=result.window,
                    error_kinds=result.error_kinds,
                    server_cpu=result.metered,
                )
            )
    return Point(
        row=row.name,
        label=row.label.format(delay=options.delay),
        concurrency=concurrency,
        samples=samples,
        threads_idle=threads_idle,
        threads_peak=sampler.threads_peak,
        rss_peak_mb=sampler.rss_peak / 2**20,
    )


def raise_open_files_limit(needed: int) -> None:
    """Lift the soft limit on open files towards the hard one; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def mark_invalid(points: list[Point], delay: float) -> None:
    """Mark every point at a concurrency where the baseline reached < 90% of what it allows."""
    for base in (p for p in points if p.row == "baseline"):
        allowed = base.concurrency / delay if delay else float("inf")
        if base.throughput < 0.9 * allowed:
            why = (
                f"the load generator did not keep up at {base.concurrency} in flight (baseline "
                f"{base.throughput:,.0f} of {allowed:,.0f} req/s)"
            )
            for point in points:
                if point.concurrency == base.concurrency:
                    point.invalid = why


def run(options: Options, progress: bool = True) -> list[Point]:
    """Measure every row at every concurrency; the baseline first, and always."""
    started = time.monotonic()
    raise_open_files_limit(4 * max(options.concurrency) + 256)
    pinned = cores(options)
    if pinned:
        os.sched_setaffinity(0, pinned[1])
    rows = ["baseline", *(name for name in options.rows if name != "baseline")]
    points: list[Point] = []
    with ExitStack() as stack:
        # Named after our process id: if we are killed (SIGKILL runs no cleanup), the next run or
        # notebook setup() deletes it.
        remove_stale_scratch()
        workdir = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix=scratch_prefix("bench")))
        )
        servers = Servers(options, workdir, stack, pinned[0] if pinned else None)
        for name in rows:
            row = ROWS[name]
            with ExitStack() as per_row:
                server = servers.get(row.server, per_row)
                for concurrency in options.concurrency:
                    if time.monotonic() - started > options.max_seconds:
                        raise TimeoutError(f"stopped after --max-seconds {options.max_seconds:g}")
                    point = measure_point(row, server, concurrency, options)
                    points.append(point)
                    if progress:
                        print(
                            f"  {point.label} at {concurrency}: {point.throughput:,.0f} req/s "
                            f"(spread {point.spread:.0%})",
                            file=sys.stderr,
                            flush=True,
                        )
    mark_invalid(points, options.delay)
    return points


class Servers:
    """The servers of one run: the book-data service for all of it, the others per row or shared."""

    def __init__(
        self, options: Options, workdir: Path, stack: ExitStack, server_cores: set[int] | None
    ) -> None:
        self.options, self.workdir, self.stack = options, workdir, stack
        self.server_cores = server_cores
        upstream_command = [
            sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}",
            "--delay", str(options.delay),
        ]  # fmt: skip
        self.shared = {"upstream": self._start("upstream", upstream_command, {}, stack)}
        self.django_env = {
            # Always the SQLite file below, even in a shell (or CI lane) set up for MySQL.
            "TUTORIAL_DATABASE": "sqlite",
            "TUTORIAL_MYSQL_URL": "",
            "DJANGO_SETTINGS_MODULE": "tutorial_project.settings",
            "DJANGO_DEBUG": "0",
            "TUTORIAL_DB_PATH": str(workdir / "bench.sqlite3"),
            "TUTORIAL_UPSTREAM_URL": self.shared["upstream"].url,
            **options.settings_env,
        }
        if any(ROWS[name].server == "django" for name in options.rows):
            prepare_database(self.django_env)

    def _start(
        self, name: str, command: list[str], env: dict[str, str], owner: ExitStack
    ) -> Server:
        return owner.enter_context(
            start_server(name, command, env, self.workdir, self.server_cores)
        )

    def get(self, name: ServerName, per_row: ExitStack) -> Server:
        """The server for a row: shared, or started for this row alone (fresh_servers)."""
        if name in self.shared:
            return self.shared[name]
        apps = {
            "django": ("tutorial_project.asgi:application", self.django_env),
            "fastapi": ("course_kit.bench.peer_fastapi:app", {}),
        }
        app, env = apps[name]
        owner = per_row if self.options.fresh_servers else self.stack
        server = self._start(name, server_command(app, self.options), env, owner)
        if not self.options.fresh_servers:
            self.shared[name] = server
        return server
