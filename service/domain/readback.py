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
day-after one at once, the last one after LAST_WAIT (later, so it sees more). One calendar
read vouches for all of that manager's meetings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from service.domain.records import OccurrenceRecord
from service.domain.status import OccurrenceStatus

RECHECK = timedelta(hours=24)
# How long the last re-read may wait for a calendar read to vouch for it. (The day-after read
# does not wait: it decides whether the manager is reminded, and the summary of notes typed
# late goes out after it.)
LAST_WAIT = timedelta(days=2)


class ReadBack(StrEnum):
    NONE = "none"  # nothing due (or waiting for a calendar read)
    READ = "read"  # read the event now
    VOUCHED = "vouched"  # a calendar read since the re-read fell due saw no change


def reach(recapture: timedelta) -> timedelta:
    """How long after its end a meeting may still be read back: the calendar reads' windows
    reach this far into the past, and the read-back looks this far."""
    return recapture + LAST_WAIT + timedelta(days=1)


def read_back(occ: OccurrenceRecord, now: datetime, grace: timedelta, recapture: timedelta,
              calendar_read_at: datetime | None) -> ReadBack:
    """What to do about one meeting's notes now. ``calendar_read_at``: when the manager's
    calendar was last read with a window holding this meeting (None: never)."""
    if occ.status == OccurrenceStatus.CANCELLED or occ.end + grace > now:
        return ReadBack.NONE
    if occ.captured_at is None:
        return ReadBack.READ
    if occ.changed_at is not None and occ.changed_at > occ.captured_at:
        return ReadBack.READ  # a calendar read saw an edit: read it now
    marks = [(mark, wait) for mark, wait in ((occ.end + RECHECK, timedelta(0)),
                                             (occ.end + recapture, LAST_WAIT))
             if occ.captured_at < mark <= now]
    if not marks:
        return ReadBack.NONE
    if calendar_read_at is not None and calendar_read_at >= max(m for m, _w in marks):
        return ReadBack.VOUCHED
    if any(mark + wait <= now for mark, wait in marks):
        return ReadBack.READ
    return ReadBack.NONE


def next_look(occ: OccurrenceRecord, recapture: timedelta) -> datetime | None:
    """When a meeting read back (at ``captured_at``) is next looked at: its next re-read
    mark, or None once none is left (or it was cancelled)."""
    if occ.captured_at is None or occ.status == OccurrenceStatus.CANCELLED:
        return None
    return next((mark for mark in (occ.end + RECHECK, occ.end + recapture)
                 if mark > occ.captured_at), None)


def owed(occ: OccurrenceRecord, now: datetime, grace: timedelta, recapture: timedelta,
         calendar_read_at: datetime | None) -> bool:
    """Whether a re-read of a meeting already read back (and not seen changed) can no longer
    wait: the manager's calendar is then read instead, which vouches for every meeting of
    theirs at once (and lists any that changed, to be read)."""
    if occ.captured_at is None or (occ.changed_at is not None
                                   and occ.changed_at > occ.captured_at):
        return False
    return read_back(occ, now, grace, recapture, calendar_read_at) == ReadBack.READ
