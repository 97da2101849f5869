"""Leave booked around the bank holidays (as HR systems and most people book it: the working
days only, 21–24 Dec, 29–31 Dec and 4–8 Jan) is one long absence, the holidays bridging it.
A meeting that falls on one of those holidays is inside the absence: it is skipped with the
rest of them (one note for the whole absence), not left on the holiday with a "no time to
move it to" mail of its own, and then counted as missed."""

from __future__ import annotations

from datetime import date, timedelta

from tests.integration.test_absences import at, choose, leave, person

CHRISTMAS_LEAVE = (leave(date(2026, 12, 21), date(2026, 12, 24)),
                   leave(date(2026, 12, 29), date(2026, 12, 31)),
                   leave(date(2027, 1, 4), date(2027, 1, 8)))  # 12 working days


def test_a_meeting_on_a_bank_holiday_inside_leave_booked_around_it_is_skipped() -> None:
    report = person(items=CHRISTMAS_LEAVE)
    weekday = choose(at(date(2027, 1, 6)), report=report, now=at(date(2027, 1, 1)))
    assert weekday.action == "skip" and weekday.absence is not None
    for holiday in (date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)):
        got = choose(at(holiday), report=report, now=at(holiday) - timedelta(days=4))
        assert got.action == "skip", (holiday, got.action, got.reason)
        assert got.absence == weekday.absence  # the same absence: the same one note
        assert got.absent == "report"


def test_a_holiday_just_after_leave_is_not_inside_it() -> None:
    """Leave that ends before the holiday (back on the 29th) does not swallow it: a meeting
    on Christmas Day is moved to when both are back, as ever."""
    report = person(items=[leave(date(2026, 12, 11), date(2026, 12, 24))])  # 10 working days
    got = choose(at(date(2026, 12, 25)), report=report, now=at(date(2026, 12, 21)))
    assert got.action == "move" and got.start is not None
    assert got.start.date() == date(2026, 12, 29)
