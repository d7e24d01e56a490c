"""The API-only middleware stack (TUTORIAL_MIDDLEWARE=api) and the middleware it uses."""

import os
import subprocess
import sys

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings


async def get_through(stack: list[str], path: str = "/api/async-hello?delay=0") -> httpx.Response:
    """One request through a fresh ASGI handler built with `stack` as its middleware."""
    with override_settings(MIDDLEWARE=stack):
        handler = ASGIHandler()
    transport = httpx.ASGITransport(app=handler)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


async def test_security_headers_without_a_thread_hop() -> None:
    """The async-native middleware sets SecurityMiddleware's defaults on the event loop."""
    response = await get_through(["tutorial_project.middleware.SecurityHeadersMiddleware"])
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


async def test_sync_only_middleware_still_serves() -> None:
    """The notebook's sync-only middleware is slow on purpose, not broken."""
    response = await get_through(["tutorial_project.middleware.SyncOnlyMiddleware"])
    assert response.json() == {"message": "Hello from async view!"}


@pytest.mark.parametrize(("stack", "admin"), [("full", True), ("api", False)])
def test_stacks_pass_djangos_checks(stack: str, admin: bool, tmp_path) -> None:
    """Both stacks pass `manage.py check`; only the full one serves the admin."""
    env = {**os.environ, "TUTORIAL_MIDDLEWARE": stack, "TUTORIAL_DB_PATH": str(tmp_path / "db")}
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('check')\n"
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/admin/'); print('admin')\nexcept Resolver404:\n    print('no admin')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "tutorial_project.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().splitlines()[-1] == ("admin" if admin else "no admin")


def test_unknown_stack_is_refused(tmp_path) -> None:
    """A typo in TUTORIAL_MIDDLEWARE stops Django with the allowed values."""
    env = {
        **os.environ,
        "TUTORIAL_MIDDLEWARE": "fast",
        "DJANGO_SETTINGS_MODULE": "tutorial_project.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "TUTORIAL_MIDDLEWARE must be 'full' or 'api', not 'fast'." in done.stderr
