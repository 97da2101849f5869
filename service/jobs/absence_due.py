"""When a meeting's absence check is due (see jobs/absences.py): asked by the absence step,
and by the agenda step, whose first agenda for a meeting waits for that check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.records import OccurrenceRecord, PairingView, SeriesRecord
from service.domain.status import (
    MEETING_SERIES,
    AbsenceState,
    AgendaState,
    OccurrenceStatus,
    PairingStatus,
)
from service.domain.timing import agenda_due_at
from service.jobs.context import JobContext

MARGIN_WORKING_DAYS = 1  # first look this many working days before the agenda is due
MIN_NOTICE = timedelta(hours=24)  # a moved meeting starts at least this long from now
# Called off in Outlook (by the manager or the report) before its check: looked at once,
# read only, to tell a meeting called off for someone's absence (excused) from a missed one.
CALLED_OFF = (OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED)
PASSED = (OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES)
SETTLED = (*CALLED_OFF, *PASSED)


def working_days_of(person: Any) -> frozenset[int]:
    """A person's working days (Monday 0), Monday to Friday when unknown."""
    if person is not None and person.working_days:
        return frozenset(person.working_days)
    return frozenset({0, 1, 2, 3, 4})


def held_back(occ: OccurrenceRecord) -> bool:
    """Its agenda is held back by our own skip for an absence."""
    return (occ.agenda_state == AgendaState.SKIPPED
            and occ.absence_state == AbsenceState.SKIPPED)


def _open(occ: OccurrenceRecord) -> bool:
    """Its agenda is not in yet (or held back by our own skip), and it is still to happen;
    or it was called off before any check (decided once: see ``CALLED_OFF``)."""
    if occ.status in PASSED:
        return False
    if occ.status in CALLED_OFF:
        return occ.absence_checked_at is None and occ.agenda_state == AgendaState.PENDING
    return occ.agenda_state == AgendaState.PENDING or held_back(occ)


def check_to_come(occ: OccurrenceRecord, now: datetime) -> bool:
    """Called off in Outlook ahead and its one absence check not made yet: no rebooking offer
    until that check tells whether it was called off for someone's absence."""
    return (occ.status in CALLED_OFF and occ.absence_checked_at is None and occ.start > now
            and occ.agenda_state == AgendaState.PENDING)


def eve_of(start: datetime, agenda_due: datetime) -> datetime:
    """When a meeting skipped for an absence is looked at once more: a day before it (never
    before its agenda day), so leave withdrawn or cut short after the agenda day still gives
    it its agenda, and its notes a place to be typed and read."""
    return max(start - MIN_NOTICE, agenda_due)


def is_due(ctx: JobContext, occ: OccurrenceRecord, series: SeriesRecord, manager: Any,
           now: datetime) -> bool:
    """Checked first a working day before its agenda is due, then again when it is due
    (unless the first check was already at or after that); one skipped for an absence once
    more on its eve (``eve_of``). One called off in Outlook before any check, once."""
    if not _open(occ) or occ.rebook_of is not None:
        return False
    if occ.absence_state == AbsenceState.MOVING:
        return True  # a move was interrupted: finish it
    lead = ctx.settings.agenda.lead_working_days
    local = occ.start.astimezone(ZoneInfo(series.time_zone))
    days = working_days_of(manager)
    if now < agenda_due_at(local, lead + MARGIN_WORKING_DAYS, days):
        return False
    checked = occ.absence_checked_at
    if checked is None:
        return True
    agenda_due = agenda_due_at(local, lead, days)
    if now >= agenda_due > checked:
        return True
    if occ.status in CALLED_OFF or not held_back(occ):
        return False
    eve = eve_of(occ.start, agenda_due)
    return now >= eve > checked


def check_pending(ctx: JobContext, occ: OccurrenceRecord, series: SeriesRecord,
                  view: PairingView, now: datetime) -> bool:
    """Whether a meeting's absence check is due and still not made after this run's absence
    step (free/busy unreadable, the pair leased by another worker, the step failed) while a
    move could still land: its first agenda waits for it. Written now, the agenda would name
    a day someone is away, and a written agenda ends the absence step's watch, so the check
    would never be made again. (Not past MIN_NOTICE before the meeting: then it goes in.)"""
    return (view.pairing.status == PairingStatus.ACTIVE and series.status in MEETING_SERIES
            and occ.start > now + MIN_NOTICE and is_due(ctx, occ, series, view.manager, now))
