"""A moved or rebooked 1-2-1 keeps the slot policy the series was booked by.

``[policy] weekdays`` are the days a 1-2-1 may fall on: an organisation that holds them
Monday to Thursday (Outlook working days still Monday to Friday) must not have one moved
off a holiday or an absence onto a Friday, nor be offered a Friday to rebook a missed one.
The policy window (each person's zone) is kept where a time inside it is free.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.absence import Attendee, CalendarItem, decide, holiday_calendar
from service.domain.freeslots import cadence_window, free_slots
from service.domain.model import CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
MON_TO_THU = SlotPolicy(weekdays=frozenset({0, 1, 2, 3}))
ENGLAND = holiday_calendar("GB-ENG", [2027])
US = holiday_calendar("US", [2027])
THURSDAY = date(2027, 1, 7)


def at(d: date, hhmm: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=zone)


def item(d: date, start: str, end: str, status: str, zone: ZoneInfo = LONDON) -> CalendarItem:
    return CalendarItem(at(d, start, zone).astimezone(UTC), at(d, end, zone).astimezone(UTC),
                        status)


def test_an_absence_move_stays_on_the_policy_weekdays() -> None:
    """Thursday 10:00: the manager is out of office, the report's Wednesday is full. The
    nearest free day is Friday, which the policy leaves out: Tuesday it is."""
    start = at(THURSDAY, "10:00")
    manager = Attendee("Mia Manager", WorkingHours("Europe/London"), ENGLAND,
                       (item(THURSDAY, "00:00", "23:59", "oof"),))
    report = Attendee("Rob Report", WorkingHours("Europe/London"), ENGLAND,
                      (item(THURSDAY - timedelta(days=1), "09:00", "17:00", "busy"),))
    got = decide(start=start, end=start + timedelta(minutes=30), original_start=start,
                 kind=CadenceKind.WEEKLY, manager=manager, report=report,
                 not_before=start - timedelta(days=4), step_minutes=30, policy=MON_TO_THU)
    assert got.action == "move", got
    assert got.start is not None
    assert got.start.astimezone(LONDON).strftime("%a %H:%M") == "Tue 10:00", got.start


def test_rebooking_offers_no_day_the_policy_leaves_out() -> None:
    """A missed Thursday meeting: the times offered are all Monday to Thursday."""
    missed = at(THURSDAY, "10:00")
    offered = free_slots(
        target_start=missed, minutes=30,
        window=cadence_window(CadenceKind.WEEKLY, THURSDAY, frozenset(range(5))),
        manager_hours=WorkingHours("Europe/London"), report_hours=WorkingHours("Europe/London"),
        busy=[(missed, missed + timedelta(minutes=30))], blocked_days=[], step_minutes=30,
        not_before=missed, limit=3, policy=MON_TO_THU)
    assert offered
    days = [s.astimezone(LONDON).strftime("%a %d %H:%M") for s, _ in offered]
    assert all(s.astimezone(LONDON).weekday() in MON_TO_THU.weekdays for s, _ in offered), days


def test_a_move_keeps_inside_the_window_in_both_zones_when_it_can() -> None:
    """A London manager and a New York report (working 07:00-17:00 there) meet Thursdays at
    14:30 London, 09:30 New York. The manager is away on the Thursday and the report on the
    Friday, and Wednesday 14:30-16:30 London is taken: 14:00 on Wednesday is 09:00 in New
    York, before the window there; Tuesday 14:30 keeps it."""
    start = at(THURSDAY, "14:30")
    wednesday, friday = THURSDAY - timedelta(days=1), THURSDAY + timedelta(days=1)
    manager = Attendee("Mia Manager", WorkingHours("Europe/London"), ENGLAND,
                       (item(THURSDAY, "00:00", "23:59", "oof"),
                        item(wednesday, "14:30", "16:30", "busy")))
    report = Attendee("Rob Report", WorkingHours("America/New_York", start=time(7)), US,
                      (item(friday, "00:00", "23:59", "oof", NEW_YORK),))
    got = decide(start=start, end=start + timedelta(minutes=30), original_start=start,
                 kind=CadenceKind.WEEKLY, manager=manager, report=report,
                 not_before=start - timedelta(days=4), step_minutes=30, policy=SlotPolicy())
    assert got.action == "move", got
    assert got.start is not None
    ny = got.start.astimezone(NEW_YORK)
    assert time(9, 30) <= ny.time() <= time(16, 0), (got.start.astimezone(LONDON), ny)
