"""The Korean edition: every markdown cell translated from the current English, nothing else."""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from course_kit.paths import ROOT
from course_tools import classroom, translations

NOTEBOOKS = translations.notebooks()
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_the_course_has_notebooks_to_translate() -> None:
    """The parametrized tests below would pass vacuously on an empty list."""
    assert len(NOTEBOOKS) >= 13


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_every_markdown_cell_has_a_fresh_korean_entry(path: Path) -> None:
    """No cell missing, none translated from an older English text, no entry for a gone cell."""
    found = translations.status(
        nbformat.read(path, as_version=4), translations.load_catalog("ko", path)
    )
    assert not found, (
        f"{translations.catalog_path('ko', path).relative_to(ROOT)}: {found}; "
        "python -m course_tools.translations status ko lists them"
    )


def markup(text: str) -> tuple:
    """What a translation must keep: code (fenced and inline), link targets, headings, tables."""
    fences = re.findall(r"```.*?```", text, flags=re.S)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    # A span may wrap onto the next line; Markdown joins it with a space, and so does this.
    spans = [" ".join(span.split()) for span in re.findall(r"`[^`]+`", prose)]
    lines = prose.splitlines()
    headings = [len(line) - len(line.lstrip("#")) for line in lines if line.startswith("#")]
    tables = [line.count("|") for line in lines if line.lstrip().startswith("|")]
    links = re.findall(r"\]\(([^)\s]+)\)", prose)
    return Counter(fences), Counter(spans), Counter(links), headings, tables


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_korean_text_keeps_code_links_headings_and_tables(path: Path) -> None:
    """Only prose is translated: a learner copies the same code and follows the same links."""
    entries = translations.load_catalog("ko", path)
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown" or cell.id not in entries:
            continue
        korean = entries[cell.id]["ko"]
        assert markup(korean) == markup(cell.source), cell.id
        english_prose = re.sub(r"`[^`]*`|\]\([^)]*\)", "", cell.source)
        if re.search(r"[A-Za-z]{4,} [a-z]{2,}", english_prose):
            assert HANGUL.search(korean), f"{cell.id} has English prose but no Korean"


def test_the_edition_changes_markdown_only(tmp_path: Path) -> None:
    """Code cells, their outputs and the notebook's metadata are the English ones, byte for byte."""
    written = translations.build("ko", tmp_path)
    assert (tmp_path / "course_setup.py") in written
    for path in NOTEBOOKS:
        english = nbformat.read(path, as_version=4)
        korean = nbformat.read(tmp_path / path.name, as_version=4)
        entries = translations.load_catalog("ko", path)
        nbformat.validate(korean)
        assert [cell.id for cell in korean.cells] == [cell.id for cell in english.cells]
        for mine, theirs in zip(english.cells, korean.cells, strict=True):
            if mine.cell_type == "markdown":
                assert theirs.source == entries[mine.id]["ko"].rstrip("\n")
            else:
                assert theirs == mine
        assert korean.metadata.course_language == "ko"


def test_an_english_edit_makes_its_entry_stale_and_the_build_refuses_it() -> None:
    """The edition never ships a Korean text of an English sentence that has since changed."""
    path = NOTEBOOKS[0]
    notebook = nbformat.read(path, as_version=4)
    entries = translations.load_catalog("ko", path)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    cell.source += "\nA sentence added in English."
    assert translations.status(notebook, entries).stale == [cell.id]
    with pytest.raises(ValueError, match="not up to date"):
        translations.translated(notebook, "ko", entries)


def test_status_names_missing_and_orphaned_entries() -> None:
    """A new cell is missing; an entry whose cell was deleted is an orphan."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Hello", id="kept"),
            nbformat.v4.new_markdown_cell("New", id="new"),
        ]
    )
    entries = {
        "kept": {"source": translations.source_hash("Hello"), "ko": "안녕하세요"},
        "gone": {"source": "0" * 12, "ko": "사라진 셀"},
    }
    found = translations.status(notebook, entries)
    assert (found.missing, found.stale, found.orphaned) == (["new"], [], ["gone"])


def test_a_written_catalog_reads_back_the_same(tmp_path: Path, monkeypatch) -> None:
    """The writer's block scalars keep every character, line breaks and trailing text included."""
    monkeypatch.setattr(translations, "LOCALE", tmp_path)
    path = NOTEBOOKS[0]
    entries = {}
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells[:6]:
        entries[cell.id] = {
            "source": translations.source_hash(cell.source),
            "ko": cell.source + "\n  끝 ",
        }
    written = translations.write_catalog("ko", path, entries)
    assert written.parent == tmp_path / "ko"
    assert translations.load_catalog("ko", path) == entries


def test_korean_student_and_html_editions(tmp_path: Path) -> None:
    """LANG=ko makes the student edition's markdown Korean (stubs as in English) and the pages
    say lang='ko'."""
    classroom.build_student(tmp_path / "student", "ko")
    for path in NOTEBOOKS:
        english = classroom.student_edition(nbformat.read(path, as_version=4))
        korean = nbformat.read(tmp_path / "student" / path.name, as_version=4)
        assert [c.source for c in korean.cells if c.cell_type == "code"] == [
            c.source for c in english.cells if c.cell_type == "code"
        ]
        assert HANGUL.search(korean.cells[0].source)
    # One page is enough here: test_classroom renders every notebook (nbconvert takes ~0.5 s each).
    one = NOTEBOOKS[2]
    classroom.build_html(tmp_path / "html", "ko", [one])
    assert "<html lang='ko'>" in (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "html" / f"{one.stem}.html").read_text(encoding="utf-8")
    assert translations.read(one, "ko").cells[0].source.splitlines()[0].lstrip("# ") in page


@pytest.mark.slow
def test_a_korean_notebook_passes_strict_nbval() -> None:
    """Built from the catalogs, a Korean notebook runs against the English outputs under nbval
    (make test-ko runs them all)."""
    out = ROOT / "build" / "test-ko-sample"
    translations.build("ko", out)
    notebook = next(out.glob("02-*.ipynb"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(notebook), "-q", "-p", "no:xdist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_the_korean_readme_lists_every_notebook_by_its_korean_title() -> None:
    """README.ko.md's course table: a row per notebook, linked, under the title its edition uses."""
    readme = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    assert "(README.md)" in readme.splitlines()[2]  # the way back to the English
    assert "README.ko.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| \[([^\]]+)\]\((notebooks/[^)]+)\)", readme, flags=re.M)
    assert [number for number, _, _ in rows] == [path.stem[:2] for path in NOTEBOOKS]
    for (_, title, link), path in zip(rows, NOTEBOOKS, strict=True):
        assert link == f"notebooks/{path.name}"
        heading = translations.read(path, "ko").cells[0].source.splitlines()[0]
        assert heading.endswith(title), (heading, title)


def test_the_korean_lab_config_sets_the_interface_language_and_keeps_words_whole() -> None:
    """make lab LANG=ko points JUPYTER_CONFIG_DIR here: JupyterLab's menus in Korean (its language
    pack's locale) and markdown that breaks lines between words, as Korean is written."""
    folder = translations.lab_config("ko")
    settings = (
        folder / "lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings"
    )
    assert json.loads(settings.read_text()) == {"locale": "ko_KR"}
    assert "word-break: keep-all" in (folder / "custom" / "custom.css").read_text()
