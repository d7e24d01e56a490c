"""Hygiene of the committed notebooks: what nbval cannot see but a learner or a teacher would."""

import getpass
import re
import socket
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's code cells, in order."""
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_text(cell: nbformat.NotebookNode) -> str:
    """All the text a code cell shows: streams, text data and errors."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.extend([output.ename, output.evalue, *output.traceback])
        else:
            parts.extend(v for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def machine_markers() -> list[str]:
    """Strings that would reveal where and by whom a notebook was executed."""
    markers = [str(REPO), str(Path.home()), "site-packages", "/tmp/", "/Users/", "C:\\"]
    user = getpass.getuser()
    host = socket.gethostname()
    markers += [f"/home/{user}", f"{user}@"] + ([host] if len(host) >= 6 else [])
    return markers


@pytest.fixture(params=NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def notebook(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    """Each committed notebook, read and validated against the nbformat schema."""
    notebook = nbformat.read(request.param, as_version=4)
    nbformat.validate(notebook)
    return notebook


def test_the_series_exists() -> None:
    """The series starts at 00, each number once, within the planned 00–12."""
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers[0] == 0 and numbers == sorted(set(numbers)) and numbers[-1] <= 12, numbers


def test_kernel_is_python3(notebook: nbformat.NotebookNode) -> None:
    """Every notebook runs on the standard `python3` kernel, the one nbval and JupyterLab pick."""
    assert notebook.metadata.kernelspec.name == "python3"


def test_cells_executed_in_order(notebook: nbformat.NotebookNode) -> None:
    """Every code cell was executed, top to bottom, in one run (nbval compares only those)."""
    counts = [cell.execution_count for cell in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1))


def test_title_and_sections(notebook: nbformat.NotebookNode) -> None:
    """A title first, then objectives, exercises and a summary with a link onward."""
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and re.match(r"# \d\d · ", first.source)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    for heading in ["**In this notebook**", "**Builds on:**", "## Exercises", "## Summary"]:
        assert heading in markdown


def test_the_first_code_cell_sets_up_django(notebook: nbformat.NotebookNode) -> None:
    """setup() runs first, imported through course_setup (which hints when the kernel is wrong)."""
    first = code_cells(notebook)[0].source
    assert "from course_setup import setup" in first and re.search(r"\bsetup\(", first)


def test_a_kernel_outside_the_environment_gets_a_one_line_fix() -> None:
    """Without the course's packages, the first import says what to do instead of only failing."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-S", "-E", "-c", "import course_setup"],  # no site, no PYTHONPATH
        cwd=REPO / "notebooks",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: No module named 'course_kit': this kernel")
    assert "Fix: run `make lab`" in last


def test_no_machine_specific_text_in_outputs(notebook: nbformat.NotebookNode) -> None:
    """Outputs show nothing of the machine that executed them: paths, user or host names."""
    for cell in code_cells(notebook):
        text = output_text(cell)
        for marker in machine_markers():
            assert marker not in text, f"{marker!r} in the output of:\n{cell.source}"


def test_errors_only_where_tagged(notebook: nbformat.NotebookNode) -> None:
    """A cell shows an error exactly when it is tagged raises-exception."""
    for cell in code_cells(notebook):
        raised = any(o.output_type == "error" for o in cell.outputs)
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        assert raised == tagged, cell.source


def test_every_code_cell_shows_or_checks_something(notebook: nbformat.NotebookNode) -> None:
    """Each code cell has visible output or an assertion (solutions are checked by the next)."""
    cells = code_cells(notebook)
    for cell, following in zip(cells, [*cells[1:], None], strict=True):
        tags = cell.metadata.get("tags", [])
        checked_next = following is not None and "check" in following.metadata.get("tags", [])
        quiet_ok = "solution" in tags and checked_next
        assert cell.outputs or "assert" in cell.source or "check(" in cell.source or quiet_ok, (
            cell.source
        )


def test_at_least_two_checked_exercises(notebook: nbformat.NotebookNode) -> None:
    """Every notebook has two or more exercises, each solution followed by its check cell."""
    cells = code_cells(notebook)
    solutions = [i for i, c in enumerate(cells) if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2
    for i in solutions:
        assert "check" in cells[i + 1].metadata.get("tags", []), cells[i].source
