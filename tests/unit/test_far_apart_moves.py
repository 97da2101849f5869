"""A pair whose working hours never overlap (a manager in Sydney, a report in London) is
booked at the least-bad time outside them, as the slot chooser documents. Its meetings must
still be movable off a public holiday or an absence, and a missed one rebookable: to a time
no further outside their working hours than the meeting already is. Before, every such move
found "no time" (a mail to the manager, the meeting left on the holiday) and every missed
meeting got no rebooking offer at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.absence import Attendee, decide, holiday_calendar
from service.domain.freeslots import cadence_window, free_slots
from service.domain.model import CadenceKind, WorkingHours

SYDNEY, LONDON = ZoneInfo("Australia/Sydney"), ZoneInfo("Europe/London")
MANAGER = WorkingHours("Australia/Sydney")  # Mon-Fri 09:00-17:00
REPORT = WorkingHours("Europe/London")
NSW = holiday_calendar("AU-NSW", [2027])
ENGLAND = holiday_calendar("GB-ENG", [2027])
# The slot chooser's choice for this pair: Tuesday 17:00 Sydney (06:00 London in January).
AUSTRALIA_DAY = datetime(2027, 1, 26, 17, 0, tzinfo=SYDNEY)


def minutes_outside(start: datetime, end: datetime, hours: WorkingHours) -> int:
    zone = ZoneInfo(hours.time_zone)
    s, e = start.astimezone(zone), end.astimezone(zone)
    assert s.weekday() in hours.days and s.date() == e.date()
    lo = hours.start.hour * 60 + hours.start.minute
    hi = hours.end.hour * 60 + hours.end.minute
    s_min, e_min = s.hour * 60 + s.minute, e.hour * 60 + e.minute
    return max(0, lo - s_min) + max(0, e_min - hi)


def outside(start: datetime, end: datetime) -> int:
    return minutes_outside(start, end, MANAGER) + minutes_outside(start, end, REPORT)


def test_a_holiday_meeting_of_a_far_apart_pair_moves() -> None:
    """Australia Day: the meeting moves to the same time on the nearest free day, not left
    on the holiday with a "no time to move it to" mail."""
    got = decide(start=AUSTRALIA_DAY, end=AUSTRALIA_DAY + timedelta(minutes=30),
                 original_start=AUSTRALIA_DAY, kind=CadenceKind.WEEKLY,
                 manager=Attendee("Mia Manager", MANAGER, NSW),
                 report=Attendee("Rob Report", REPORT, ENGLAND),
                 not_before=AUSTRALIA_DAY - timedelta(days=3))
    assert got.action == "move", got
    assert got.start is not None and got.end is not None
    assert got.start.astimezone(SYDNEY).time() == time(17, 0)
    assert abs((got.start.astimezone(SYDNEY).date() - AUSTRALIA_DAY.date()).days) == 1
    assert outside(got.start, got.end) <= outside(AUSTRALIA_DAY,
                                                  AUSTRALIA_DAY + timedelta(minutes=30))


def test_a_missed_meeting_of_a_far_apart_pair_gets_times_offered() -> None:
    """A cancelled meeting is offered times (the rebooking's own call), none further outside
    either person's hours than the missed one, all on both people's working days."""
    missed = datetime(2027, 2, 9, 17, 0, tzinfo=SYDNEY)
    window = cadence_window(CadenceKind.WEEKLY, missed.date(), MANAGER.days)
    got = free_slots(target_start=missed, minutes=30, window=window, manager_hours=MANAGER,
                     report_hours=REPORT, busy=[(missed, missed + timedelta(minutes=30))],
                     blocked_days=set(), step_minutes=30,
                     not_before=datetime(2027, 2, 8, tzinfo=UTC), limit=3)
    assert len(got) == 3
    worst = outside(missed, missed + timedelta(minutes=30))
    for start, end in got:
        assert outside(start, end) <= worst
        assert window[0] <= start.astimezone(SYDNEY).date() <= window[1]


def test_pairs_whose_hours_overlap_are_still_moved_inside_them() -> None:
    """The relaxation is only for hours with no time in common: a London manager's meeting
    with a New York report that sits before New York's day (re-timed by the manager) still
    only moves to times inside both people's working hours."""
    manager, report = WorkingHours("Europe/London"), WorkingHours("America/New_York")
    target = datetime(2027, 3, 3, 10, 0, tzinfo=LONDON)  # 05:00 in New York
    got = free_slots(target_start=target, minutes=30,
                     window=cadence_window(CadenceKind.WEEKLY, target.date(), manager.days),
                     manager_hours=manager, report_hours=report, busy=[], blocked_days={
                         date(2027, 3, 3)}, step_minutes=30,
                     not_before=datetime(2027, 2, 1, tzinfo=UTC), limit=50)
    assert got
    for start, end in got:
        assert minutes_outside(start, end, manager) == 0
        assert minutes_outside(start, end, report) == 0


def test_hours_in_common_only_before_the_move_can_land_do_not_hold_it_back() -> None:
    """London and Los Angeles (hours 09:00-17:00 each) have no time in common, except in the
    weeks each March and autumn when one has changed its clocks and the other not yet (17:00
    London is then 09:00 in Los Angeles, not 08:00). A meeting on Good Friday 2026 (the
    slot chooser's Friday 16:30 London, 08:30 in Los Angeles) may move anywhere from 27 March,
    still such a week; but that day is past when the move is made. It moves all the same, to
    a time no further outside their hours, instead of staying on the bank holiday with a "no
    time" mail: a time that cannot be booked never had the two in common."""
    manager, report = WorkingHours("Europe/London"), WorkingHours("America/Los_Angeles")
    good_friday = datetime(2026, 4, 3, 16, 30, tzinfo=LONDON)
    now = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    got = decide(start=good_friday, end=good_friday + timedelta(minutes=30),
                 original_start=good_friday, kind=CadenceKind.FORTNIGHTLY,
                 manager=Attendee("Hana Head", manager, holiday_calendar("GB-ENG", [2026])),
                 report=Attendee("Max Lead", report, holiday_calendar("US-CA", [2026])),
                 not_before=now + timedelta(hours=24))
    assert got.action == "move", got
    assert got.start is not None and got.end is not None
    assert got.start == datetime(2026, 4, 2, 16, 30, tzinfo=LONDON)  # Thursday, same time
    assert minutes_outside(got.start, got.end, manager) + minutes_outside(
        got.start, got.end, report) <= 30
