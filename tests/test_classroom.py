"""The classroom editions: the student copy hides the solutions, and every check really checks."""

import nbformat
import pytest

from tutorial_project import classroom


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's tags."""
    return cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory: pytest.TempPathFactory):
    """The student edition, built once for this module."""
    out = tmp_path_factory.mktemp("student")
    classroom.build_student(out)
    return out


def test_student_edition_hides_solutions_and_keeps_checks(student_dir) -> None:
    """Every solution becomes the stub, checks stay word for word, and no output is left."""
    assert len(classroom.notebooks()) >= 10
    for path in classroom.notebooks():
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(student_dir / path.name, as_version=4)
        assert len(student.cells) == len(original.cells)
        for mine, theirs in zip(original.cells, student.cells, strict=True):
            if "solution" in tags(mine):
                assert theirs.source == classroom.STUB
            else:
                assert theirs.source == mine.source
            if theirs.cell_type == "code":
                assert theirs.outputs == [] and theirs.execution_count is None


def test_html_edition(tmp_path) -> None:
    """The HTML pages and their index are written, with no script or style from the network."""
    written = classroom.build_html(tmp_path)
    assert classroom.notebooks()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for path in classroom.notebooks():
        page = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'href="{path.stem}.html"' in index
        assert 'src="http' not in page and '<link href="http' not in page
    assert len(written) == len(classroom.notebooks()) + 1
