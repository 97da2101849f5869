"""Runs of missed 1-2-1s (the "missed 2 in a row" flag)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.attendance import missed_flag, missed_in_a_row

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)


def weeks_ago(n: float) -> datetime:
    return NOW - timedelta(weeks=n)


def test_no_meetings_is_no_run() -> None:
    """A pair with no past meetings has missed none."""
    assert missed_in_a_row([], NOW) == 0
    assert missed_in_a_row([(NOW + timedelta(days=1), "cancelled")], NOW) == 0


def test_each_kind_of_miss_counts() -> None:
    """Cancelled, declined and held without notes all count as missed."""
    history = [(weeks_ago(4), "held"), (weeks_ago(3), "cancelled"), (weeks_ago(2), "declined"),
               (weeks_ago(1), "held_no_notes")]
    assert missed_in_a_row(history, NOW) == 3
    assert missed_flag(history, NOW) == "missed 3 in a row"


def test_a_held_meeting_ends_the_run() -> None:
    """Only the misses after the last held meeting count."""
    history = [(weeks_ago(3), "cancelled"), (weeks_ago(2), "held"), (weeks_ago(1), "declined")]
    assert missed_in_a_row(history, NOW) == 1
    assert missed_flag(history, NOW) == ""


def test_future_meetings_are_ignored_and_order_does_not_matter() -> None:
    """Upcoming meetings (even cancelled ones) don't count; input order is irrelevant."""
    history = [(NOW + timedelta(days=7), "cancelled"), (weeks_ago(1), "cancelled"),
               (NOW + timedelta(days=14), "scheduled"), (weeks_ago(2), "held_no_notes")]
    assert missed_in_a_row(history, NOW) == 2
    assert missed_in_a_row(list(reversed(history)), NOW) == 2


def test_a_held_rebooking_breaks_the_run() -> None:
    """Two misses, then the rebooked meeting replacing the second was held: no flag."""
    missed = [(weeks_ago(2), "declined"), (weeks_ago(1), "cancelled")]
    assert missed_flag(missed, NOW) == "missed 2 in a row"
    rebooked = [*missed, (weeks_ago(1) + timedelta(days=2), "held")]
    assert missed_in_a_row(rebooked, NOW) == 0


def test_a_meeting_not_read_back_yet_is_not_a_miss() -> None:
    """A past meeting still 'scheduled' or 'moved' (outcome unknown) is not counted missed."""
    history = [(weeks_ago(2), "cancelled"), (weeks_ago(1), "cancelled"), (NOW, "scheduled")]
    assert missed_in_a_row(history, NOW) == 0
    assert missed_in_a_row(history, NOW - timedelta(minutes=1)) == 2
