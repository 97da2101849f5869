"""What every job gets: settings, the store, the Graph port, and who is running it."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from service.config import Settings
from service.domain.events import CalendarEvent
from service.graph.client import GraphClient
from service.store.repo import Store

Progress = Callable[[str, int, int], None]


def worker_identity() -> str:
    """host:pid, so a lease shows which replica holds it."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class JobContext:
    settings: Settings
    store: Store
    graph: GraphClient
    worker_id: str = field(default_factory=worker_identity)
    progress: Progress | None = None
    # Occurrences as the calendar read of this tick returned them (body included), by event
    # id: the agenda step writes into them without reading each one again. Filled afresh by
    # each occurrence sync; taken (not kept) by the step that uses one.
    events_seen: dict[str, CalendarEvent] = field(default_factory=dict)

    def report_progress(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)
