"""Where the suite's time goes: `make time` (python tests/timing.py [PYTEST ARGS…]).

Runs pytest once with a JUnit XML report, then prints each test file's and each notebook's
seconds (a notebook's exercise proofs included), slowest first, and the total. Timings belong in
this report, not in assertions: the tests check behaviour.
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


def seconds_per_file(report: Path) -> dict[str, float]:
    """Seconds per test file or notebook, from a JUnit XML report."""
    totals: dict[str, float] = defaultdict(float)
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("file") or case.get("classname", "?").replace(".", "/") + ".py"
        totals[name] += float(case.get("time", 0))
    return dict(totals)


def main(argv: list[str]) -> int:
    """Run the suite and print the report; pytest's own exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *argv], cwd=ROOT
        )
        wall = time.perf_counter() - started
        totals = seconds_per_file(report) if report.exists() else {}
    print(f"\n{'seconds':>8}  file")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.1f}  {name}")
    print(f"{sum(totals.values()):8.1f}  in tests ({wall:.0f} s wall, pytest's start-up included)")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
