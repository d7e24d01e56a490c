"""course_kit.pytest_runs: pytest in a subprocess, each outcome read from its XML report."""

from pathlib import Path

import pytest

from course_kit.pytest_runs import PytestRun, read_outcomes, run_pytest

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="a" name="test_ok" time="0.1"/>
<testcase classname="a" name="test_bad" time="0.1">
<failure message="assert 1 == 2&#10;more">x</failure></testcase>
<testcase classname="b" name="test_ok" time="0.1"><skipped message="no server"/></testcase>
</testsuite></testsuites>
"""


def test_read_outcomes(tmp_path: Path) -> None:
    """One line per test: the first line of a failure's message; a repeated name gets its file."""
    report = tmp_path / "report.xml"
    report.write_text(REPORT)
    assert read_outcomes(report) == {
        "test_ok": "passed",
        "test_bad": "failed: assert 1 == 2",
        "b::test_ok": "skipped: no server",
    }


def test_summary_order() -> None:
    """The summary counts outcomes in a fixed order, whatever order the tests ran in."""
    run = PytestRun(1, {"a": "failed: x", "b": "passed", "c": "passed"})
    assert run.summary == "2 passed, 1 failed"
    assert PytestRun(5).summary == "no tests ran"


def test_run_pytest_for_real(tmp_path: Path) -> None:
    """A real run in a fresh process: a passing and a failing test, with their messages."""
    test_file = tmp_path / "test_sample.py"
    test_file.write_text("def test_yes():\n    assert True\n\ndef test_no():\n    assert 1 == 2\n")
    run = run_pytest(test_file, timeout=120)
    assert run.exit_code == 1
    assert run.outcomes == {"test_yes": "passed", "test_no": "failed: assert 1 == 2"}


def test_run_pytest_stops_at_its_timeout(tmp_path: Path) -> None:
    """A run that takes too long is stopped and reported, not waited for."""
    test_file = tmp_path / "test_slow.py"
    test_file.write_text("import time\n\ndef test_slow():\n    time.sleep(60)\n")
    with pytest.raises(TimeoutError, match="did not finish within 3 s"):
        run_pytest(test_file, timeout=3)
