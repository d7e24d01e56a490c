"""The classroom editions: a student copy without the solutions, and an HTML export to hand out.

    python -m course_tools.classroom student [--out build/student] [--lang ko]
    python -m course_tools.classroom html [--out build/html] [--lang ko]

Exercises are marked with cell tags: the learner's cell is tagged `solution` (the committed notebook
holds a reference solution there) and the cell after it, tagged `check`, tests the behaviour.
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import sys
from pathlib import Path

import nbformat

from course_kit.paths import ROOT, notebooks
from course_tools import translations
from course_tools.proofs import STUB

# The HTML edition's page template: nbconvert's lab template with one block changed.
HTML_PAGE = Path(__file__).with_name("html_page.j2")


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with every `solution` cell replaced by a stub and every output cleared."""
    student = copy.deepcopy(notebook)
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.metadata.get("tags", []):
            cell.source = STUB
        cell.outputs = []
        cell.execution_count = None
    return student


def title(notebook: nbformat.NotebookNode) -> str:
    """The notebook's title: the text of its first heading."""
    first = notebook.cells[0].source.splitlines()[0]
    return first.lstrip("# ").strip()


def build_student(out: Path, lang: str | None = None) -> list[Path]:
    """Write the student edition of every notebook into `out` (in `lang`, from its catalogs)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks():
        target = out / path.name
        nbformat.write(student_edition(translations.read(path, lang)), target)
        written.append(target)
    return [*written, translations.copy_setup_module(out)]


def build_html(out: Path, lang: str | None = None, paths: list[Path] | None = None) -> list[Path]:
    """Render the executed notebooks (in `lang`) as standalone HTML pages in `out`, and an index."""
    import jinja2
    from nbconvert import HTMLExporter

    # Images embedded and no MathJax or require.js from a CDN: the pages read offline. The page
    # template is the lab one, less its bleach pass over Pygments' output (html_page.j2).
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.FileSystemLoader(HTML_PAGE.parent)],
        template_file=HTML_PAGE.name,
        embed_images=True,
        mathjax_url="",
    )
    exporter.require_js_url = ""
    out.mkdir(parents=True, exist_ok=True)
    rows, written = [], []
    for path in paths or notebooks():
        notebook = translations.read(path, lang)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        # Links between notebooks point at the HTML pages instead.
        body = re.sub(r'href="(\d\d-[\w-]+)\.ipynb"', r'href="\1.html"', body)
        target = out / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        rows.append(f'<li><a href="{target.name}">{html.escape(title(notebook))}</a></li>')
    index = out / "index.html"
    index.write_text(
        f"<!doctype html><html lang='{lang or 'en'}'><head><meta charset='utf-8'>"
        "<title>Async Django, tested</title></head>"
        "<body><h1>Async Django, tested</h1><ol start='0'>\n"
        + "\n".join(rows)
        + "\n</ol></body></html>\n",
        encoding="utf-8",
    )
    return [index, *written]


def main(argv: list[str] | None = None) -> int:
    """Build the edition named on the command line."""
    parser = argparse.ArgumentParser(description="Build the classroom editions of the course.")
    parser.add_argument("edition", choices=["student", "html"])
    parser.add_argument("--out", type=Path, help="output folder (default build/<edition>[-<lang>])")
    parser.add_argument("--lang", choices=sorted(translations.LANGUAGES), help="a translation")
    args = parser.parse_args(argv)
    name = f"{args.edition}-{args.lang}" if args.lang else args.edition
    out = args.out or ROOT / "build" / name
    build = build_student if args.edition == "student" else build_html
    written = build(out, args.lang)
    print(f"wrote {len(written)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
