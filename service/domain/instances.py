"""What one instance of a series, as Graph listed it, says of the meeting: its state, and
whether the report declined it or an absence move of ours was undone (pure)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from service.domain.events import CalendarEvent
from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, OccurrenceStatus


def report_declined(item: CalendarEvent, report_email: str) -> bool:
    """Whether the report declined this occurrence (the organizer's copy carries each
    attendee's answer): the report by their address, or the one person invited (rooms
    aside), who is the report under an address they went by when it was booked (Exchange
    keeps an old address as an alias after a change of name, and the invite carries it)."""
    email = report_email.lower()
    # Graph's responseStatus word for the report's answer, not one of our states.
    if any(a.email == email for a in item.attendees):  # (in the Resources box too)
        return any(a.email == email and a.response == "declined" for a in item.attendees)
    rooms = set(item.rooms)
    people = [a for a in item.attendees if a.kind != "resource" and a.email not in rooms]
    return len(people) == 1 and people[0].response == "declined"


def occurrence_state(item: CalendarEvent, report_email: str) -> tuple[str, datetime, datetime,
                                                                      datetime]:
    """(status, original start, start, end) of one instance as Graph returned it."""
    assert item.start is not None and item.end is not None  # asked for in SELECT
    start, end = item.start, item.end
    original = item.slot or start
    status = OccurrenceStatus.SCHEDULED
    if item.cancelled:
        status = OccurrenceStatus.CANCELLED
    else:
        if report_declined(item, report_email):
            status = OccurrenceStatus.DECLINED
        if status == OccurrenceStatus.SCHEDULED and start != original:
            status = OccurrenceStatus.MOVED
    return status, original, start, end


def move_undone(previous: OccurrenceRecord, original: datetime, start: datetime) -> bool:
    """Whether a meeting onetoone moved off an absence is listed at its slot again: the
    manager's edit of the whole series in Outlook (a new end date, a new length) drops
    every exception of it (MS-OXOCAL 3.1.4.7.3.5), or she put it back herself."""
    return (previous.absence_state == AbsenceState.MOVED and start == original
            and previous.start != original)


def before_first_day(start: datetime, first_date: date, time_zone: str) -> bool:
    """Whether a meeting starts before the recorded first day of its series (in the series'
    zone): the manager moved the whole series earlier in Outlook."""
    return start.astimezone(ZoneInfo(time_zone)).date() < first_date
