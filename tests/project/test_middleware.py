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
    """Under ASGI the hybrid middleware sets SecurityMiddleware's defaults on the event loop: a
    request crosses into a thread as often as with no middleware at all."""
    from course_kit.profiling import count_crossings

    with count_crossings() as bare:
        await get_through([])
    assert bare == {"sync_to_async": 2, "async_to_sync": 0}  # the counting itself works
    with count_crossings() as hybrid:
        response = await get_through(["tutorial_project.middleware.SecurityHeadersMiddleware"])
    assert hybrid == bare
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


def test_security_headers_under_wsgi() -> None:
    """The same middleware works in a sync stack, as plain sync code (the hybrid pattern)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    with override_settings(MIDDLEWARE=["tutorial_project.middleware.SecurityHeadersMiddleware"]):
        handler = WSGIHandler()
    environ = RequestFactory().get("/plain/async-hello?delay=0").environ
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(handler(environ, lambda status, headers: started.append((status, headers))))
    ((status, headers),) = started
    assert status == "200 OK" and b"plain Django" in body
    assert ("X-Content-Type-Options", "nosniff") in headers


async def test_sync_only_middleware_still_serves() -> None:
    """The notebook's sync-only middleware is slow on purpose, not broken."""
    response = await get_through(["tutorial_project.experiments.middleware.SyncOnlyMiddleware"])
    assert response.json() == {"message": "Hello from async view!"}


DEADLINE = "tutorial_project.middleware.DeadlineMiddleware"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/async-hello?delay=0.5", 504),
        ("/api/async-hello?delay=0", 200),
        ("/plain/async-hello?delay=0.5", 200),  # outside /api/: no deadline
    ],
)
async def test_deadline_middleware_answers_504_for_slow_api_requests(
    path: str, status: int
) -> None:
    """Over API_DEADLINE an API request is cut short with a 504 and a one-line reason; others
    pass; and it adds no thread hop (it runs on the event loop)."""
    from course_kit.profiling import count_crossings

    with override_settings(API_DEADLINE=0.1), count_crossings() as crossings:
        response = await get_through([DEADLINE], path)
    assert response.status_code == status
    if status == 504:
        assert response.json() == {
            "detail": "The request took longer than the API's 0.1 s deadline."
        }
    else:  # (a 5xx costs one hop more: Django logs it through sync_to_async)
        assert crossings == {"sync_to_async": 2, "async_to_sync": 0}


async def test_deadline_middleware_cancels_the_view() -> None:
    """The view under the deadline is cancelled at its await, not left running."""
    from tutorial_project.experiments import journal

    tag = "deadline-test"
    with override_settings(API_DEADLINE=0.1):
        response = await get_through(
            [DEADLINE], f"/api/lab/async-steps?count=50&interval=0.05&tag={tag}"
        )
    assert response.status_code == 504
    seen = [event.what for event in journal.events(tag)]
    assert seen[-2:] == ["view cancelled", "view cleaned up"]


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


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TUTORIAL_MIDDLEWARE", "fast", "TUTORIAL_MIDDLEWARE must be 'full' or 'api', not 'fast'."),
        ("TUTORIAL_HANDLER", "fast", "TUTORIAL_HANDLER must be 'stock' or 'pooled', not 'fast'."),
        ("TUTORIAL_UPSTREAM_CLIENTS", "0", "TUTORIAL_UPSTREAM_CLIENTS must be a positive number"),
        ("TUTORIAL_UPSTREAM_TIMEOUT", "soon", "TUTORIAL_UPSTREAM_TIMEOUT must be a positive"),
    ],
)
def test_bad_settings_from_the_environment_are_refused(
    variable: str, value: str, message: str
) -> None:
    """A bad value stops Django at start-up with a message that names it, not later with a 500."""
    env = {**os.environ, variable: value, "DJANGO_SETTINGS_MODULE": "tutorial_project.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and message in done.stderr
