"""Where the course's files are: the checkout's top folder and the notebooks."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
