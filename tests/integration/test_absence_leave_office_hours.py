"""Leave booked as timed out-of-office events for the office day (09:00–17:00, as leave
systems and most people book it) while the person's Outlook working hours are Exchange's
default 08:00–17:00. The hour left at 08:00 is no time for a 1-2-1 on a day off: the day is
an absence day, so the meeting leaves it (rather than being moved to 08:30 that same day of
leave), and two weeks of it are a long absence. A half day off is no day off: the meeting
stays on that day, clear of the leave."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from service.domain.absence import CalendarItem
from service.domain.model import WorkingHours
from tests.integration.test_absences import at, choose, person

OUTLOOK_HOURS = WorkingHours("Europe/London", start=time(8, 0), end=time(17, 0))


def day_off(d: date, start: str = "09:00", end: str = "17:00") -> CalendarItem:
    return CalendarItem(at(d, start).astimezone(UTC), at(d, end).astimezone(UTC), "oof")


def test_a_meeting_is_not_moved_into_the_hour_before_a_day_of_leave() -> None:
    wednesday = date(2026, 12, 9)
    report = person(items=[day_off(wednesday)], hours=OUTLOOK_HOURS)
    got = choose(at(wednesday), report=report, manager=person("Mia Manager", hours=OUTLOOK_HOURS),
                 now=at(date(2026, 12, 4)))
    assert got.action == "move" and got.start is not None
    assert got.start.date() != wednesday, f"moved to {got.start:%a %d %b %H:%M}, on the leave day"


def test_two_weeks_of_office_day_leave_is_a_long_absence() -> None:
    days = [date(2027, 1, 4) + timedelta(days=n) for n in range(12)]
    report = person(items=[day_off(d) for d in days if d.weekday() < 5], hours=OUTLOOK_HOURS)
    got = choose(at(date(2027, 1, 12)), report=report,
                 manager=person("Mia Manager", hours=OUTLOOK_HOURS), now=at(date(2027, 1, 6)))
    assert got.action == "skip", (got.action, got.start)
    assert got.absence is not None and got.absence.working_days == 10


def test_a_half_day_off_still_moves_within_the_same_day() -> None:
    wednesday = date(2026, 12, 9)
    report = person(items=[day_off(wednesday, "09:00", "13:00")], hours=OUTLOOK_HOURS)
    got = choose(at(wednesday), report=report, manager=person("Mia Manager", hours=OUTLOOK_HOURS),
                 now=at(date(2026, 12, 4)))
    assert got.action == "move" and got.start is not None
    assert got.start.date() == wednesday and got.end is not None  # not a day off
    assert got.end <= at(wednesday, "09:00") or got.start >= at(wednesday, "13:00")
