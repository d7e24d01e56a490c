"""Run pytest in a subprocess from a notebook, with a time limit, and keep each test's outcome.

A notebook cell cannot run pytest in its own kernel (the kernel's event loop is already running,
and Django is already set up with the notebook's database), so this starts a fresh Python process,
reads the outcome of every test from pytest's JUnit XML report, and returns it: one line per test,
with no paths of the machine and no timings, so it can be shown in a committed output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from course_kit.paths import ROOT


@dataclass
class PytestRun:
    """The outcome of one pytest run: each test's result, and pytest's own exit code."""

    exit_code: int
    outcomes: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """E.g. "2 passed, 1 failed", in a fixed order."""
        counts = Counter(outcome.split(":")[0] for outcome in self.outcomes.values())
        order = ["passed", "failed", "error", "skipped"]
        return ", ".join(f"{counts[k]} {k}" for k in order if counts[k]) or "no tests ran"

    def show(self) -> None:
        """Print one line per test, then the summary."""
        for name, outcome in self.outcomes.items():
            print(f"{name}: {outcome}")
        print(f"== {self.summary} ==")


def run_pytest(
    *paths: str | Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    extra_args: tuple[str, ...] = (),
) -> PytestRun:
    """Run pytest on `paths` in a new process with the project's settings and a fresh database."""
    with tempfile.TemporaryDirectory(prefix="async-django-pytest-") as tmp:
        report = Path(tmp) / "report.xml"
        command = [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"),
            # Only the two plugins these tests use (PYTEST_DISABLE_PLUGIN_AUTOLOAD below): the
            # project's addopts turn on nbval, and loading every installed plugin (nbval, xdist,
            # anyio) costs about a third of a second more per run than the tests themselves.
            *("-o", "addopts=", "-o", "asyncio_mode=auto"),
            *("-p", "pytest_django.plugin", "-p", "pytest_asyncio.plugin"),
            *("--ds", "tutorial_project.settings", "--rootdir", str(ROOT)),
            *extra_args,
            *map(str, paths),
        ]
        child_env = {
            **os.environ,
            # A database of its own, so the run never touches the notebook's.
            "TUTORIAL_DB_PATH": str(Path(tmp) / "db.sqlite3"),
            "TUTORIAL_ONE_LINE_LOGS": "0",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            **(env or {}),
        }
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                env=child_env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"pytest did not finish within {timeout:g} s; it was stopped."
            ) from None
        if not report.exists():
            last = (done.stdout.strip() or done.stderr.strip()).splitlines()[-1:]
            raise RuntimeError(f"pytest wrote no report (exit code {done.returncode}): {last}")
        return PytestRun(done.returncode, read_outcomes(report))


def read_outcomes(report: Path) -> dict[str, str]:
    """Each test's outcome from a JUnit XML report: "passed", or "failed: <message>"."""
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        name = case.get("name", "?")
        if name in outcomes:  # the same test name in two files: say which file
            name = f"{case.get('classname', '?').rsplit('.', 1)[-1]}::{name}"
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                word = "failed" if tag == "failure" else tag
                message = (element.get("message") or "").splitlines()[0:1]
                outcomes[name] = f"{word}: {message[0]}" if message else word
                break
        else:
            outcomes[name] = "passed"
    return outcomes
