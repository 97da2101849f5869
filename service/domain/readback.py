"""When a meeting's notes are read back from its event, and when a calendar read vouches
for them instead.

The notes are read at the end of the meeting (plus a grace period), then again a day later
(an action ticked the next day, or notes typed late, which also stop the reminder decided
right after), and once more at the end of the recapture window. The re-reads are not
reads of the event: a read of the manager's whole calendar (calendarView/delta) lists every
event changed since the read before, so once one has been made after a re-read fell due, an
event it did not list is known to be as it was read back ("vouched"), and one it listed is
read again at once. The read made anyway as the manager's next meeting comes near serves;
when none came, the calendar is read for the re-read that can wait no longer (``owed``): the
day-after one at once for a meeting read back without notes (it decides the manager's
reminder, and the summary of notes typed late), for one whose summary is already out after
SUMMARY_OUT_WAIT or until shortly before the pair's next agenda, whichever is later (only that
agenda and the record wait for it: a monthly 1-2-1's waits about a week), the last one after
LAST_WAIT (later, so it sees more). One calendar read vouches for all of that manager's
meetings, and a manager with several reports has one of them coming near every few days: so
most re-reads are vouched by a read made anyway rather than costing one of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

from service.domain.body import block_text, fingerprint
from service.domain.events import CalendarEvent
from service.domain.htmltext import html_to_text
from service.domain.records import OccurrenceRecord
from service.domain.status import AgendaState, OccurrenceStatus

RECHECK = timedelta(hours=24)
# How long the day-after re-read of a meeting read back with notes may wait for a calendar
# read to vouch for it: its summary is out (it is never sent again), so the re-read serves the
# next agenda, and a day's wait still comes before a weekly 1-2-1's (a Tuesday meeting's next
# agenda is written on Friday, two working days ahead). (Without notes the day-after read
# does not wait: it decides whether the manager is reminded, and the summary of notes typed
# late goes out after it.)
SUMMARY_OUT_WAIT = timedelta(days=1)
# How long the last re-read may wait for a calendar read to vouch for it: two days, so it is
# still made before the next agenda of a fortnightly 1-2-1 (a Tuesday's on the Friday before).
LAST_WAIT = timedelta(days=2)
# How long before the pair's next agenda falls due a waiting re-read is made at the latest
# (a run every 12 hours still makes it before that agenda's run).
BEFORE_NEXT_AGENDA = timedelta(hours=12)


class ReadBack(StrEnum):
    NONE = "none"  # nothing due (or waiting for a calendar read)
    READ = "read"  # read the event now
    VOUCHED = "vouched"  # a calendar read since the re-read fell due saw no change


def reach(recapture: timedelta) -> timedelta:
    """How long after its end a meeting may still be read back: the calendar reads' windows
    reach this far into the past, and the read-back looks this far."""
    return recapture + LAST_WAIT + timedelta(days=1)


def read_late(rows: Sequence[dict[str, Any]], stored: Sequence[OccurrenceRecord],
              now: datetime, recapture: timedelta) -> list[dict[str, Any]]:
    """The rows a sync records for a series (``stored``: its meetings as stored), each one
    of a meeting never read back that ended longer ago than the first read-back looks
    (``reach``) marked to be read back now (its ``read_back_at``). Recorded, or moved there,
    only now (a meeting the manager dragged to a day before any read of their calendar,
    found when its old slot is listed), it would otherwise stay as recorded, moved and
    never settled, for good."""
    read = {o.original_start for o in stored if o.captured_at is not None}
    settled = (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)
    return [{**row, "read_back_at": now}
            if (row["original_start"] not in read and row["status"] not in settled
                and row["end"] < now - reach(recapture)) else row
            for row in rows]


def read_back(occ: OccurrenceRecord, now: datetime, grace: timedelta, recapture: timedelta,
              calendar_read_at: datetime | None, next_agenda_at: datetime | None = None
              ) -> ReadBack:
    """What to do about one meeting's notes now. ``calendar_read_at``: when the manager's
    calendar was last read with a window holding this meeting (None: never);
    ``next_agenda_at``: when the pair's next agenda falls due, if known (see
    ``day_after_deadline``)."""
    if occ.status == OccurrenceStatus.CANCELLED or occ.end + grace > now:
        return ReadBack.NONE
    if occ.captured_at is None:
        return ReadBack.READ
    if occ.changed_at is not None and occ.changed_at > occ.captured_at:
        return ReadBack.READ  # a calendar read saw an edit: read it now
    marks = [(mark, deadline) for mark, deadline in _marks(occ, recapture, next_agenda_at)
             if mark <= now]
    if not marks:
        return ReadBack.NONE
    if calendar_read_at is not None and calendar_read_at >= max(m for m, _d in marks):
        return ReadBack.VOUCHED
    if any(deadline <= now for _mark, deadline in marks):
        return ReadBack.READ
    return ReadBack.NONE


def _marks(occ: OccurrenceRecord, recapture: timedelta, next_agenda_at: datetime | None
           ) -> list[tuple[datetime, datetime]]:
    """(mark, deadline) of each re-read still to make after the meeting's last read-back:
    when it falls due, and when it can wait no longer for a calendar read."""
    assert occ.captured_at is not None
    return [(mark, deadline) for mark, deadline in (
                (occ.end + RECHECK, day_after_deadline(occ, recapture, next_agenda_at)),
                (occ.end + recapture, occ.end + recapture + LAST_WAIT))
            if occ.captured_at < mark]


def waiting_until(occ: OccurrenceRecord, now: datetime, recapture: timedelta,
                  next_agenda_at: datetime | None) -> datetime | None:
    """When a meeting whose re-read has fallen due but waits for a calendar read is next
    looked at: when one of its re-reads can wait no longer, or a day on if that is sooner
    (None: none is waiting). Not every run meanwhile: a calendar read that lists it changed
    marks it to be read at once, and one that does not vouches for it whenever it is next
    looked at. At least daily, as the pair's next agenda may have come nearer (a new series
    after a cadence change, a longer lead time), which moves the deadline."""
    if occ.captured_at is None or occ.status == OccurrenceStatus.CANCELLED:
        return None
    marks = _marks(occ, recapture, next_agenda_at)
    if not any(mark <= now for mark, _deadline in marks):
        return None
    return min(min(deadline for _mark, deadline in marks), now + RECHECK)


def day_after_deadline(occ: OccurrenceRecord, recapture: timedelta,
                       next_agenda_at: datetime | None) -> datetime:
    """When the day-after re-read can wait no longer for a calendar read made anyway.

    Without notes, at once: it decides the manager's reminder, and the summary of notes typed
    late. With its summary out, only the pair's next agenda (which carries the actions) and
    the record wait for it: it waits SUMMARY_OUT_WAIT, or, when the next agenda is known to
    fall due later, until shortly before it, but never past the last re-read's own deadline
    (the two are then made as one, and the calendar reads' windows still reach it)."""
    mark = occ.end + RECHECK
    if occ.status != OccurrenceStatus.HELD:
        return mark
    wait = mark + SUMMARY_OUT_WAIT
    if next_agenda_at is None:
        return wait
    return max(wait, min(next_agenda_at - BEFORE_NEXT_AGENDA, occ.end + recapture + LAST_WAIT))


def reread_overdue(occ: OccurrenceRecord, now: datetime) -> bool:
    """Whether a re-read of a meeting read back is due and not made (this run's failed):
    what it says of its notes may be stale, so nothing is decided on it yet."""
    return occ.read_back_at is not None and occ.read_back_at <= now


def known_not_held(occ: OccurrenceRecord, now: datetime, wait: timedelta) -> bool:
    """Whether a meeting read back without notes counts as not held: read, ``wait`` past its
    end, and no re-read of it overdue. Not one with words typed outside its agenda block
    since the agenda went in (``typed_outside``): someone wrote in it, so it took place, and
    only its notes are in the wrong place (no times are offered to rebook it)."""
    return (occ.captured_at is not None and now >= occ.end + wait
            and not reread_overdue(occ, now) and not occ.typed_outside)


def next_look(occ: OccurrenceRecord, recapture: timedelta) -> datetime | None:
    """When a meeting read back (at ``captured_at``) is next looked at: its next re-read
    mark, or None once none is left (or it was cancelled)."""
    if occ.captured_at is None or occ.status == OccurrenceStatus.CANCELLED:
        return None
    return next((mark for mark in (occ.end + RECHECK, occ.end + recapture)
                 if mark > occ.captured_at), None)


def owed(occ: OccurrenceRecord, now: datetime, grace: timedelta, recapture: timedelta,
         calendar_read_at: datetime | None, next_agenda_at: datetime | None = None) -> bool:
    """Whether a re-read of a meeting already read back (and not seen changed) can no longer
    wait: the manager's calendar is then read instead, which vouches for every meeting of
    theirs at once (and lists any that changed, to be read)."""
    if occ.captured_at is None or (occ.changed_at is not None
                                   and occ.changed_at > occ.captured_at):
        return False
    return read_back(occ, now, grace, recapture, calendar_read_at,
                     next_agenda_at) == ReadBack.READ


@dataclass(frozen=True)
class CalendarRead:
    """One read of a manager's calendar (calendarView/delta) made this run: the events it
    listed as added or changed, by id (an exception, such as every meeting with an agenda in
    it, comes in full, body included; an untouched occurrence only with its times), the ids
    it listed as removed, whether it read its window whole, and the window."""

    events: Mapping[str, CalendarEvent]
    removed: frozenset[str]
    full: bool
    start: datetime
    end: datetime

    def listed(self, occ: OccurrenceRecord) -> CalendarEvent | None:
        """The meeting's event as this read listed it with its body, or None."""
        event = self.events.get(occ.event_id)
        return event if event is not None and event.type != "occurrence" else None

    @cached_property
    def relisted(self) -> frozenset[str]:
        """The series (by master id) this read of the changes lists an instance of: their
        master changed, and a delta then lists each instance of the series in its window
        again (microsoftgraph/microsoft-graph-docs#6353). Deleting or cancelling one
        occurrence on its own is such a change: it changes only the master (#5520), and
        people who tried it found no @removed for the occurrence (#4501)."""
        if self.full:
            return frozenset()
        # (Some find the master itself listed too, with its first meeting's times.)
        masters = (e.id if e.type == "seriesMaster" else e.series_master_id
                   for e in self.events.values())
        return frozenset(m for m in masters if m)

    def gone(self, event_id: str, master_id: str | None, start: datetime) -> bool:
        """Whether this read says a recorded meeting (an instance of the series ``master_id``,
        or a single event when None, starting at ``start``) is no longer in the calendar:
        listed as removed, or not listed by a read that lists all there is of it in the
        window (a whole read, or one of the changes that lists its series again). A meeting
        the series listing then finds after all (Graph leaving out an exception not
        changed, say) costs that listing only."""
        if event_id in self.events:
            return False
        if event_id in self.removed:
            return True
        return self.start <= start < self.end and (
            self.full or (master_id is not None and master_id in self.relisted))

    def vouches_unchanged(self, occ: OccurrenceRecord) -> bool:
        """Whether this read says the meeting's event is as the read before it saw it: a read
        of the changes since then, over a window holding the meeting, that lists it neither
        changed nor removed."""
        return (not self.full and self.start <= occ.start and occ.end <= self.end
                and occ.event_id not in self.events and occ.event_id not in self.removed)


def block_as_written(event: CalendarEvent, occ: OccurrenceRecord) -> bool:
    """Whether an event a calendar read listed (its body as HTML) still has the agenda block
    exactly as onetoone wrote it into this meeting: nothing typed in it yet."""
    if (event.type == "occurrence" or occ.agenda_state != AgendaState.INJECTED
            or not occ.agenda_fingerprint):
        return False
    text = block_text(html_to_text(event.body, rows=True))
    return text is not None and fingerprint(text) == occ.agenda_fingerprint


def as_written(occ: OccurrenceRecord, read: CalendarRead | None) -> bool:
    """Whether a meeting not read back yet can be read back from what the store knows, with
    no read of its event: this run's read of its calendar lists no change to it since the
    read before, and no read since its agenda went in saw anything typed in the agenda
    (each such read marks it changed: see ``block_as_written``). Its block is then exactly
    the agenda: no notes."""
    return (read is not None and occ.captured_at is None and occ.changed_at is None
            and occ.agenda_state == AgendaState.INJECTED and bool(occ.agenda_fingerprint)
            and read.vouches_unchanged(occ))
