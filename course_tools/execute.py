"""`python -m course_tools.execute NOTEBOOK…`: re-execute notebooks in place, top to bottom.

This is what `make notebooks` runs. Each notebook gets a fresh kernel of this very interpreter,
started in the notebook's folder (as nbval does), so the committed outputs match what the test
suite will compare. A cell that raises without the `raises-exception` tag stops that notebook,
whose file is then left untouched; the others still run, and the command fails at the end. The
MySQL notebook is skipped, with one line that says why, when no server is available.

`--twice` is the re-run lane (`make rerun`): every code cell runs twice in a row, as a learner who
presses Shift-Enter again would, and any error outside a `raises-exception` cell fails the run.
Nothing is written back. With `--jobs N` that many notebooks run at once, each in a process of its
own (`make rerun` gives the test suite's four, and runs the benchmark notebooks alone afterwards).
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Before nbformat, which imports jsonschema: see course_tools/fast_imports.py.
import course_tools.fast_imports  # noqa: F401

# isort: split
import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


class CurrentEnvKernelSpecs(KernelSpecManager):
    """Kernel specs that always name this interpreter, whatever kernels the machine has."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """A spec that starts ipykernel with sys.executable."""
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (ipykernel)",
            language="python",
        )


def run_notebook(
    notebook: nbformat.NotebookNode, cwd: Path, timeout: int = 120, allow_errors: bool = False
) -> None:
    """Execute `notebook` in place in a fresh kernel of this interpreter, started in `cwd`."""
    kernel = KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvKernelSpecs())
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=timeout,
        allow_errors=allow_errors,
        # Timestamps in cell metadata would change every file on every run.
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute()
    finally:
        # The client only shuts down kernels it started itself; this one is ours.
        if kernel.has_kernel:
            kernel.shutdown_kernel()


def doubled(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of `notebook` in which every code cell is followed by a second copy of itself."""
    twice = copy.deepcopy(notebook)
    cells = []
    for cell in twice.cells:
        cells.append(cell)
        if cell.cell_type == "code":
            again = copy.deepcopy(cell)
            again["id"] = f"{cell.get('id', 'cell')}-again"[:64]
            cells.append(again)
    twice.cells = cells
    return twice


def execute_twice(path: Path, timeout: int = 120) -> float:
    """Run every code cell of the notebook at `path` twice in a row; return the seconds taken."""
    notebook = doubled(nbformat.read(path, as_version=4))
    started = time.perf_counter()
    run_notebook(notebook, path.parent, timeout)
    return time.perf_counter() - started


def execute(path: Path, timeout: int = 120) -> float:
    """Run every cell of the notebook at `path` and save its outputs; return the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    run_notebook(notebook, path.parent, timeout)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def server_needed(path: Path) -> str | None:
    """The database server a notebook's setup() asks for ("mariadb", "postgres"), or None."""
    import re

    notebook = nbformat.read(path, as_version=4)
    first = next((c.source for c in notebook.cells if c.cell_type == "code"), "")
    asked = re.search(r"setup\(database=[\"'](\w+)[\"']\)", first)
    return {"mysql": "mariadb", "postgresql": "postgres"}.get(asked.group(1)) if asked else None


def skip_reason(path: Path) -> str | None:
    """Why a notebook cannot run on this machine (one that needs a server there is none of), or
    None; with the server's require flag set it runs, and its setup cell fails saying why."""
    import importlib

    vendor = server_needed(path)
    if vendor is None:
        return None
    choice = importlib.import_module(f"course_kit.databases.{vendor}").choose()
    if choice.source != "none" or choice.required:
        return None
    return choice.why


def in_parallel(paths: list[Path], jobs: int, options: list[str]) -> list[Path]:
    """Run this command on each notebook in a process of its own, `jobs` at a time; the failed."""

    def one(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "course_tools.execute", *options, str(path)]
        return subprocess.run(command, capture_output=True, text=True)

    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        # Each notebook's lines together, in the order given: once it and those before it end.
        for path, done in zip(paths, pool.map(one, paths), strict=True):
            print(done.stdout, end="", flush=True)
            print(done.stderr, end="", file=sys.stderr, flush=True)
            if done.returncode:
                failed.append(path)
    return failed


def one_at_a_time(paths: list[Path], twice: bool, timeout: int) -> list[Path]:
    """Run (or, with `twice`, re-run) each notebook in this process, in turn; the failed."""
    failed: list[Path] = []
    for path in paths:
        reason = skip_reason(path)
        if reason:
            print(f"{path}: SKIP: {reason}")
            continue
        try:
            if twice:
                seconds = execute_twice(path, timeout)
            else:
                seconds = execute(path, timeout)
        except CellExecutionError as error:
            when = " when run a second time" if twice else "; the file is unchanged"
            print(f"{path}: a cell failed{when}.\n{error}", file=sys.stderr)
            failed.append(path)
            continue
        what = "every cell run twice" if twice else "executed"
        print(f"{path}: {what} in {seconds:.1f} s")
    return failed


def main(argv: list[str] | None = None) -> int:
    """Execute the notebooks named on the command line; report every failure at the end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    parser.add_argument(
        "--twice", action="store_true", help="run every cell twice in a row; write nothing back"
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at once (with --twice)")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.jobs > 1 and not args.twice:
        # Outputs written under load would differ from a quiet machine's in their measurements.
        parser.error("--jobs is for --twice only: make notebooks writes outputs, one at a time")
    if args.jobs > 1 and len(args.notebooks) > 1:
        options = ["--timeout", str(args.timeout), "--twice"]
        failed = in_parallel(args.notebooks, args.jobs, options)
    else:
        failed = one_at_a_time(args.notebooks, args.twice, args.timeout)
    if failed:
        print(f"FAILED: {', '.join(str(p) for p in failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
