"""A working week that is not Monday to Friday: its last day ends "end of week", and days
are named from its first day."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.due_dates import parse_due, work_week
from service.domain.slot_text import describe_days

SUN_TO_THU = frozenset({6, 0, 1, 2, 3})


@pytest.mark.parametrize(("days", "week"), [
    (range(5), (0, 4)), (SUN_TO_THU, (6, 3)), ({0, 1, 3}, (0, 3)), (range(7), (0, 4)),
    ((), (0, 4)), ({1, 2, 3, 4, 5}, (1, 5))])
def test_work_week(days, week) -> None:
    assert work_week(days) == week


@pytest.mark.parametrize(("meeting", "text", "due"), [
    (date(2026, 12, 8), "end of week", date(2026, 12, 10)),  # Tue -> Thu
    (date(2026, 12, 10), "eow", date(2026, 12, 10)),  # Thu: that day
    (date(2026, 12, 11), "end of week", date(2026, 12, 17)),  # Fri (weekend): next Thu
    (date(2026, 12, 13), "end of week", date(2026, 12, 17)),  # Sun -> Thu
    (date(2026, 12, 13), "end of next week", date(2026, 12, 24)),
    (date(2026, 12, 10), "end of next week", date(2026, 12, 17)),
])
def test_end_of_week_in_a_sunday_to_thursday_week(meeting, text, due) -> None:
    assert parse_due(text, meeting, SUN_TO_THU) == due


@pytest.mark.parametrize(("meeting", "text", "due"), [
    (date(2026, 12, 13), "next Thursday", date(2026, 12, 24)),  # Sun: next week's Thu
    (date(2026, 12, 13), "next Monday", date(2026, 12, 21)),
    (date(2026, 12, 13), "next Sunday", date(2026, 12, 20)),
    (date(2026, 12, 13), "Thursday", date(2026, 12, 17)),  # no "next": this week's
    (date(2026, 12, 9), "next Thursday", date(2026, 12, 17)),  # Wed
])
def test_next_weekday_is_in_the_following_sunday_to_thursday_week(meeting, text, due
                                                                   ) -> None:
    """"next Thursday" is the Thursday of the following week, as "end of next week" is:
    said at a Sunday meeting there, that is in 11 days, not this week's Thursday (ISO
    weeks start on Monday, and would put Sunday in the week before)."""
    assert parse_due(text, meeting, SUN_TO_THU) == due


def test_monday_to_friday_is_unchanged() -> None:
    for day in range(7, 14):  # Mon 7 - Sun 13 Dec 2026
        meeting = date(2026, 12, day)
        assert parse_due("end of week", meeting) == parse_due("end of week", meeting, range(5))
        assert parse_due("end of week", meeting).weekday() == 4  # type: ignore[union-attr]
        for day_name in ("Monday", "Friday", "Sunday"):
            assert parse_due(f"next {day_name}", meeting) == parse_due(
                f"next {day_name}", meeting, range(5))


@pytest.mark.parametrize(("days", "text"), [
    (range(5), "Mon–Fri"), (SUN_TO_THU, "Sun–Thu"), ({0, 2, 3}, "Mon, Wed, Thu"),
    ({6, 0, 2}, "Sun, Mon, Wed"), (range(7), "Mon–Sun"), ((), "no days"),
    ({4, 5, 6, 0}, "Fri–Mon")])
def test_describe_days_reads_from_the_first_day_of_the_week(days, text) -> None:
    assert describe_days(days) == text


@pytest.mark.parametrize(("meeting", "text", "due"), [
    # Sunday is the first day of the week: Wednesday of the same week is "this Wednesday",
    # "next Wednesday" is the one of the week after (ISO weeks would call it this week's).
    (date(2026, 12, 27), "next Wednesday", date(2027, 1, 6)),
    (date(2026, 12, 27), "Wednesday", date(2026, 12, 30)),
    # Thursday, the week's last day: the coming Sunday starts the following week already.
    (date(2026, 12, 31), "next Sunday", date(2027, 1, 3)),
    (date(2026, 12, 31), "next Tue", date(2027, 1, 5)),
])
def test_next_weekday_counts_weeks_from_a_sunday(meeting, text, due) -> None:
    assert parse_due(text, meeting, SUN_TO_THU) == due


@pytest.mark.parametrize(("meeting", "text", "due"), [
    (date(2026, 12, 28), "next Friday", date(2027, 1, 8)),  # Mon of ISO week 53
    (date(2026, 12, 31), "next Monday", date(2027, 1, 4)),
    (date(2026, 12, 27), "next Wednesday", date(2026, 12, 30)),  # Sun: its week is over
])
def test_next_weekday_in_a_monday_to_friday_week_is_unchanged(meeting, text, due) -> None:
    assert parse_due(text, meeting) == due
