"""The load benchmark and its load generator: arguments, servers started and stopped, reports.

Timings are not asserted here (they belong to the benchmark's own output); what is tested is that
the benchmark refuses bad input, measures what it says, and never leaves a server behind.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
from support import listening_ips

from course_kit import bench
from course_kit.bench import run as bench_run
from course_kit.bench.cli import parse_args
from course_kit.bench.loadgen import Result, Window, keep_in_flight, run_load, split_url
from course_kit.bench.report import checks, ratios, table, why
from course_kit.bench.run import (
    Options,
    Point,
    Sample,
    Sampler,
    cores,
    mark_invalid,
    server_command,
    start_server,
    start_servers,
)
from course_kit.book_data_service import BookDataService
from course_kit.kernel import remove_stale_scratch
from course_kit.processes import free_port
from course_kit.servers import serve


def test_defaults() -> None:
    """By default: every row, baseline, peer and plain Django included, at 10, 100 and 500, three
    repeats of steady windows, Django's own handler and full middleware."""
    options, as_json = parse_args([])
    assert options.concurrency == (10, 100, 500) and not as_json
    assert options.rows[:2] == ("baseline", "peer") and {"ceiling", "plain"} <= set(options.rows)
    assert options.repeats == 3 and options.steady == 10
    assert options.settings_env == {"TUTORIAL_MIDDLEWARE": "full", "TUTORIAL_HANDLER": "stock"}


def test_quick_and_choices() -> None:
    """--quick is a short check, not steady state; --peer none drops the peer; --stack and
    --handler reach the project's settings."""
    argv = ["--quick", "--peer", "none", "--stack", "api", "--handler", "pooled", "--json"]
    options, as_json = parse_args(argv)
    assert options.concurrency == (10, 100) and options.duration == 0.5 and as_json
    assert options.repeats == 1 and options.steady == 0 and not options.fresh_servers
    assert "peer" not in options.rows
    assert options.settings_env == {"TUTORIAL_MIDDLEWARE": "api", "TUTORIAL_HANDLER": "pooled"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-c", "0"], "must be 1 or more, not 0"),
        (["-c", "3000"], "at most 2000 requests in flight"),
        (["-c", "ten"], "not a whole number: 'ten'"),
        (["--delay", "9"], "must be between 0 and 5, not 9"),
        (["--duration", "soon"], "not a number: 'soon'"),
        (["--rows", "everything"], "invalid choice: 'everything'"),
        (["--loop", "trio"], "invalid choice: 'trio'"),
        (["--handler", "fast"], "invalid choice: 'fast'"),
        (["--repeats", "0"], "must be 1 or more, not 0"),
    ],
)
def test_bad_arguments(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input is refused with a message that names the problem, before anything starts."""
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_refuses_a_run_longer_than_max_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    """A sweep that cannot fit in --max-seconds is refused up front, with the way out."""
    assert bench.main(["--duration", "60", "--max-seconds", "10"]) == 2
    assert "shorten --duration, --repeats or pick fewer --rows" in capsys.readouterr().err


def test_server_starts_answers_and_stops(tmp_path: Path) -> None:
    """start_server waits until the server listens, and stops it when the block ends."""
    command = [sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}"]
    with start_server("upstream", command, {}, tmp_path) as server:
        assert listening_ips(server.process.pid) == {"127.0.0.1"}
        result = asyncio.run(run_load(f"{server.url}/rating/1", 2, 0.2, warmup=0.05))
        process = server.process
    assert result.ok > 0 and result.errors == 0
    assert process.poll() is not None


def test_server_that_dies_at_start_up_is_reported(tmp_path: Path) -> None:
    """A server that exits during start-up raises with the end of its log, not a hang."""
    command = [sys.executable, "-c", "raise SystemExit('no such app')"]
    with pytest.raises(RuntimeError, match="exited during start-up: no such app"):
        with start_server("broken", command, {}, tmp_path):
            pass


def test_servers_start_together_and_stop_one_by_one_or_at_the_end(tmp_path: Path) -> None:
    """start_servers: all listen; one stopped early stays stopped; the end stops the rest."""
    command = [sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}"]
    specs = {name: (command, {}) for name in ("a", "b", "c")}
    with start_servers(specs, tmp_path) as servers:
        processes = [server.process for server in servers.values()]
        assert all(listening_ips(process.pid) == {"127.0.0.1"} for process in processes)
        servers["a"].stop()
        assert [process.poll() is None for process in processes] == [False, True, True]
    assert all(process.poll() is not None for process in processes)


def test_servers_started_together_get_ports_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS may hand out a closed probe's port again: start_servers never gives it twice."""
    first, second = free_port(), free_port()
    while second == first:  # the very thing this test is about
        second = free_port()
    draws = iter([first, first, second])
    monkeypatch.setattr(bench_run, "free_port", lambda host: next(draws))
    command = [sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}"]
    with start_servers({"a": (command, {}), "b": (command, {})}, tmp_path) as servers:
        assert {server.port for server in servers.values()} == {first, second}
        assert all(listening_ips(server.process.pid) for server in servers.values())


def test_a_server_that_dies_at_start_up_stops_the_others(tmp_path: Path) -> None:
    """One broken command among several: the error names it, and none of the others runs on."""
    good = [sys.executable, "-m", "course_kit.book_data_service", "--port", "{port}"]
    broken = [sys.executable, "-c", "raise SystemExit('no such app')"]
    with pytest.raises(RuntimeError, match="broken server exited during start-up: no such app"):
        with start_servers({"good": (good, {}), "broken": (broken, {})}, tmp_path):
            pass
    children = psutil.Process().children()
    assert not [c for c in children if "book_data_service" in " ".join(c.cmdline())]


def bench_children(parent: psutil.Process, timeout: float = 60) -> list[psutil.Process]:
    """The benchmark's server processes, once the Django server (started second) listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        try:
            django = [c for c in children if "tutorial_project.asgi" in " ".join(c.cmdline())]
            if django and listening_ips(django[0].pid):
                return children
        except psutil.Error:
            pass  # a child that just exited (the database set-up's) and is not yet reaped
        time.sleep(0.2)
    raise AssertionError("the benchmark never got its Django server listening")


# The baseline runs first (one 3 s window), then the Django server starts for the django row,
# whose 3 s window leaves the tests time to look at the servers and signal the run mid-point.
# Two users of views that wait 0.3 s keep the cores nearly idle, so these tests can share the
# machine with the timing-sensitive notebooks.
BENCH = [
    sys.executable, "-m", "course_kit.bench", "--rows", "django", "-c", "2",
    "--duration", "3", "--repeats", "1", "--delay", "0.3",
]  # fmt: skip


@pytest.mark.slow
def test_ctrl_c_stops_every_server_and_they_listen_on_loopback_only() -> None:
    """Mid-run, every server the benchmark started listens on 127.0.0.1 only; SIGINT then ends
    the run with exit code 1 and a one-line message, and no server is left running."""
    process = subprocess.Popen(BENCH, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = bench_children(psutil.Process(process.pid))
    servers = [c for c in children if listening_ips(c.pid)]
    assert len(servers) >= 2  # the book-data service and Django
    assert all(listening_ips(c.pid) == {"127.0.0.1"} for c in servers)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "Interrupted; every server the benchmark started is stopped." in err
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_servers_die_with_a_killed_benchmark() -> None:
    """SIGKILL leaves the benchmark no chance to clean up: its servers still go (Linux)."""
    process = subprocess.Popen(BENCH, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = bench_children(psutil.Process(process.pid))
    assert process.poll() is None, "the run ended before it could be killed"
    # Its scratch folder is named after it, so that once it is killed the next run or setup()
    # removes it (here, or in another test's kernel meanwhile).
    left = list(Path(tempfile.gettempdir()).glob(f"async-django-{process.pid}-bench-*"))
    assert left
    process.kill()
    process.wait(10)
    # Linux sends each server its SIGTERM at once; they are gone within about 2 s here. The bound is
    # what a server that outlives the benchmark costs make mutants.
    gone, alive = psutil.wait_procs(children, timeout=8)
    assert not alive
    remove_stale_scratch()
    assert not any(folder.exists() for folder in left)


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_server_commands_bind_loopback(server: str) -> None:
    """Both servers the benchmark can use are told to bind 127.0.0.1."""
    command = server_command("tutorial_project.asgi:application", Options(server=server))
    assert command[command.index("--host") + 1] == "127.0.0.1"


def test_cores_pins_apart_only_with_four_or_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """With 2 cores the servers and the load generator share; with 8, half each; --pin off: none."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert cores(Options()) is None
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert cores(Options()) == ({0, 1, 2, 3}, {4, 5, 6, 7})
    assert cores(Options(pin="off")) is None


def point(
    row: str, concurrency: int, *throughputs: float, p99: float = 0.2, errors: int = 0
) -> Point:
    """A made-up measurement: one steady sample per throughput given (p50 0.2 s, 10 s window)."""
    samples = [Sample(t, 0.2, p99, int(t * 10), errors, 10.0) for t in throughputs]
    return Point(row, row, concurrency, samples, 1, 2, 50.0)


def test_point_reports_the_median_and_spread_of_its_repeats() -> None:
    """Three repeats of 90, 100 and 110 req/s: median 100, spread 20%."""
    p = point("django", 500, 90, 110, 100)
    assert p.throughput == 100 and round(p.spread, 2) == 0.2 and p.steady


def test_a_window_shorter_than_ten_medians_is_not_steady() -> None:
    """0.6 s of window at a 0.2 s median is a burst: the point says so, and so do the checks."""
    burst = Point("django", "django", 500, [Sample(259, 0.2, 0.3, 155, 0, 0.6)])
    assert not burst.steady
    held, what = checks([burst], Options(concurrency=(500,)))[0]
    assert (
        not held and what == "steady windows (each at least 10 x its p50): django at 500 too short"
    )


def test_points_where_the_baseline_fails_are_invalid() -> None:
    """Below 90% of concurrency/wait, every point at that concurrency is marked, not read."""
    points = [
        point("baseline", 100, 490),
        point("baseline", 500, 1900),  # 76% of the 2,500 the wait allows
        point("django", 100, 200),
        point("django", 500, 300),
    ]
    mark_invalid(points, delay=0.2)
    assert [p.invalid != "" for p in points] == [False, True, False, True]
    assert "did not keep up at 500 in flight (baseline 1,900 of 2,500 req/s)" in points[3].invalid
    assert "INVALID" in table(points).splitlines()[-1]


def test_checks_and_ratios() -> None:
    """The report compares what the issue asks for, and says PASS or MISS with the numbers."""
    options = Options(concurrency=(100, 500), delay=0.2)
    points = [
        point("baseline", 500, 2400),
        point("ceiling", 500, 800),
        point("async-upstream", 100, 480, p99=0.25),
        point("async-upstream", 500, 700),
        point("django", 500, 600, 610, 590),
        point("peer", 500, 2000, 2000, 2000),
    ]
    results = dict((what, held) for held, what in checks(points, options))
    assert results["load generator keeps up at 500: baseline 2,400 of 2,500 req/s (96%, needs 90%)"]
    assert results["async upstream-bound p99 at 100: 250 ms <= 1.5 x 200 ms"]
    assert results[
        "async upstream-bound at 500: 700 req/s >= 80% of min(2,500, ceiling 800), 0 errors"
    ]
    assert not results[
        "Django+Ninja at 500: 0.30 of FastAPI >= 0.5 (not the tuned configuration "
        "(--handler pooled --stack api), asyncio, h11)"
    ]
    assert results["that ratio is stable: spread 3% over 3 repeats (<= 15%, at least 3)"]
    assert ratios(points) == ["Django+Ninja at 500: 0.30 of FastAPI, 0.25 of bare ASGI"]
    slow = [point("async-upstream", 100, 300, p99=0.5)]
    assert (False, "async upstream-bound p99 at 100: 500 ms <= 1.5 x 200 ms") in checks(
        slow, options
    )


def test_ratio_is_the_median_of_repeat_by_repeat_ratios_with_their_spread() -> None:
    """Each repeat is divided by the peer's same repeat (same run), not medians by medians."""
    points = [
        point("django", 500, 600, 900, 300),
        point("peer", 500, 2000, 3000, 1000),
        point("plain", 500, 400, 500, 600),
    ]
    assert bench.ratio(points, 500) == (0.3, 0.0)  # 0.3 in every repeat: no spread
    middle, spread = bench.ratio(points, 500, "plain")
    assert (round(middle, 2), round(spread, 2)) == (0.2, 2.17)  # 0.2, 1/6, 0.6: (0.6 - 1/6) / 0.2
    with pytest.raises(LookupError, match="no 'django' and 'peer' points at 100"):
        bench.ratio(points, 100)


def test_json_report_round_trips() -> None:
    """--json's report holds the options, the machine, the points and the checks; the points
    come back from it whole."""
    report = bench.report.report([point("baseline", 10, 50, 49, 51)], Options(concurrency=(10,)))
    decoded = json.loads(json.dumps(report))
    assert {"options", "machine", "checks", "ratios"} <= decoded.keys()
    again = Point.from_dict(decoded["points"][0])
    assert again.row == "baseline" and again.throughput == 50 and len(again.samples) == 3


def test_percentiles() -> None:
    """Nearest-rank percentiles of the latencies."""
    result = Result(latencies=[i / 100 for i in range(1, 101)])
    assert result.percentile(50) == 0.5 and result.percentile(99) == 0.99
    assert result.percentile(100) == 1.0


def test_split_url() -> None:
    """Only plain http URLs; the path keeps its query."""
    assert split_url("http://127.0.0.1:8000/a?b=1") == ("127.0.0.1", 8000, "/a?b=1")
    with pytest.raises(ValueError, match="Only plain http://"):
        split_url("https://example.com/")


async def chunked_app(scope, receive, send) -> None:
    """An ASGI app that answers 200 in two chunks, without Content-Length."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello ", "more_body": True})
    await send({"type": "http.response.body", "body": b"world"})


@pytest.mark.parametrize("client", ["raw", "httpx"])
def test_load_generator_reads_chunked_and_counts_statuses(client: str) -> None:
    """Chunked bodies are read to the end; non-200 answers count as errors, by status."""
    with serve(chunked_app) as server:
        ok = asyncio.run(run_load(f"{server.url}/", 3, 0.2, client=client, warmup=0.05))
    with serve(BookDataService(status=503)) as server:
        failing = asyncio.run(
            run_load(f"{server.url}/rating/1", 3, 0.2, client=client, warmup=0.05)
        )
    assert ok.ok > 3 and ok.errors == 0
    assert failing.ok == 0 and set(failing.error_kinds) == {"HTTP 503"}


def test_window_opens_after_every_user_is_answered_and_lasts_ten_medians() -> None:
    """Users answered after 0.1 s each: the window waits for all of them, then lasts at least 10
    x the 0.1 s median (1 s, more than the 0.2 s asked), and every user completes many requests."""
    service = BookDataService(delay=0.1)
    with serve(service) as server:
        result = asyncio.run(run_load(f"{server.url}/rating/1", 5, 0.2, warmup=0.05, steady=10))
    assert result.warmup >= 0.1 and result.window >= 1.0
    assert min(result.per_user) >= 8 and result.errors == 0
    # Only what completed inside the window counts: at most window / 0.1 s per user.
    assert max(result.per_user) <= result.window / 0.1 + 1


def test_window_stretches_when_latency_grows_after_it_opens() -> None:
    """Answers take 10 ms while warming up, then 50 ms: the window the warm-up sized (10 x 10 ms)
    is stretched to 10 x the 50 ms median seen inside it. The meter is read at its two ends."""
    sent = [0] * 4

    def sender(user: int):
        async def send() -> int:
            sent[user] += 1
            await asyncio.sleep(0.01 if sent[user] <= 3 else 0.05)
            return 200

        return send

    window = Window(duration=0.05, warmup=0.0, steady=10, meter=time.perf_counter)
    result = asyncio.run(keep_in_flight([sender(i) for i in range(4)], window, ()))
    assert result.percentile(50) >= 0.05
    assert 0.5 <= result.window < 1.0
    assert result.metered == pytest.approx(result.window, abs=0.01)


def test_cpu_per_request_and_cores_busy() -> None:
    """2 CPU seconds over a 4 s window with 1,000 answers: 2 ms per request, half a core."""
    sample = Sample(250, 0.2, 0.3, 1000, 0, 4.0, server_cpu=2.0)
    assert sample.cpu_per_request == 0.002 and sample.cores_busy == 0.5
    p = Point("django", "django", 500, [sample, sample, sample])
    assert p.cpu_per_request == 0.002 and p.cores_busy == 0.5


def test_a_missed_ratio_says_where_the_cpu_went() -> None:
    """When Django falls short of half FastAPI's throughput, the MISS line says why: its server's
    cores busy and CPU per request, against FastAPI's; "CPU-bound" only near a full core."""
    busy = [Sample(300, 1.5, 2.0, 3000, 0, 10.0, server_cpu=9.8)] * 3
    idle = [Sample(2000, 0.2, 0.3, 20000, 0, 10.0, server_cpu=6.0)] * 3
    points = [Point("django", "d", 500, busy), Point("peer", "p", 500, idle)]
    held, what = checks(points, Options(concurrency=(500,)))[-2]
    assert not held
    assert what.endswith(
        "; why: Django's server was CPU-bound, 0.98 cores busy at 3,267 us of CPU per request, "
        "FastAPI's 0.60 cores at 300 us"
    )
    half = [Point("django", "d", 500, [Sample(300, 1.5, 2.0, 3000, 0, 10.0, server_cpu=5.0)])]
    assert "CPU-bound" not in why(half + points[1:], 500, workers=1)


def test_sampler_counts_threads_only_inside_windows() -> None:
    """Threads started outside a window do not count; inside one (between the two meter readings,
    as run_load takes them) they do: the peak is steady state's, not the gap between repeats'."""
    release = threading.Event()

    def park(count: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=release.wait, daemon=True) for _ in range(count)]
        for thread in threads:
            thread.start()
        return threads

    sampler = Sampler(os.getpid(), interval=0.005)
    with sampler:
        outside = park(20)
        time.sleep(0.1)
        release.set()
        for thread in outside:
            thread.join(5)
        release.clear()
        before = sampler.window_meter()  # the window opens
        inside = park(5)
        time.sleep(0.1)
        after = sampler.window_meter()  # and closes
        release.set()
        for thread in inside:
            thread.join(5)
    baseline, _ = sampler.sample()
    assert after >= before
    assert baseline + 5 <= sampler.threads_peak < baseline + 20
