"""The load benchmark and its load generator: arguments, servers started and stopped, reports.

Timings are not asserted here (they belong to the benchmark's own output); what is tested is that
the benchmark refuses bad input, measures what it says, and never leaves a server behind.
"""

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tutorial_project import bench
from tutorial_project.bench import Options, Point, checks, parse_args, ratios, start_server, table
from tutorial_project.loadgen import Result, run_load, split_url
from tutorial_project.servers import serve
from tutorial_project.upstream import BookDataService


def test_defaults() -> None:
    """By default: every row, including the baseline and the peer, at 10, 100 and 500."""
    options, as_json = parse_args([])
    assert options.concurrency == (10, 100, 500) and not as_json
    assert options.rows[:2] == ("baseline", "peer") and "ceiling" in options.rows
    assert options.settings_env == {"TUTORIAL_MIDDLEWARE": "full"}


def test_quick_and_choices() -> None:
    """--quick is the short sweep; --peer none drops the peer; --stack reaches the settings."""
    options, as_json = parse_args(["--quick", "--peer", "none", "--stack", "api", "--json"])
    assert options.concurrency == (10, 100) and options.duration == 0.6 and as_json
    assert not options.fresh_servers
    assert "peer" not in options.rows
    assert options.settings_env == {"TUTORIAL_MIDDLEWARE": "api"}


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
    assert "shorten --duration or pick fewer --rows" in capsys.readouterr().err


def test_server_starts_answers_and_stops(tmp_path: Path) -> None:
    """start_server waits until the server listens, and stops it when the block ends."""
    command = [sys.executable, "-m", "tutorial_project.upstream", "--port", "{port}"]
    with start_server("upstream", command, {}, tmp_path) as server:
        result = asyncio.run(run_load(f"{server.url}/rating/1", 2, 0.2))
        process = server.process
    assert result.ok > 0 and result.errors == 0
    assert process.poll() is not None


def test_server_that_dies_at_start_up_is_reported(tmp_path: Path) -> None:
    """A server that exits during start-up raises with the end of its log, not a hang."""
    command = [sys.executable, "-c", "raise SystemExit('no such app')"]
    with pytest.raises(RuntimeError, match="exited during start-up: no such app"):
        with start_server("broken", command, {}, tmp_path):
            pass


def test_ctrl_c_stops_every_server(tmp_path: Path) -> None:
    """SIGINT in the middle of a run: exit code 1, a one-line message, no server left running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tutorial_project.bench", "--rows", "baseline", "ceiling",
         "--duration", "30", "-c", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 60
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and len(children) < 1:
        time.sleep(0.2)
        children = [c for c in parent.children() if "upstream" in " ".join(c.cmdline())]
    assert children, "the benchmark never started its upstream server"
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "Interrupted; every server the benchmark started is stopped." in err
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive


def point(row: str, concurrency: int, throughput: float, p99: float = 0.2, errors: int = 0):
    """A made-up measurement."""
    return Point(row, row, concurrency, 100, errors, throughput, 0.2, p99, 1, 2, 50.0)


def test_checks_and_ratios() -> None:
    """The report compares what the issue asks for, and says PASS or MISS with the numbers."""
    options = Options(concurrency=(100, 500), delay=0.2)
    points = [
        point("baseline", 500, 2400),
        point("ceiling", 500, 800),
        point("async-upstream", 100, 480, p99=0.25),
        point("async-upstream", 500, 700),
        point("django", 500, 600),
        point("peer", 500, 2000),
    ]
    results = checks(points, options)
    assert [held for held, _ in results] == [True, True, True]
    assert "baseline at 500 reached 2,400 of 2,500 req/s (96%)" in results[0][1]
    assert ratios(points) == ["Django+Ninja at 500: 0.30 of FastAPI, 0.25 of bare ASGI"]
    slow = [point("async-upstream", 100, 300, p99=0.5)]
    assert checks(slow, options) == [
        (False, "async upstream-bound p99 at 100: 500 ms <= 1.5 x 200 ms")
    ]
    assert "Django+Ninja, async" not in table(points) and "800" in table(points)


def test_json_report_is_json() -> None:
    """--json's report holds the options, the machine, the points and the checks."""
    report = bench.report([point("baseline", 10, 50)], Options(concurrency=(10,)))
    decoded = json.loads(json.dumps(report))
    assert decoded["points"][0]["row"] == "baseline"
    assert {"options", "machine", "checks", "ratios"} <= decoded.keys()


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
        ok = asyncio.run(run_load(f"{server.url}/", 3, 0.2, client=client))
    with serve(BookDataService(status=503)) as server:
        failing = asyncio.run(run_load(f"{server.url}/rating/1", 3, 0.2, client=client))
    assert ok.ok > 3 and ok.errors == 0
    assert failing.ok == 0 and set(failing.error_kinds) == {"HTTP 503"}
