"""The JupyterLab the course opens: its environment's settings overrides, installed by make."""

import json
import sys
from pathlib import Path

import pytest

from course_kit.paths import ROOT

OVERRIDES = ROOT / "course_tools" / "jupyterlab-overrides.json"


def test_no_news_pop_up_over_the_first_notebook() -> None:
    """JupyterLab asks about "official Jupyter news" in a pop-up unless fetchNews is set."""
    settings = json.loads(OVERRIDES.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_make_installs_the_overrides_into_the_environment() -> None:
    """JupyterLab reads its app settings dir's overrides.json: <sys.prefix>/share/jupyter/lab."""
    from jupyterlab.commands import get_app_dir

    if not (Path(sys.prefix) / ".installed-lock").exists():
        pytest.skip("an environment make did not build (conda, say): make installs the overrides")
    installed = Path(get_app_dir()) / "settings" / "overrides.json"
    assert installed.exists(), "make reinstall copies course_tools/jupyterlab-overrides.json there"
    assert json.loads(installed.read_text()) == json.loads(OVERRIDES.read_text())
