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
SETTLED = (OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED, OccurrenceStatus.HELD,
           OccurrenceStatus.HELD_NO_NOTES)


def working_days_of(person: Any) -> frozenset[int]:
    """A person's working days (Monday 0), Monday to Friday when unknown."""
    if person is not None and person.working_days:
        return frozenset(person.working_days)
    return frozenset({0, 1, 2, 3, 4})


def _open(occ: OccurrenceRecord) -> bool:
    """Its agenda is not in yet (or held back by our own skip), and it is still to happen."""
    held_back = (occ.agenda_state == AgendaState.SKIPPED
                 and occ.absence_state == AbsenceState.SKIPPED)
    return (occ.agenda_state == AgendaState.PENDING or held_back) and occ.status not in SETTLED


def is_due(ctx: JobContext, occ: OccurrenceRecord, series: SeriesRecord, manager: Any,
           now: datetime) -> bool:
    """Checked first a working day before its agenda is due, then again when it is due
    (unless the first check was already at or after that)."""
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
    return now >= agenda_due > checked


def check_pending(ctx: JobContext, occ: OccurrenceRecord, series: SeriesRecord,
                  view: PairingView, now: datetime) -> bool:
    """Whether a meeting's absence check is due and still not made after this run's absence
    step (free/busy unreadable, the pair leased by another worker, the step failed) while a
    move could still land: its first agenda waits for it. Written now, the agenda would name
    a day someone is away, and a written agenda ends the absence step's watch, so the check
    would never be made again. (Not past MIN_NOTICE before the meeting: then it goes in.)"""
    return (view.pairing.status == PairingStatus.ACTIVE and series.status in MEETING_SERIES
            and occ.start > now + MIN_NOTICE and is_due(ctx, occ, series, view.manager, now))
