"""`make notebooks` and `make rerun` (course_tools.execute): what they run, skip and report."""

from pathlib import Path

import nbformat
import pytest

from course_kit.databases import mariadb
from course_kit.paths import NOTEBOOKS
from course_tools import execute


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook at `path` with one code cell per source."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return path


def test_doubled_runs_every_code_cell_twice_in_a_row() -> None:
    """The re-run lane's notebook: each code cell followed by a copy with an id of its own."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1")]
    twice = execute.doubled(notebook)
    assert [c.source for c in twice.cells] == ["# t", "x = 1", "x = 1"]
    assert twice.cells[2]["id"] == f"{notebook.cells[1]['id']}-again"


def test_a_notebook_whose_server_is_missing_is_skipped_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No URL, no server installed, none required: the MySQL notebook is skipped, the rest run;
    which server a notebook needs is read from its setup() call."""
    monkeypatch.setattr(mariadb, "database_url", lambda: None)
    monkeypatch.setattr(mariadb, "server_binaries", lambda: None)
    monkeypatch.setattr(mariadb, "server_required", lambda: False)
    mysql_notebook = NOTEBOOKS / "06-mysql-with-pymysql.ipynb"
    assert execute.server_needed(mysql_notebook) == "mariadb"
    assert execute.skip_reason(mysql_notebook) == mariadb.why_no_server()
    assert execute.skip_reason(NOTEBOOKS / "07-testing-async-apis.ipynb") is None
    monkeypatch.setattr(mariadb, "server_required", lambda: True)
    assert execute.skip_reason(mysql_notebook) is None


@pytest.mark.slow
def test_a_failing_notebook_is_left_unchanged_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first notebook fails: its file is untouched, the second is executed, and the command
    fails at the end naming the first."""
    broken = write_notebook(tmp_path / "a.ipynb", "1 / 0")
    fine = write_notebook(tmp_path / "b.ipynb", "print('ran')")
    before = broken.read_text()
    assert execute.main([str(broken), str(fine)]) == 1
    assert broken.read_text() == before
    assert nbformat.read(fine, as_version=4).cells[0].outputs[0]["text"] == "ran\n"
    out, err = capsys.readouterr()
    assert f"{fine}: executed in" in out
    assert f"{broken}: a cell failed; the file is unchanged." in err
    assert err.rstrip().endswith(f"FAILED: {broken}")


@pytest.mark.slow
def test_rerun_in_parallel_names_the_notebook_that_fails_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--twice --jobs 2`: each notebook in a process of its own; one whose cell cannot run twice
    fails the command by name, the other's line is printed, and neither file is written."""
    once_only = write_notebook(tmp_path / "a.ipynb", "assert 'seen' not in globals()\nseen = 1")
    fine = write_notebook(tmp_path / "b.ipynb", "print('ran')")
    before = once_only.read_text(), fine.read_text()
    assert execute.main(["--twice", "--jobs", "2", str(once_only), str(fine)]) == 1
    assert (once_only.read_text(), fine.read_text()) == before
    out, err = capsys.readouterr()
    assert f"{fine}: every cell run twice in" in out
    assert f"{once_only}: a cell failed when run a second time." in err
    assert err.rstrip().endswith(f"FAILED: {once_only}")


def test_jobs_are_for_the_rerun_only(tmp_path: Path) -> None:
    """Outputs that make notebooks writes come from one notebook at a time."""
    a, b = write_notebook(tmp_path / "a.ipynb", "1"), write_notebook(tmp_path / "b.ipynb", "2")
    with pytest.raises(SystemExit) as exit_info:
        execute.main(["--jobs", "2", str(a), str(b)])
    assert exit_info.value.code == 2


def test_a_notebook_that_is_not_there_is_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped NB= gets a usage error naming the path, not a traceback."""
    with pytest.raises(SystemExit) as exit_info:
        execute.main(["--twice", str(tmp_path / "nope.ipynb")])
    assert exit_info.value.code == 2
    assert f"no such notebook: {tmp_path / 'nope.ipynb'}" in capsys.readouterr().err
