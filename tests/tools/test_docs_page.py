"""The API docs page at /api/docs renders when the project is served by uvicorn (README)."""

import os
import subprocess
import sys

import pytest

from course_tools.docs_page import assets, find_browser


def docs_check(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m course_tools.docs_page` in a fresh process, as `make docs-check` does."""
    return subprocess.run(
        [sys.executable, "-m", "course_tools.docs_page", *args],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tutorial_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_page_loads_its_css_and_javascript() -> None:
    """What the check asks for: every <link href> and <script src> of the page."""
    page = '<link type="text/css" rel="stylesheet" href="/static/a.css"><script src="/static/b.js">'
    assert assets(page) == ["/static/a.css", "/static/b.js"]


def test_docs_files_answer_200_under_uvicorn_in_development() -> None:
    """With DEBUG on (the development default) uvicorn serves the page and its /static/ files."""
    done = docs_check("--no-browser", DJANGO_DEBUG="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("PASS  /api/docs and every file it loads answer 200")


def test_without_debug_the_static_files_are_not_served_and_the_check_says_so() -> None:
    """With DEBUG off nothing serves /static/ (a deployment uses collectstatic and its web server
    or WhiteNoise): the check fails, naming each file."""
    done = docs_check("--no-browser", DJANGO_DEBUG="0")
    assert done.returncode == 1
    assert "FAIL  /static/ninja/swagger-ui-bundle.js answered 404" in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    find_browser() is None and not os.environ.get("TUTORIAL_REQUIRE_BROWSER"),
    reason="no Chromium on this machine (CI sets TUTORIAL_REQUIRE_BROWSER=1: there it fails)",
)
def test_a_headless_browser_draws_the_operations() -> None:
    """Chromium runs the page's JavaScript, which draws every operation from the schema."""
    assert find_browser(), "no Chromium or Chrome on PATH: apt install chromium"
    done = docs_check(DJANGO_DEBUG="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "drawn by" in done.stdout
