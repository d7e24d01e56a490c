"""Where the suite's time goes: `make time` (python tests/timing.py [PYTEST ARGS…]).

Runs pytest once with a JUnit XML report, then prints each test file's and each notebook's
seconds, slowest first, and the total. A notebook's seconds include its exercise proofs, which
the next column gives on their own: the rest is what "Run All" costs a teacher, under nbval.
Timings belong in this report, not in assertions: the tests check behaviour.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def file_of(classname: str) -> str:
    """The file a JUnit classname stands for: "tests.kit.test_bench" or "notebooks.05-x.ipynb"."""
    if classname.endswith(".ipynb"):
        folder, _, stem = classname.removesuffix(".ipynb").partition(".")
        return f"{folder}/{stem}.ipynb"
    return classname.replace(".", "/") + ".py"


def seconds_per_file(report: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per test file or notebook from a JUnit XML report: in all, and in its proofs."""
    totals: dict[str, float] = defaultdict(float)
    proofs: dict[str, float] = defaultdict(float)
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("file") or file_of(case.get("classname", "?"))
        seconds = float(case.get("time", 0))
        totals[name] += seconds
        # conftest.py names a proof item after its check cell: "Cell 26 proof".
        if case.get("name", "").endswith(" proof"):
            proofs[name] += seconds
    return dict(totals), dict(proofs)


def main(argv: list[str]) -> int:
    """Run the suite and print the report; pytest's own exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *argv], cwd=ROOT
        )
        wall = time.perf_counter() - started
        totals, proofs = seconds_per_file(report) if report.exists() else ({}, {})
    print(f"\n{'seconds':>8}  {'proofs':>6}  file")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        of_proofs = f"{proofs[name]:6.1f}" if proofs.get(name) else ""
        print(f"{seconds:8.1f}  {of_proofs:>6}  {name}")
    print(f"{sum(totals.values()):8.1f}  in tests ({wall:.0f} s wall, pytest's start-up included)")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
