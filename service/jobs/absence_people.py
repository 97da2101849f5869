"""The two people of a meeting as its absence check (``jobs/absences.py``) judges them: their
working hours, public holidays and calendar items."""

from __future__ import annotations

from typing import Any

from service.domain.absence import Attendee, CalendarItem, holiday_calendar
from service.domain.events import ScheduleItem
from service.domain.model import WorkingHours
from service.domain.records import PairingView
from service.jobs.context import JobContext
from service.jobs.series_plan import report_working_hours, working_hours

_MAX_TEXT = 200


def plain(text: str) -> str:
    """Text from outside (display names), made safe to store and show as one line."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(cleaned.split())[:_MAX_TEXT]


def attendees(ctx: JobContext, view: PairingView, m_items: list[ScheduleItem],
              r_items: list[ScheduleItem], years: set[int], groups: dict[str, set[str]]
              ) -> tuple[Attendee, Attendee]:
    """The manager and the report (``years``: of their public holidays; ``groups``: the
    holiday groups' members). A report whose zone is unknown works in the manager's, as
    booking and rebooking take it, not in the policy's default zone: a New York pair's
    meeting on a US holiday was moved to the report's "09:00-17:00 London", 04:00-12:00 in
    New York."""
    manager_hours = working_hours(view.manager, ctx.settings.policy.time_zone)
    report_hours = report_working_hours(view.report, manager_hours.time_zone)
    return (_attendee(ctx, view.manager, manager_hours, m_items, years, groups),
            _attendee(ctx, view.report, report_hours, r_items, years, groups))


def _attendee(ctx: JobContext, person: Any, hours: WorkingHours, items: list[ScheduleItem],
              years: set[int], groups: dict[str, set[str]]) -> Attendee:
    member_of = frozenset(g for g, ids in groups.items() if person.id in ids)
    code = ctx.settings.holidays.code_for(person.email, member_of)
    return Attendee(name=plain(person.name or person.email), hours=hours,
                    holidays=holiday_calendar(code, years),
                    items=tuple(CalendarItem(i.start, i.end, i.status) for i in items))
