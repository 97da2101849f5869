"""What every job gets: settings, the store, the Graph port, and who is running it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.config import Settings
from service.domain.events import CalendarEvent
from service.domain.readback import CalendarRead
from service.graph.client import GraphClient
from service.store.leases import worker_identity
from service.store.repo import Store

Progress = Callable[[str, int, int], None]



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
    # This run's read of each manager calendar it read (by mailbox, lower case): the notes
    # step reads meetings back from it (see jobs/notes_seen.py). Filled afresh likewise.
    calendars_read: dict[str, CalendarRead] = field(default_factory=dict)
    # When the run began, on the monotonic clock (see ``moved_on``).
    started: float = field(default_factory=time.monotonic)

    def moved_on(self, now: datetime) -> datetime:
        """The run's ``now`` moved on by the real time the run has taken so far. A run's
        ``now`` is fixed when it starts; a claim stamped with it by a run slow to reach its
        step (throttling, a large rollout) would look older than it is, and another replica
        would take it over while this one still holds it (and send the same mail again).
        Claims are stamped, and judged, with this instead."""
        return now + timedelta(seconds=time.monotonic() - self.started)

    def report_progress(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)
