"""A booked series held against working hours that changed since (domain.hours_fit)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

from service.domain.hours_fit import hours_meet, hours_note, outside_whom, without_hours_note
from service.domain.model import WorkingHours

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
LONDON = WorkingHours("Europe/London")
NEW_YORK = WorkingHours("America/New_York")
SYDNEY = WorkingHours("Australia/Sydney")


def weekly(start: str, zone: str = "Europe/London") -> SimpleNamespace:
    """A weekly Friday series from 4 Dec 2026, 30 minutes."""
    return SimpleNamespace(id=1, cadence="weekly", minutes=30, weekday=4, week_index=None,
                           start_time=start, time_zone=zone, first_date=date(2026, 12, 4),
                           range_end=date(2027, 6, 1))


def test_a_london_morning_is_outside_new_york_hours_an_afternoon_is_not() -> None:
    hours = [("Mia", LONDON), ("Rob", NEW_YORK)]
    assert outside_whom(weekly("10:30"), hours, NOW) == ["Rob"]
    assert outside_whom(weekly("14:30"), hours, NOW) == []  # 09:30 in New York
    # An hour earlier start for someone leaves a slot inside both where it is.
    assert outside_whom(weekly("10:30"), [("Mia", LONDON),
                                          ("Yan", WorkingHours("Europe/London",
                                                               start=time(8, 0)))], NOW) == []


def test_a_day_off_counts_as_outside() -> None:
    four_days = WorkingHours("Europe/London", days=frozenset({0, 1, 2, 3}))
    assert outside_whom(weekly("10:30"), [("Mia", LONDON), ("Rob", four_days)], NOW) == ["Rob"]


def test_london_and_sydney_share_no_hours_london_and_new_york_do() -> None:
    assert not hours_meet(LONDON, SYDNEY, 30, NOW)
    assert hours_meet(LONDON, NEW_YORK, 30, NOW)
    assert hours_meet(NEW_YORK, LONDON, 30, NOW)


def test_the_note_comes_off_again() -> None:
    kept = "re-timed in Outlook by the manager, seen 2026-12-01"
    note = f"{kept}; {hours_note(['Rob Report'])}"
    assert without_hours_note(note) == kept
    assert without_hours_note(kept) == kept
