"""The course in other languages: catalogs of translated text, and the notebooks built from them.

    python -m course_tools.translations build ko [--out build/ko]
    python -m course_tools.translations status ko
    python -m course_tools.translations lab-config ko   # JupyterLab in Korean (JUPYTER_CONFIG_DIR)

A catalog, `locale/<lang>/<notebook stem>.yml`, holds one entry per markdown cell, keyed by the
cell's nbformat id: the translated text and `source`, a hash of the English text it translates.
Editing an English cell makes its entry stale, and `status` (and the tests) name it: an edition
never silently says something the English no longer does. Code cells and their executed outputs
are copied unchanged, so a translated notebook passes nbval against the same outputs.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from course_kit.paths import ROOT, SETUP_MODULE, notebooks

LOCALE = ROOT / "locale"
LANGUAGES = {"ko": "한국어"}
# JupyterLab's own interface: the locale of its language pack (jupyterlab-language-pack-ko-KR).
LAB_LOCALES = {"ko": "ko_KR"}


def source_hash(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of a cell's English text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def catalog_path(lang: str, notebook: Path) -> Path:
    """Where the catalog of `notebook` in `lang` lives."""
    return LOCALE / lang / f"{notebook.stem}.yml"


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line text as YAML block scalars, so that a catalog reads like the text."""


_BlockDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def write_catalog(lang: str, notebook: Path, entries: dict[str, dict[str, str]]) -> Path:
    """Write the catalog of `notebook` in `lang`, entries in the notebook's order."""
    order = [cell.id for cell in nbformat.read(notebook, as_version=4).cells]
    ordered = dict(sorted(entries.items(), key=lambda item: order.index(item[0])))
    path = catalog_path(lang, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# notebooks/{notebook.name} in {LANGUAGES[lang]}: an entry per markdown cell, by id.\n"
        "# source: the first 12 hex digits of the SHA-256 of the English text translated.\n"
    )
    body = yaml.dump(
        {"cells": ordered}, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=1000
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def load_catalog(lang: str, notebook: Path) -> dict[str, dict[str, str]]:
    """The catalog's entries by cell id; empty when the notebook has no catalog yet."""
    path = catalog_path(lang, notebook)
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cells") or {}


@dataclass
class Status:
    """What a catalog lacks against its notebook, by cell id."""

    missing: list[str]
    stale: list[str]
    orphaned: list[str]

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.orphaned)


def status(notebook: nbformat.NotebookNode, entries: dict[str, dict[str, str]]) -> Status:
    """Markdown cells without an entry, entries of an older English text, entries of no cell."""
    markdown = {cell.id: cell.source for cell in notebook.cells if cell.cell_type == "markdown"}
    missing = [cell_id for cell_id in markdown if cell_id not in entries]
    stale = [
        cell_id
        for cell_id, text in markdown.items()
        if cell_id in entries and entries[cell_id].get("source") != source_hash(text)
    ]
    orphaned = [cell_id for cell_id in entries if cell_id not in markdown]
    return Status(missing, stale, orphaned)


def translated(notebook: nbformat.NotebookNode, lang: str, entries: dict) -> nbformat.NotebookNode:
    """A copy of `notebook` with every markdown cell in `lang`; refuses an incomplete catalog."""
    found = status(notebook, entries)
    if found:
        raise ValueError(f"the {lang} catalog is not up to date: {found}")
    edition = copy.deepcopy(notebook)
    for cell in edition.cells:
        if cell.cell_type == "markdown":
            cell.source = entries[cell.id][lang].rstrip("\n")
    edition.metadata["course_language"] = lang
    return edition


def read(path: Path, lang: str | None = None) -> nbformat.NotebookNode:
    """A notebook of the course, in English or, given `lang`, from its catalog."""
    notebook = nbformat.read(path, as_version=4)
    if lang is None or lang == "en":
        return notebook
    return translated(notebook, lang, load_catalog(lang, path))


def build(lang: str, out: Path) -> list[Path]:
    """Write every notebook in `lang` into `out`, with the setup module they import."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks():
        target = out / path.name
        nbformat.write(read(path, lang), target)
        written.append(target)
    return [*written, copy_setup_module(out)]


def copy_setup_module(out: Path) -> Path:
    """Put the module every notebook's first cell imports next to an edition's notebooks."""
    return Path(shutil.copyfile(SETUP_MODULE, out / SETUP_MODULE.name))


# Browsers break Hangul between any two syllables; Korean reads better broken between words.
KEEP_WORDS_CSS = """/* The Korean edition: lines break between words, not inside them. */
.jp-RenderedHTMLCommon {
  word-break: keep-all;
  overflow-wrap: anywhere;
}
"""


def lab_config(lang: str) -> Path:
    """A Jupyter config folder for the edition: JupyterLab's interface in `lang`, and the CSS
    that keeps words whole (for JUPYTER_CONFIG_DIR, with `jupyter lab --custom-css`)."""
    folder = ROOT / "build" / f"jupyter-config-{lang}"
    settings = folder / "lab" / "user-settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        json.dumps({"locale": LAB_LOCALES[lang]}) + "\n", encoding="utf-8"
    )
    css = folder / "custom" / "custom.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(KEEP_WORDS_CSS, encoding="utf-8")
    return folder


def report(lang: str) -> list[str]:
    """One line per notebook whose catalog is incomplete, stale or has orphans."""
    lines = []
    for path in notebooks():
        found = status(nbformat.read(path, as_version=4), load_catalog(lang, path))
        if found:
            lines.append(
                f"{path.name}: {len(found.missing)} missing, {len(found.stale)} stale "
                f"({', '.join(found.stale[:5])}), {len(found.orphaned)} orphaned"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build an edition, or say what its catalogs lack."""
    parser = argparse.ArgumentParser(description="The course's translated editions.")
    parser.add_argument("command", choices=["build", "status", "lab-config"])
    parser.add_argument("lang", choices=sorted(LANGUAGES))
    parser.add_argument("--out", type=Path, help="output folder (default build/<lang>)")
    args = parser.parse_args(argv)
    if args.command == "lab-config":
        # For JUPYTER_CONFIG_DIR: the folder's path alone.
        print(lab_config(args.lang))
        return 0
    lines = report(args.lang)
    if args.command == "status" or lines:
        print("\n".join(lines) or f"{LANGUAGES[args.lang]}: every catalog is up to date")
        if lines:
            print(
                f"Translate the cells named above in locale/{args.lang}/; an entry's 'source' is "
                "the hash of the English text it translates (translations.source_hash)."
            )
        return 1 if lines else 0
    out = args.out or ROOT / "build" / args.lang
    written = build(args.lang, out)
    print(f"wrote {len(written)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
