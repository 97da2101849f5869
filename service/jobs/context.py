"""What every job gets: settings, the store, the Graph port, and who is running it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.config import Settings
from service.domain.events import CalendarEvent
from service.domain.readback import CalendarRead
from service.graph.client import GraphClient
from service.store.leases import worker_identity
from service.store.repo import Store

Progress = Callable[[str, int, int], None]

# How long an occurrence read by the run's calendar reads may be written from. A PATCH
# replaces the whole body, so whatever the manager typed into the invite after the read is
# lost; a run slowed by throttling can reach its agenda step many minutes after its reads,
# and then reads each occurrence again just before writing it.
SEEN_FRESH_SECONDS = 120.0


@dataclass
class JobContext:
    settings: Settings
    store: Store
    graph: GraphClient
    worker_id: str = field(default_factory=worker_identity)
    progress: Progress | None = None
    # Occurrences as the calendar read of this tick returned them (body included), by event
    # id, with when they were read (``elapsed``): the agenda step writes into them without
    # reading each one again while they are fresh. Filled afresh by each occurrence sync;
    # taken (not kept) by the step that uses one (``seen_event``).
    events_seen: dict[str, tuple[CalendarEvent, float]] = field(default_factory=dict)
    # This run's read of each manager calendar it read (by mailbox, lower case): the notes
    # step reads meetings back from it (see jobs/notes_seen.py). Filled afresh likewise.
    calendars_read: dict[str, CalendarRead] = field(default_factory=dict)
    # Keys of the prep mails whose meetings this run's absence step found go ahead where
    # they are (no holiday, neither person away): the mail step queues them (see
    # jobs/outbox.py ``_queue_prep``). Any other outcome is kept in the outbox instead.
    preps_cleared: set[str] = field(default_factory=set)
    # The members of each [holidays.groups] group and the failures reading them, once read
    # this run (see jobs/holiday_groups.py): the absence and rebook steps share one read.
    holiday_groups: tuple[dict[str, set[str]], list[str]] | None = None
    # Date formats read this run for managers whose format was not known (by directory id;
    # see jobs/date_format.py): one read per manager, however many of their meetings need it.
    date_formats: dict[str, str] = field(default_factory=dict)
    # When the run began, on the monotonic clock (see ``moved_on``).
    started: float = field(default_factory=time.monotonic)

    def moved_on(self, now: datetime) -> datetime:
        """The run's ``now`` moved on by the real time the run has taken so far. A run's
        ``now`` is fixed when it starts; a claim stamped with it by a run slow to reach its
        step (throttling, a large rollout) would look older than it is, and another replica
        would take it over while this one still holds it (and send the same mail again).
        Claims are stamped, and judged, with this instead."""
        return now + timedelta(seconds=self.elapsed())

    def elapsed(self) -> float:
        """Seconds of real time since the run began."""
        return time.monotonic() - self.started

    def saw(self, events: Iterable[CalendarEvent]) -> None:
        """Keep these occurrences as just read (see ``events_seen``)."""
        at = self.elapsed()
        self.events_seen.update((e.id, (e, at)) for e in events)

    def seen_event(self, event_id: str) -> CalendarEvent | None:
        """The occurrence as this run read it, taken, if read within SEEN_FRESH_SECONDS;
        else None (it is read again)."""
        seen = self.events_seen.pop(event_id, None)
        if seen is None or self.elapsed() - seen[1] > SEEN_FRESH_SECONDS:
            return None
        return seen[0]

    def report_progress(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)
