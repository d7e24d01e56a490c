"""Deliberate regressions the tests must catch: `make mutants` (python tests/mutants.py).

Each mutant is a small patch to the project (a text replacement that must match exactly once) and
the tests that exist to catch it. The runner copies the checkout to a temporary folder, checks
that those tests pass there unpatched, then applies each mutant alone, to a copy of its own, and
runs its tests (`--jobs` mutants at a time): a mutant whose tests still pass has SURVIVED, and the
run fails. A test that cannot fail for the reason it
exists is how the suite goes blind; this list is the proof that it has not.

    python tests/mutants.py            # every mutant, one at a time (make mutants: four)
    python tests/mutants.py -k 504     # the mutants whose name contains "504"
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = (".git", ".venv", ".venv-latest", "build", "__pycache__", ".ruff_cache", "*.sqlite3")


@dataclass(frozen=True)
class Mutant:
    """A regression: in `path`, `old` (exactly once) becomes `new`; `tests` must then fail."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "a Korean entry of an older English text passes for current",
        "course_tools/translations.py",
        'if cell_id in entries and entries[cell_id].get("source") != source_hash(text)',
        "if cell_id in entries and False",
        (
            "tests/tools/test_translations.py::"
            "test_an_english_edit_makes_its_entry_stale_and_the_build_refuses_it",
        ),
    ),
    Mutant(
        "async view that blocks the loop",
        "tutorial_project/library/api.py",
        '    await asyncio.sleep(delay)\n    return {"message": "Hello from async view!"}',
        '    time.sleep(delay)\n    return {"message": "Hello from async view!"}',
        ("tests/project/test_asgi.py::test_async_requests_overlap",),
    ),
    Mutant(
        "lab's awaiting view that blocks",
        "tutorial_project/experiments/views.py",
        '    await asyncio.sleep(delay)\n    return report("async + asyncio.sleep", started)',
        '    time.sleep(delay)\n    return report("async + asyncio.sleep", started)',
        ("tests/project/test_experiments.py::test_async_sleep_overlaps_without_blocking",),
    ),
    Mutant(
        "lab's blocking view quietly fixed",
        "tutorial_project/experiments/views.py",
        "    time.sleep(delay)  # noqa: ASYNC251 - the mistake this endpoint exists to show",
        "    await asyncio.sleep(delay)",
        ("tests/project/test_experiments.py::test_async_block_runs_one_view_at_a_time",),
    ),
    Mutant(
        "the ORM called on the event loop",
        "tutorial_project/library/api.py",
        "user = await sync_to_async(User.objects.get)(username=username)",
        "user = User.objects.get(username=username)",
        ("tests/project/test_api.py",),
    ),
    Mutant(
        "a socket without IPPROTO_TCP (40 ms per small response)",
        "course_kit/processes.py",
        "socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)",
        "socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)",
        ("tests/project/test_asgi.py::test_free_socket_is_declared_tcp",),
    ),
    Mutant(
        "serve() listening on every interface",
        "course_kit/servers.py",
        "    sock = free_socket(host)",
        '    sock = free_socket("0.0.0.0")',
        ("tests/project/test_asgi.py::test_served_by_uvicorn_on_loopback",),
    ),
    Mutant(
        "serve_wsgi() listening on every interface",
        "course_kit/servers.py",
        "    server = _PooledWSGIServer((host, 0), threads)",
        '    server = _PooledWSGIServer(("", 0), threads)',
        ("tests/kit/test_servers.py::test_serve_wsgi_runs_requests_on_at_most_its_threads",),
    ),
    Mutant(
        "serve_wsgi() with one thread too many",
        "course_kit/servers.py",
        "ThreadPoolExecutor(max_workers=threads,",
        "ThreadPoolExecutor(max_workers=threads + 1,",
        ("tests/kit/test_servers.py::test_serve_wsgi_runs_requests_on_at_most_its_threads",),
    ),
    Mutant(
        "the book-data service's command line listening on every interface",
        "course_kit/book_data_service.py",
        '{"host": "127.0.0.1", "port": args.port}',
        '{"host": "0.0.0.0", "port": args.port}',
        ("tests/kit/test_book_data_service.py::test_service_cli_listens_on_loopback_only",),
    ),
    Mutant(
        "the benchmark's servers listening on every interface",
        "course_kit/bench/run.py",
        'HOST = "127.0.0.1"',
        'HOST = "0.0.0.0"',
        ("tests/kit/test_bench.py::test_server_commands_bind_loopback",),
    ),
    Mutant(
        "the benchmark's servers outliving a killed benchmark",
        "course_kit/bench/run.py",
        '            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)',
        "            pass",
        ("tests/kit/test_bench.py::test_servers_die_with_a_killed_benchmark",),
    ),
    Mutant(
        "a point read although the load generator did not keep up",
        "course_kit/bench/run.py",
        "        if base.throughput < 0.9 * allowed:",
        "        if base.throughput < 0.5 * allowed:",
        ("tests/kit/test_bench.py::test_points_where_the_baseline_fails_are_invalid",),
    ),
    Mutant(
        "a timeout answered 502 instead of 504",
        "tutorial_project/library/book_data.py",
        "        return HttpError(504,",
        "        return HttpError(502,",
        ("tests/project/test_upstream_endpoints.py::test_slow_service_is_504",),
    ),
    Mutant(
        "the lifespan that never closes the shared clients",
        "tutorial_project/asgi.py",
        "await lifespan(receive, send, on_shutdown=aclose_async_client)",
        "await lifespan(receive, send)",
        ("tests/project/test_upstream_endpoints.py::test_server_shutdown_closes_its_clients",),
    ),
    Mutant(
        "the service recording no client port",
        "course_kit/book_data_service.py",
        '            port = (scope.get("client") or ("", 0))[1]',
        "            port = 0",
        ("tests/kit/test_book_data_service.py::test_service_records_calls_and_connections",),
    ),
    Mutant(
        "the service's reset() keeping old calls",
        "course_kit/book_data_service.py",
        "        self.calls.clear()\n",
        "",
        ("tests/kit/test_book_data_service.py::test_service_knobs_and_reset",),
    ),
    Mutant(
        "the throwaway MariaDB listening on every interface",
        "course_kit/databases/mariadb.py",
        '"--bind-address=127.0.0.1"',
        '"--bind-address=0.0.0.0"',
        ("tests/kit/test_mariadb.py::test_throwaway_server_round_trip_and_cleanup",),
    ),
    Mutant(
        "the throwaway MariaDB outliving its owner",
        "course_kit/databases/mariadb.py",
        "        reaper = start_reaper(process.pid, workdir)",
        "        reaper = None",
        ("tests/kit/test_mariadb.py::test_throwaway_server_dies_with_its_owner",),
    ),
    Mutant(
        "the throwaway PostgreSQL listening on every interface",
        "course_kit/databases/postgres.py",
        '"listen_addresses=127.0.0.1"',
        '"listen_addresses=*"',
        ("tests/kit/test_postgres.py::test_throwaway_server_round_trip_loopback_only_and_cleanup",),
    ),
    Mutant(
        "the throwaway PostgreSQL outliving its owner",
        "course_kit/databases/postgres.py",
        "        reaper = start_reaper(process.pid, workdir, stop_with=signal.SIGINT)",
        "        reaper = None",
        ("tests/kit/test_postgres.py::test_throwaway_server_dies_with_its_owner",),
    ),
    Mutant(
        "a timeline span measured after the await",
        "course_kit/timeline.py",
        "            self.spans.append(Span(label, start, time.perf_counter()))",
        "            self.spans.append(Span(label, time.perf_counter(), time.perf_counter()))",
        ("tests/kit/test_helpers.py::test_timeline_measures_an_awaitable",),
    ),
    Mutant(
        "peak_threads counting threads that were already running",
        "course_kit/timeline.py",
        "            peak = max(peak, sum(thread.is_alive() for thread in list(started)))",
        "            peak = max(peak, threading.active_count() - 1)",
        ("tests/kit/test_helpers.py::test_peak_threads_counts_threads_alive_together",),
    ),
    Mutant(
        "the benchmark's thread peak counting the gaps between windows",
        "course_kit/bench/run.py",
        "            if self.in_window:\n"
        "                self.threads_peak = max(self.threads_peak, threads)",
        "            self.threads_peak = max(self.threads_peak, threads)",
        ("tests/kit/test_bench.py::test_sampler_counts_threads_only_inside_windows",),
    ),
    Mutant(
        "the pooled handler starting an executor per request",
        "tutorial_project/handlers.py",
        "executor = self._idle.pop() if self._idle else self._new_executor()",
        "executor = self._new_executor()",
        ("tests/project/test_handlers.py::test_no_thread_started_per_request_after_warm_up",),
    ),
    Mutant(
        "the hybrid middleware no longer a coroutine function (a hop per request)",
        "tutorial_project/middleware.py",
        "        if iscoroutinefunction(get_response):\n            markcoroutinefunction(self)\n",
        "",
        ("tests/project/test_middleware.py::test_security_headers_without_a_thread_hop",),
    ),
    Mutant(
        "a rating for a book the library does not have",
        "tutorial_project/library/api.py",
        "    if not await Book.objects.filter(pk=book_id).aexists():\n"
        "        raise no_book(book_id)\n"
        '    return await book_data.fetch("rating", book_id)',
        '    return await book_data.fetch("rating", book_id)',
        (
            "tests/project/test_upstream_endpoints.py::test_a_book_the_library_lacks_is_404_before_any_call",
        ),
    ),
    Mutant(
        "the lab's broken endpoints served in a deployment",
        "tutorial_project/settings.py",
        'LAB = env_flag("TUTORIAL_LAB", DEBUG)',
        'LAB = env_flag("TUTORIAL_LAB", True)',
        (
            "tests/project/test_experiments.py::test_the_lab_is_served_only_in_development_or_when_asked",
        ),
    ),
    Mutant(
        "API docs without their CSS and JavaScript under uvicorn",
        "tutorial_project/asgi.py",
        "    served = ASGIStaticFilesHandler(django_application)",
        "    served = django_application",
        ("tests/tools/test_docs_page.py::test_docs_files_answer_200_under_uvicorn_in_development",),
    ),
    Mutant(
        # /api/openapi.json answers 500 while the page and its files answer 200: only a browser
        # that runs the page's JavaScript sees that nothing is drawn.
        "a response field with no JSON schema: the docs page draws nothing",
        "tutorial_project/library/schemas.py",
        "    in_stock: int",
        '    in_stock: __import__("typing").Callable[[], int]',
        ("tests/tools/test_docs_page.py::test_a_headless_browser_draws_the_operations",),
    ),
    Mutant(
        "a kernel outside the environment left with a bare ModuleNotFoundError",
        "notebooks/course_setup.py",
        "except ModuleNotFoundError as missing:",
        "except ImportError as missing:\n    raise\nexcept ModuleNotFoundError as missing:",
        ("tests/test_notebooks.py::test_a_kernel_outside_the_environment_gets_a_one_line_fix",),
    ),
    Mutant(
        "the HTML edition linking to .ipynb files",
        "course_tools/classroom.py",
        "body = re.sub(r'href=\"(\\d\\d-[\\w-]+)\\.ipynb\"', r'href=\"\\1.html\"', body)",
        "body = body",
        ("tests/tools/test_classroom.py::test_html_edition",),
    ),
    Mutant(
        "the exercise proof no longer trying the stub",
        "course_tools/proofs.py",
        '        if outcome == "passed":\n            failures.append("the check passed with',
        '        if False:\n            failures.append("the check passed with',
        ("tests/tools/test_exercises.py::test_proof_fails_a_check_that_passes_the_stub",),
    ),
    Mutant(
        "a check cell that accepts the mistake it teaches (many trips to a thread)",
        "notebooks/00-setup-and-the-notebook-event-loop.ipynb",
        "check(trips == 1,",
        "check(trips >= 1,",
        ("notebooks/00-setup-and-the-notebook-event-loop.ipynb",),
    ),
]


def copy_checkout(target: Path) -> None:
    """Copy the checkout (without environments, caches and databases) to `target`."""
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)


# Set in the environment of every mutant's test run, which its processes inherit: what still runs
# with it afterwards was left behind by the run.
MARKER = "ASYNC_DJANGO_MUTANT_RUN"


def stop_leftovers(run: str) -> int:
    """Kill the processes a test run left running (they carry its marker); how many there were."""
    import psutil

    left = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER) == run:
                left.append(process)
        except psutil.Error:
            continue  # gone meanwhile, or not ours to read
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(left, timeout=10)
    return len(left)


def run_tests(
    tree: Path, tests: tuple[str, ...], timeout: float = 600, options: tuple[str, ...] = ()
) -> tuple[bool, str]:
    """Run `tests` in `tree` (its own packages first on the path), with pytest `options`:
    (passed?, summary)."""
    # A mutant can break a cleanup (a throwaway server that outlives its owner): the test run
    # catches it, but the process it left must not outlive `make mutants`.
    run = uuid.uuid4().hex
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1", MARKER: run}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *options]
            + list(tests),
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        stop_leftovers(run)
    lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""]
    # With -q, pytest names each failed test on a line of its own: show them with the summary.
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return done.returncode == 0, "; ".join([*failed, lines[-1]])


def apply(tree: Path, mutant: Mutant) -> None:
    """Patch the copy; the text to replace must be there exactly once."""
    path = tree / mutant.path
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise SystemExit(
            f"mutant {mutant.name!r}: the text to replace is in {mutant.path} "
            f"{text.count(mutant.old)} times, not once; update tests/mutants.py"
        )
    path.write_text(text.replace(mutant.old, mutant.new))


def main(argv: list[str] | None = None) -> int:
    """Run the mutants; 0 when every one was caught, 1 when any survived."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only the mutants whose name contains this")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k in m.name]
    if not chosen:
        print(f"no mutant's name contains {args.k!r}")
        return 2
    with tempfile.TemporaryDirectory(prefix="async-django-mutants-") as tmp:
        clean = Path(tmp) / "clean"
        copy_checkout(clean)
        tests = tuple(dict.fromkeys(test for m in chosen for test in m.tests))
        # Unpatched, every test once, on the workers as make test runs them.
        workers = ("-n", str(args.jobs), "--dist", "loadfile") if args.jobs > 1 else ()
        passed, last = run_tests(clean, tests, options=workers)
        if not passed:
            print(f"the tests fail without any mutant, so they prove nothing: {last}")
            return 1

        def attempt(numbered: tuple[int, Mutant]) -> tuple[bool, float]:
            """Run a mutant's tests in a copy of its own: (passed?, seconds)."""
            number, mutant = numbered
            tree = Path(tmp) / f"mutant-{number}"
            shutil.copytree(clean, tree, symlinks=True)
            apply(tree, mutant)
            started = time.perf_counter()
            passed, _ = run_tests(tree, mutant.tests)
            shutil.rmtree(tree, ignore_errors=True)
            return passed, time.perf_counter() - started

        survivors = []
        # Several at once: most of these runs wait (on a server's start, a killed owner's reaper)
        # rather than compute. A test that failed only for the others' load would count its mutant
        # caught; these tests pass beside make test's four workers, which load the machine as much.
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for mutant, (passed, seconds) in zip(
                chosen, pool.map(attempt, enumerate(chosen)), strict=True
            ):
                print(f"{'SURVIVED' if passed else 'caught  '}  {mutant.name} ({seconds:.0f} s)")
                if passed:
                    survivors.append(mutant)
    if survivors:
        print(f"{len(survivors)} of {len(chosen)} mutants survived: their tests are blind.")
        return 1
    print(f"all {len(chosen)} mutants were caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
