"""The classroom editions: the student copy hides the solutions, and every check really checks."""

import nbformat
import pytest

from course_kit.paths import SETUP_MODULE
from course_tools import classroom


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
    stubbed = 0
    for path in classroom.notebooks():
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(student_dir / path.name, as_version=4)
        assert len(student.cells) == len(original.cells)
        for mine, theirs in zip(original.cells, student.cells, strict=True):
            if "solution" in tags(mine):
                assert theirs.source == classroom.STUB
                stubbed += 1
            else:
                assert theirs.source == mine.source
            if theirs.cell_type == "code":
                assert theirs.outputs == [] and theirs.execution_count is None
    assert stubbed >= 2 * len(classroom.notebooks())
    # The first cell's import works from the student folder too.
    assert (student_dir / SETUP_MODULE.name).read_text() == SETUP_MODULE.read_text()


@pytest.mark.slow  # nbconvert renders all thirteen notebooks: 5 s, too slow for make unit
def test_html_edition(tmp_path) -> None:
    """A page per notebook with its title, links between notebooks pointing at the pages, an
    index of them all, and no script or style from the network."""
    import html
    import re

    written = classroom.build_html(tmp_path)
    notebooks = classroom.notebooks()
    assert notebooks
    assert set(written) == {
        tmp_path / "index.html",
        *(tmp_path / f"{p.stem}.html" for p in notebooks),
    }
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for path in notebooks:
        page = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'href="{path.stem}.html"' in index
        assert html.escape(classroom.title(nbformat.read(path, as_version=4)), quote=False) in page
        assert not re.search(r'href="\d\d-[\w-]+\.ipynb"', page)
        assert 'src="http' not in page and '<link href="http' not in page
    first = (tmp_path / f"{notebooks[0].stem}.html").read_text(encoding="utf-8")
    assert f'href="{notebooks[1].stem}.html"' in first


def test_html_pages_escape_the_code_they_show(tmp_path) -> None:
    """The page template leaves bleach out for code cells, so Pygments' escaping is what keeps
    markup in a cell's source from becoming markup in the page."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Markup in code"),
        nbformat.v4.new_code_cell('page = "<script>alert(1)</script></div>" if a < b else ""'),
    ]
    path = tmp_path / "99-markup.ipynb"
    nbformat.write(notebook, path)
    classroom.build_html(tmp_path / "html", paths=[path])
    page = (tmp_path / "html" / "99-markup.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "</script></div>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/div&gt;" in page
