"""Expanding Graph recurrences: patterns, ranges, windows and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.recurrence import DAY_NAMES, expand, occurrence_dates, validate

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def weekly(days, start, *, interval=1, end=None, first="monday", count=None):
    rng = {"type": "noEnd", "startDate": start}
    if end:
        rng = {"type": "endDate", "startDate": start, "endDate": end}
    if count:
        rng = {"type": "numbered", "startDate": start, "numberOfOccurrences": count}
    return {"pattern": {"type": "weekly", "interval": interval, "daysOfWeek": days,
                        "firstDayOfWeek": first}, "range": rng}


def at(day: str, hh: int, mm: int, zone=LONDON) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hh, mm), tzinfo=zone)


def starts(rec, start, minutes=30, window=WIDE):
    return [s for s, _ in expand(rec, start, start + timedelta(minutes=minutes), *window)]


def test_weekly_series_every_monday_with_inclusive_end_date():
    """A weekly series falls on each Monday up to and including range.endDate."""
    rec = weekly(["monday"], "2024-01-01", end="2024-01-29")
    got = starts(rec, at("2024-01-01", 10, 0))
    assert [s.date() for s in got] == [date(2024, 1, d) for d in (1, 8, 15, 22, 29)]


def test_fortnightly_counts_weeks_from_the_week_of_start_date():
    """Interval 2 skips every other week, counting from the week holding startDate."""
    rec = weekly(["wednesday"], "2024-01-01", interval=2, end="2024-02-29")
    got = [s.date() for s in starts(rec, at("2024-01-03", 9, 0))]
    assert got == [date(2024, 1, 3), date(2024, 1, 17), date(2024, 1, 31), date(2024, 2, 14),
                   date(2024, 2, 28)]


def test_fortnightly_week_boundary_depends_on_first_day_of_week():
    """With a Sunday week start a Sunday startDate begins week 0, changing which Mondays."""
    sunday_weeks = weekly(["monday"], "2024-01-07", interval=2, end="2024-02-05",
                          first="sunday")
    monday_weeks = weekly(["monday"], "2024-01-07", interval=2, end="2024-02-05",
                          first="monday")
    start = at("2024-01-07", 10, 0)
    assert [s.date().day for s in starts(sunday_weeks, start)] == [8, 22, 5]
    assert [s.date().day for s in starts(monday_weeks, start)] == [15, 29]


def test_occurrences_before_start_date_never_appear():
    """A pattern day earlier in the first week than startDate is not an occurrence."""
    rec = weekly(["monday", "friday"], "2024-01-03", end="2024-01-12")
    got = [s.date() for s in starts(rec, at("2024-01-05", 10, 0))]
    assert got == [date(2024, 1, 5), date(2024, 1, 8), date(2024, 1, 12)]


def test_relative_monthly_second_tuesday():
    """relativeMonthly index second + tuesday gives each month's second Tuesday."""
    rec = {"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"],
                       "index": "second"},
           "range": {"type": "endDate", "startDate": "2024-01-01", "endDate": "2024-06-30"}}
    got = [s.date() for s in starts(rec, at("2024-01-09", 14, 0))]
    assert got == [date(2024, 1, 9), date(2024, 2, 13), date(2024, 3, 12), date(2024, 4, 9),
                   date(2024, 5, 14), date(2024, 6, 11)]


def test_relative_monthly_last_friday_every_two_months():
    """index last with interval 2 takes the final Friday of every other month."""
    rec = {"pattern": {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["friday"],
                       "index": "last"},
           "range": {"type": "endDate", "startDate": "2024-01-01", "endDate": "2024-07-31"}}
    got = [s.date() for s in starts(rec, at("2024-01-26", 14, 0))]
    assert got == [date(2024, 1, 26), date(2024, 3, 29), date(2024, 5, 31), date(2024, 7, 26)]


def test_absolute_monthly_uses_last_day_in_short_months():
    """dayOfMonth 31 falls on the last day of shorter months, as Outlook does."""
    rec = {"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
           "range": {"type": "endDate", "startDate": "2024-01-01", "endDate": "2024-04-30"}}
    got = [s.date() for s in starts(rec, at("2024-01-31", 9, 0))]
    assert got == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_numbered_range_counts_from_the_start_even_outside_the_window():
    """numberOfOccurrences counts from startDate, so a later window sees only the tail."""
    rec = weekly(["monday"], "2024-01-01", count=5)
    window = (datetime(2024, 1, 20, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    got = [s.date() for s in starts(rec, at("2024-01-01", 10, 0), window=window)]
    assert got == [date(2024, 1, 22), date(2024, 1, 29)]


def test_no_end_series_is_walked_only_within_the_window():
    """A series without end is expanded only inside a window decades later, quickly."""
    rec = {"pattern": {"type": "daily", "interval": 3},
           "range": {"type": "noEnd", "startDate": "2000-01-01"}}
    window = (datetime(2090, 5, 1, tzinfo=UTC), datetime(2090, 5, 10, tzinfo=UTC))
    got = starts(rec, at("2000-01-01", 8, 0), window=window)
    assert len(got) == 3
    assert all((s.date() - date(2000, 1, 1)).days % 3 == 0 for s in got)


def test_daily_interval_and_absolute_yearly():
    """daily every 2 days and absoluteYearly on 29 February (28th in common years)."""
    daily = {"pattern": {"type": "daily", "interval": 2},
             "range": {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 3}}
    assert [s.day for s in starts(daily, at("2024-01-01", 9, 0))] == [1, 3, 5]
    yearly = {"pattern": {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29},
              "range": {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 3}}
    got = [s.date() for s in starts(yearly, at("2024-02-29", 9, 0))]
    assert got == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28)]


def test_relative_yearly_first_monday_of_september():
    """relativeYearly picks the indexed weekday of the given month."""
    rec = {"pattern": {"type": "relativeYearly", "interval": 1, "month": 9,
                       "daysOfWeek": ["monday"], "index": "first"},
           "range": {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 2}}
    got = [s.date() for s in starts(rec, at("2024-09-02", 9, 0))]
    assert got == [date(2024, 9, 2), date(2025, 9, 1)]


def test_london_wall_clock_is_kept_across_both_dst_changes():
    """10:00 London is 10:00Z in winter and 09:00Z in summer (last Sundays of Mar/Oct)."""
    rec = weekly(["monday"], "2024-03-18", end="2024-11-04")
    got = {s.date(): s.time() for s in starts(rec, at("2024-03-18", 10, 0))}
    assert got[date(2024, 3, 25)] == time(10, 0)  # before 31 March: GMT
    assert got[date(2024, 4, 1)] == time(9, 0)  # after: BST
    assert got[date(2024, 10, 21)] == time(9, 0)  # before 27 October: BST
    assert got[date(2024, 10, 28)] == time(10, 0)  # after: GMT


def test_new_york_wall_clock_is_kept_across_both_dst_changes():
    """09:30 New York moves 14:30Z -> 13:30Z after the second Sunday of March and back."""
    rec = weekly(["friday"], "2024-03-01", end="2024-11-15")
    got = {s.date(): s.time() for s in starts(rec, at("2024-03-01", 9, 30, NEW_YORK))}
    assert got[date(2024, 3, 8)] == time(14, 30)
    assert got[date(2024, 3, 15)] == time(13, 30)  # DST began 10 March
    assert got[date(2024, 11, 1)] == time(13, 30)
    assert got[date(2024, 11, 8)] == time(14, 30)  # DST ended 3 November


def test_spring_forward_gap_moves_later_and_ambiguous_time_takes_first():
    """01:30 London on the change days: the gap lands at 02:30 BST; the overlap at BST."""
    daily = {"pattern": {"type": "daily", "interval": 1},
             "range": {"type": "endDate", "startDate": "2024-03-30", "endDate": "2024-03-31"}}
    got = starts(daily, at("2024-03-30", 1, 30))
    assert got[1] == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # = 02:30 BST
    autumn = {"pattern": {"type": "daily", "interval": 1},
              "range": {"type": "endDate", "startDate": "2024-10-27", "endDate": "2024-10-27"}}
    got = starts(autumn, at("2024-10-27", 1, 30))
    assert got == [datetime(2024, 10, 27, 0, 30, tzinfo=UTC)]  # first 01:30 is BST


def test_window_overlap_and_sorting():
    """Occurrences overlapping the half-open window are returned, sorted, in UTC."""
    rec = weekly(["monday", "wednesday"], "2024-01-01", end="2024-12-31")
    start = at("2024-01-01", 10, 0)
    window = (datetime(2024, 1, 3, 10, 15, tzinfo=UTC), datetime(2024, 1, 8, 10, 0, tzinfo=UTC))
    got = expand(rec, start, start + timedelta(minutes=30), *window)
    assert got == [(datetime(2024, 1, 3, 10, 0, tzinfo=UTC),
                    datetime(2024, 1, 3, 10, 30, tzinfo=UTC))]
    assert all(s.tzinfo == UTC for s, _ in got)


def test_occurrence_dates_helper_lists_local_dates():
    """occurrence_dates gives the local dates between two dates inclusive."""
    rec = weekly(["tuesday"], "2024-01-01", end="2024-12-31")
    got = occurrence_dates(rec, at("2024-01-02", 9, 0), date(2024, 1, 1), date(2024, 1, 16))
    assert got == [date(2024, 1, 2), date(2024, 1, 9), date(2024, 1, 16)]


@pytest.mark.parametrize(
    ("pattern", "rng", "message"),
    [
        ({"type": "hourly"}, {"type": "noEnd", "startDate": "2024-01-01"}, "pattern.type"),
        ({"type": "weekly", "interval": 1}, {"type": "noEnd", "startDate": "2024-01-01"},
         "daysOfWeek"),
        ({"type": "weekly", "interval": 0, "daysOfWeek": ["monday"]},
         {"type": "noEnd", "startDate": "2024-01-01"}, "interval"),
        ({"type": "weekly", "interval": 1, "daysOfWeek": ["funday"]},
         {"type": "noEnd", "startDate": "2024-01-01"}, "funday"),
        ({"type": "absoluteMonthly", "interval": 1},
         {"type": "noEnd", "startDate": "2024-01-01"}, "dayOfMonth"),
        ({"type": "daily", "interval": 1},
         {"type": "endDate", "startDate": "2024-02-01", "endDate": "2024-01-01"}, "before"),
        ({"type": "daily", "interval": 1},
         {"type": "numbered", "startDate": "2024-02-01", "numberOfOccurrences": 0},
         "numberOfOccurrences"),
        ({"type": "daily", "interval": 1}, {"type": "noEnd"}, "startDate"),
    ],
)
def test_invalid_patterns_raise_value_error_naming_the_field(pattern, rng, message):
    """An invalid pattern or range raises ValueError naming what is wrong."""
    with pytest.raises(ValueError, match=message):
        validate({"pattern": pattern, "range": rng})


def test_a_series_begun_years_ago_gives_a_years_meetings():
    """A fortnightly series begun five years before the window gives exactly its 26
    meetings in a year's window. (How long expanding thousands of series takes shows in a
    tick's CPU time: `python benchmarks/loop.py`, not a timed test.)"""
    rec = weekly(["tuesday"], "2020-01-07", interval=2)
    start = at("2020-01-07", 10, 0)
    window = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert len(expand(rec, start, start + timedelta(minutes=30), *window)) == 26


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["weekly", "relativeMonthly"]),
    days=st.sets(st.sampled_from(DAY_NAMES), min_size=1, max_size=3),
    interval=st.integers(1, 3),
    start_day=st.dates(date(2023, 1, 1), date(2026, 12, 31)),
    span=st.integers(0, 400),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    zone=st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Sydney"), UTC]),
    index=st.sampled_from(["first", "second", "third", "fourth", "last"]),
)
def test_property_every_occurrence_matches_pattern_and_range(
    kind, days, interval, start_day, span, hour, minute, zone, index
):
    """Each occurrence is on a pattern weekday, at the master's local time, inside the range."""
    end_day = start_day + timedelta(days=span)
    pattern = {"type": kind, "interval": interval, "daysOfWeek": sorted(days),
               "firstDayOfWeek": "sunday"}
    if kind == "relativeMonthly":
        pattern["index"] = index
    rec = {"pattern": pattern, "range": {"type": "endDate", "startDate": start_day.isoformat(),
                                         "endDate": end_day.isoformat()}}
    start = datetime.combine(start_day, time(hour, minute), tzinfo=zone)
    got = expand(rec, start, start + timedelta(minutes=30), *WIDE)
    assert got == sorted(got)
    for begin, finish in got:
        local = begin.astimezone(zone)
        assert DAY_NAMES[local.weekday()] in days
        assert start_day <= local.date() <= end_day
        assert finish - begin == timedelta(minutes=30)
        # The wall clock is kept, except inside a spring-forward gap (moved later by it).
        if (local.hour, local.minute) != (hour, minute):
            naive = datetime.combine(local.date(), time(hour, minute))
            shifted = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            assert shifted.replace(tzinfo=None) != naive


# -- the month walk by arithmetic, against the day-by-day one it replaced --------------------


def _in_month_day_by_day(rule, year: int, month: int) -> date | None:
    """The former ``Rule._in_month``: every day of the month built and tested."""
    import calendar

    last = calendar.monthrange(year, month)[1]
    if rule.day_of_month is not None:
        return date(year, month, min(rule.day_of_month, last))
    matches = [date(year, month, d) for d in range(1, last + 1)
               if date(year, month, d).weekday() in rule.days]
    if rule.index is None or not matches:
        return None
    return matches[rule.index] if rule.index < len(matches) else matches[-1]


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(["absoluteMonthly", "relativeMonthly", "absoluteYearly",
                          "relativeYearly"]),
    days=st.sets(st.sampled_from(DAY_NAMES), min_size=1, max_size=7),
    index=st.sampled_from(["first", "second", "third", "fourth", "last"]),
    day_of_month=st.integers(1, 31),
    month=st.integers(1, 12),
    interval=st.integers(1, 14),
    start_day=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    rng=st.sampled_from(["noEnd", "endDate", "numbered"]),
    span=st.integers(0, 3000),
    count=st.integers(1, 40),
    wall=st.sampled_from([time(0, 30), time(1, 30), time(2, 30), time(9, 0), time(23, 45)]),
    zone=st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Sydney"),
                          ZoneInfo("Asia/Kolkata"), ZoneInfo("America/Santiago"), UTC]),
    window_from=st.integers(-400, 2500),
    window_days=st.integers(1, 800),
)
def test_month_walk_by_arithmetic_matches_the_day_by_day_one(
    kind, days, index, day_of_month, month, interval, start_day, rng, span, count, wall, zone,
    window_from, window_days,
):
    """Every monthly and yearly pattern (one to seven days, each index, short months, leap
    years, DST zones both hemispheres, every range type, any window) expands to exactly the
    occurrences the day-by-day month walk gave."""
    from service.domain.recurrence import Rule

    pattern: dict = {"type": kind, "interval": interval}
    if kind.startswith("relative"):
        pattern.update(daysOfWeek=sorted(days), index=index)
    else:
        pattern["dayOfMonth"] = day_of_month
    if kind.endswith("Yearly"):
        pattern["month"] = month
    rng_json: dict = {"type": rng, "startDate": start_day.isoformat()}
    if rng == "endDate":
        rng_json["endDate"] = (start_day + timedelta(days=span)).isoformat()
    elif rng == "numbered":
        rng_json["numberOfOccurrences"] = count
    rec = {"pattern": pattern, "range": rng_json}
    start = datetime.combine(start_day, wall, tzinfo=zone)
    lo = datetime.combine(start_day + timedelta(days=window_from), time(0), tzinfo=UTC)
    window = (lo, lo + timedelta(days=window_days))
    fast = expand(rec, start, start + timedelta(minutes=45), *window)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(Rule, "_in_month", _in_month_day_by_day)
        slow = expand(rec, start, start + timedelta(minutes=45), *window)
    assert fast == slow


def test_month_walk_matches_on_every_month_of_a_calendar_cycle():
    """One weekday, two, or all seven, each index, every month of a 28-year cycle of the
    calendar (each month length, first weekday and leap year): the same day."""
    from itertools import combinations

    from service.domain.recurrence import Rule

    sets = [c for n in (1, 2, 7) for c in combinations(DAY_NAMES, n)]
    checked = 0
    for names in sets:
        for index in ("first", "second", "third", "fourth", "last"):
            rule = Rule({"pattern": {"type": "relativeMonthly", "daysOfWeek": list(names),
                                     "index": index},
                         "range": {"type": "noEnd", "startDate": "2020-01-01"}})
            for year in range(2020, 2048):
                for month in range(1, 13):
                    assert rule._in_month(year, month) == _in_month_day_by_day(rule, year, month)
                    checked += 1
    assert checked == len(sets) * 5 * 28 * 12
