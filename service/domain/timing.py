"""When things are due relative to a meeting (pure: the meeting and ``now`` are arguments)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta


def working_days_before(day: date, n: int, working_days: frozenset[int]) -> date:
    """The date ``n`` working days before ``day`` (weekends and non-working days skipped)."""
    days = working_days or frozenset({0, 1, 2, 3, 4})
    current, left = day, n
    while left > 0:
        current -= timedelta(days=1)
        if current.weekday() in days:
            left -= 1
    return current


def agenda_due_at(start_local: datetime, lead_working_days: int,
                  working_days: frozenset[int]) -> datetime:
    """When an occurrence's agenda goes into the invite: the start of the working day
    ``lead_working_days`` before the meeting, in the manager's zone (so a Monday meeting
    gets its agenda on the previous Thursday with the default of two)."""
    day = working_days_before(start_local.date(), lead_working_days, working_days)
    return datetime.combine(day, time(0, 0), tzinfo=start_local.tzinfo)


def capture_due_at(end: datetime, grace_minutes: int) -> datetime:
    """When the notes of a meeting are first read back."""
    return end + timedelta(minutes=grace_minutes)
