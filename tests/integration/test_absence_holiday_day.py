"""A long absence's length is the same whichever day of it a meeting falls on: a public
holiday inside the leave bridges the run without counting, even when the meeting is on it."""

from __future__ import annotations

from datetime import date

from tests.integration.test_absences import absence_around, at, choose, leave, person


def test_the_run_counts_the_same_from_a_holiday_inside_it() -> None:
    report = person(items=[leave(date(2026, 12, 21), date(2027, 1, 8))])  # 12 working days
    on_a_weekday = absence_around(report, date(2027, 1, 6))
    on_christmas = absence_around(report, date(2026, 12, 25))
    assert on_a_weekday is not None and on_christmas is not None
    assert on_christmas.working_days == on_a_weekday.working_days == 12


def test_nine_days_of_leave_over_easter_is_not_a_long_absence_on_easter_monday() -> None:
    """Leave 22 Mar – 5 Apr 2027 is 9 working days (Good Friday and Easter Monday bridge).
    The Tuesday pair's meeting is moved (or the manager told there is no slot); the Monday
    pair's meeting on Easter Monday must be treated alike, not skipped as a long absence
    (no agenda, no reminder, not counted in the report)."""
    report = person(items=[leave(date(2027, 3, 22), date(2027, 4, 5))])
    now = at(date(2027, 3, 15))
    tuesday = choose(at(date(2027, 3, 30)), report=report, now=now)
    easter_monday = choose(at(date(2027, 3, 29)), report=report, now=now)
    assert tuesday.action != "skip"
    # (The manager is on the bank holiday too: with no time to move it to, it is skipped
    # as a meeting neither could hold, ``both``, one note about it; never as a long one.)
    assert easter_monday.action != "skip" or easter_monday.both, easter_monday.reason
