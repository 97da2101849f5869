"""A booked series held against working hours that changed since (domain.hours_fit)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

from service.domain.common_hours import hours_meet
from service.domain.hours_fit import hours_note, outside_whom, without_hours_note
from service.domain.model import Cadence, CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
LONDON = WorkingHours("Europe/London")
NEW_YORK = WorkingHours("America/New_York")
SYDNEY = WorkingHours("Australia/Sydney")
WEEKLY, MONTHLY = (Cadence(kind, 30, "") for kind in (CadenceKind.WEEKLY, CadenceKind.MONTHLY))


def meet(a: WorkingHours, b: WorkingHours, now: datetime = NOW, cadence: Cadence = WEEKLY
         ) -> bool:
    return hours_meet(a, b, cadence, SlotPolicy(), now)


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
    assert not meet(LONDON, SYDNEY)
    assert meet(LONDON, NEW_YORK)
    assert meet(NEW_YORK, LONDON)


def test_the_note_comes_off_again() -> None:
    kept = "re-timed in Outlook by the manager, seen 2026-12-01"
    note = f"{kept}; {hours_note(['Rob Report'])}"
    assert without_hours_note(note) == kept
    assert without_hours_note(kept) == kept


def test_a_meeting_ending_at_midnight_is_outside_a_working_day_that_ends_at_five() -> None:
    """A London 12:30 is 23:30-00:00 in Sydney in December: its end reads "00:00" on the
    clock, which is before 17:00, yet the meeting is at half past eleven at night."""
    hours = [("Mia", LONDON), ("Sam", SYDNEY)]
    assert outside_whom(weekly("12:30"), hours, NOW) == ["Sam"]
    assert outside_whom(weekly("12:00"), hours, NOW) == ["Sam"]  # 23:00-23:30


def test_a_meeting_filling_the_working_day_to_its_edges_is_inside() -> None:
    """09:00 and 17:00 are inside the hours 09:00-17:00; a minute either side is not."""
    late = WorkingHours("Europe/London", start=time(10, 0), end=time(17, 30))
    assert outside_whom(weekly("10:00"), [("Rob", late)], NOW) == []
    assert outside_whom(weekly("17:00"), [("Rob", late)], NOW) == []
    assert outside_whom(weekly("09:30"), [("Rob", late)], NOW) == ["Rob"]
    assert outside_whom(weekly("17:15"), [("Rob", late)], NOW) == ["Rob"]


def test_hours_until_midnight_hold_a_late_meeting_but_not_one_past_midnight() -> None:
    """An end of 00:00 is "until midnight": 23:30-00:00 in Sydney is inside it, a meeting
    running on past midnight (23:45-00:15) is not."""
    evenings = WorkingHours("Australia/Sydney", days=frozenset(range(7)), start=time(9, 0),
                            end=time(0, 0))
    assert outside_whom(weekly("12:30"), [("Sam", evenings)], NOW) == []
    assert outside_whom(weekly("12:45"), [("Sam", evenings)], NOW) == ["Sam"]


def test_a_meeting_pushed_outside_once_the_clocks_change_counts() -> None:
    """A London 21:30 is 16:30 in New York until the US changes its clocks (14 Mar 2027),
    then 17:30 for the two weeks before the UK follows: outside, though the first weeks
    looked at are fine."""
    early_march = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    assert outside_whom(weekly("21:30"), [("Rob", NEW_YORK)], early_march) == ["Rob"]
    assert outside_whom(weekly("20:30"), [("Rob", NEW_YORK)], early_march) == []


def test_a_meeting_pushed_outside_by_a_clock_change_months_ahead_counts() -> None:
    """A London 12:00 is 16:30-17:00 in India all summer, 17:30-18:00 from the end of
    October: seen in April, it is outside the report's hours, as a new booking would judge
    it over the year (not only the coming 13 weeks, which hold no clock change)."""
    april = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    india = [("Mia", LONDON), ("Raj", WorkingHours("Asia/Kolkata"))]
    series = SimpleNamespace(**{**vars(weekly("12:00")), "first_date": date(2026, 1, 9),
                                "range_end": date(2026, 6, 1)})
    assert outside_whom(series, india, april) == ["Raj"]
    # One that ends where it does (superseded: its follow-on holds the meetings after it)
    # is judged on its own meetings only, all of them in summer.
    assert outside_whom(series, india, april, open_ended=False) == []


def test_hours_meet_exactly_the_length_and_across_the_date_line() -> None:
    # New York from 11:30 is London's 16:30: exactly half an hour in common.
    late_ny = WorkingHours("America/New_York", start=time(11, 30))
    assert meet(LONDON, late_ny)
    assert not meet(LONDON, late_ny, cadence=Cadence(CadenceKind.WEEKLY, 31, ""))
    # A New York afternoon is the next morning in Tokyo: 06:00 starters there share 16:00
    # while New York keeps winter time, and nothing once it is on summer time (Tokyo has
    # none): no time all year round.
    early_tokyo = WorkingHours("Asia/Tokyo", start=time(6, 0), end=time(14, 0))
    assert not meet(NEW_YORK, early_tokyo)
    assert meet(NEW_YORK, WorkingHours("Asia/Tokyo", start=time(5, 0), end=time(14, 0)))
    # Sydney hours "until midnight" reach a London morning.
    evenings = WorkingHours("Australia/Sydney", start=time(9, 0), end=time(0, 0))
    assert meet(LONDON, evenings)
    assert meet(evenings, LONDON)


# The weeks the US is on summer time and the UK is not yet (2027), or no longer (2026):
# London and New York are four hours apart, not five.
ODD_WEEKS = (datetime(2027, 3, 16, 8, 0, tzinfo=UTC), datetime(2026, 10, 27, 8, 0, tzinfo=UTC))


def test_hours_that_meet_only_while_the_clocks_change_do_not_meet() -> None:
    """A New York day from 12:00 meets a London day to 17:00 only in the weeks New York is
    four hours behind: any series is outside someone's hours the rest of the year, so a
    series booked at a compromise is not cancelled and booked again at another because
    its hours changed in one of those weeks."""
    noon_ny = WorkingHours("America/New_York", start=time(12, 0))
    short_london = WorkingHours("Europe/London", start=time(8, 0), end=time(13, 30))
    for now in (NOW, *ODD_WEEKS):
        assert not meet(LONDON, noon_ny, now), now
        assert not meet(short_london, NEW_YORK, now), now


def test_hours_that_meet_all_year_but_those_weeks_meet_for_a_monthly_series() -> None:
    """A London afternoon shift from 14:30 meets a New York 06:00-10:00 day for half an hour
    except in the weeks New York is four hours behind: a monthly series can keep out of
    those weeks (a time inside both all year exists), a weekly one cannot."""
    late_london = WorkingHours("Europe/London", start=time(14, 30), end=time(22, 0))
    early_ny = WorkingHours("America/New_York", start=time(6, 0), end=time(10, 0))
    for now in (NOW, *ODD_WEEKS):
        assert meet(late_london, early_ny, now, MONTHLY), now
        assert not meet(late_london, early_ny, now, WEEKLY), now
