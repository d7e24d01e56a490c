"""Does the API docs page render? /api/docs served by uvicorn, opened in a real headless browser.

    python -m course_tools.docs_page        (make docs-check)

The page is Swagger UI: HTML that loads its CSS and JavaScript from /static/ninja/… and then
builds the page in the browser from /api/openapi.json. Under `runserver` Django serves /static/
itself; under an ASGI server nothing does unless the project says so (asgi.py wraps the handler
in Django's ASGIStaticFilesHandler while DEBUG is on). This check serves the project's real ASGI
application on 127.0.0.1, asks for every file the page loads, then lets Chromium run the page's
JavaScript and looks for the operations it drew.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urljoin

import httpx

# What Swagger UI draws for each operation: <span class="opblock-summary-path" data-path="...">.
OPERATION = re.compile(r'class="opblock-summary-path"[^>]*data-path="([^"]+)"')
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def assets(page: str) -> list[str]:
    """The CSS and JavaScript files an HTML page loads (<link href>, <script src>)."""
    return re.findall(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"', page)


def find_browser() -> str | None:
    """The path of a Chromium or Chrome on this machine, if there is one."""
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def render(url: str, browser: str, timeout: float = 60.0) -> str:
    """The page's DOM after its JavaScript has run, as headless Chromium serialises it."""
    with tempfile.TemporaryDirectory(prefix="async-django-browser-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", url,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{browser} exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def check(base_url: str, browser: str | None) -> list[str]:
    """Problems found with the docs page at `base_url`/api/docs; an empty list means it renders."""
    problems = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        page = client.get("/api/docs")
        if page.status_code != 200:
            return [f"/api/docs answered {page.status_code}"]
        files = assets(page.text)
        if not files:
            problems.append("/api/docs loads no CSS or JavaScript: not the Swagger UI page")
        for path in files:
            status = client.get(urljoin("/api/docs", path)).status_code
            if status != 200:
                problems.append(f"{path} answered {status}: the page would be blank")
    if browser and not problems:
        drawn = set(OPERATION.findall(render(f"{base_url}/api/docs", browser)))
        if "/api/async-hello" not in drawn:
            problems.append(
                f"the browser drew {len(drawn)} operations, and not /api/async-hello: "
                "the page's JavaScript did not build it"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Serve the project on 127.0.0.1 and check its docs page; 0 when it renders."""
    import argparse
    import os

    parser = argparse.ArgumentParser(prog="python -m course_tools.docs_page")
    parser.add_argument(
        "--no-browser", action="store_true", help="check the page's files only (no Chromium)"
    )
    args = parser.parse_args(argv)

    from course_kit.servers import serve

    # The page needs no database: Django's settings as `uvicorn tutorial_project.asgi:application`
    # would use them, in development (DEBUG on, unless DJANGO_DEBUG says otherwise).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial_project.settings")
    browser = None if args.no_browser else find_browser()
    with serve("tutorial_project.asgi:application") as server:
        problems = check(server.url, browser)
    for problem in problems:
        print("FAIL ", problem)
    if not problems:
        where = f"drawn by {browser}" if browser else "files only, no browser"
        print(f"PASS  /api/docs and every file it loads answer 200 ({where})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
