"""Where the course's files are: the checkout's top folder and the notebooks."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# Every notebook's first cell imports `setup` from it, in the notebook's own folder.
SETUP_MODULE = NOTEBOOKS / "course_setup.py"


def notebooks() -> list[Path]:
    """The course's notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
