"""The library's background task, through Django's tasks framework and its immediate backend."""

import pytest

from tutorial_project.library.tasks import count_library

pytestmark = pytest.mark.usefixtures("library")


def test_enqueued_task_runs_at_once_on_the_immediate_backend() -> None:
    """The project's TASKS backend runs the task before enqueue() returns, and keeps its value."""
    result = count_library.enqueue()
    assert type(count_library.get_backend()).__name__ == "ImmediateBackend"
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"authors": 4, "books": 8}


async def test_aenqueue_from_async_code() -> None:
    """aenqueue() works from async code (the ORM runs off the event loop)."""
    result = await count_library.aenqueue()
    assert result.status == "SUCCESSFUL" and result.return_value["books"] == 8
