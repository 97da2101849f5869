"""A long absence read whole, and the one note about it (for ``jobs/absences.py``).

Each meeting's check reads a couple of weeks each side of it; leave reaching past that (one
long event, or leave booked a day or a week at a time) is read further for the person away:
``RUN_LIMIT_DAYS`` each side of the meeting (one $batch), and, only when it still reaches
back past that (a meeting more than three months into a long leave), back to
``RUN_BACK_DAYS`` before the meeting (one more). So every meeting inside the absence finds
the same first day; an absence edited in Outlook since its note is the same absence, noted once
(service/domain/absence_notes.py). Its end is the one read ahead, or "at least" the last day
read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.absence import (
    RUN_BACK_DAYS,
    RUN_LIMIT_DAYS,
    Absence,
    Attendee,
    CalendarItem,
    absence_around,
    run_dates,
)
from service.domain.agenda import format_date
from service.domain.events import ScheduleQuery
from service.errors import ServiceError
from service.jobs.context import JobContext


async def whole_run(ctx: JobContext, organizer: str, email: str, person: Attendee,
                    start: datetime) -> Attendee | None:
    """``person`` (``email``) with their calendar read as far as their run of absent days
    around the meeting at ``start`` needs (see the module); None when it can't be read."""
    reach = timedelta(days=RUN_LIMIT_DAYS + 2)
    lo, hi = start - reach, start + reach
    wider = await _more(ctx, organizer, email, person, lo, hi)
    if wider is None:
        return None
    run = absence_around(wider, start.astimezone(ZoneInfo(person.hours.time_zone)).date())
    if run is None or not run.open_before:
        return wider
    return await _more(ctx, organizer, email, wider, start - timedelta(days=RUN_BACK_DAYS), lo)


async def _more(ctx: JobContext, organizer: str, email: str, person: Attendee,
                lo: datetime, hi: datetime) -> Attendee | None:
    """``person`` with their items in [lo, hi) added (one $batch), and the span read grown."""
    query = ScheduleQuery(organizer=organizer, emails=(email,), start=lo, end=hi)
    try:
        [answer] = await ctx.graph.schedule_items_many([query])
    except ServiceError:
        return None
    items = answer.get(email)
    if items is None:
        return None
    read = (min(lo, person.read[0]), max(hi, person.read[1])) if person.read else (lo, hi)
    return replace(person, read=read, items=(
        *person.items, *(CalendarItem(i.start, i.end, i.status) for i in items)))


def note_subject(absence: Absence, *, yours: bool, longer: bool = False) -> str:
    """The note's subject: whose absence (``yours``: the manager's own, as the note goes to
    her only) and its dates, as far as they are known; ``longer``: the update saying it now
    ends later than the note said."""
    whose = "your" if yours else f"{absence.name}'s"
    now = ", now longer" if longer else ""
    return f"1-2-1s during {whose} absence{now} ({run_dates(absence, format_date)})"
