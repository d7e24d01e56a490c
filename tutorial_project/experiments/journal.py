"""The journal of the experiment views: what a view did, for requests whose client is gone.

A request whose client has hung up sends no answer anyone can read, so the views of notebook 10
note what they did here; the notebook reads it afterwards (the server runs in its process).
"""

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One thing a view did: for the request labelled `tag`, `what`, at `at` (perf_counter)."""

    tag: str
    what: str
    at: float
    thread: str


journal: list[Event] = []


def note(tag: str, what: str) -> None:
    """Write an event into the journal (list.append is atomic: views in threads may call it)."""
    journal.append(Event(tag, what, time.perf_counter(), threading.current_thread().name))


def events(tag: str) -> list[Event]:
    """The journal's events for one request label, in order."""
    return [event for event in journal if event.tag == tag]
