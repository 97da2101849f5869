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


def waits_for_previous(start: datetime, previous_end: datetime | None, grace_minutes: int,
                       now: datetime) -> bool:
    """Whether a meeting's agenda, due by ``agenda_due_at``, waits for the pair's previous
    meeting (ending at ``previous_end``) to be read back first: that one was moved so late
    (a weekly 1-2-1 pushed from Monday to Thursday, when next Monday's agenda is due) that
    it is held after the agenda's day. Written before it, the agenda would recall the
    meeting before as "last time" and miss what was agreed in it; it waits until the notes
    are first read, as long as that is still before the meeting."""
    if previous_end is None:
        return False
    read_at = capture_due_at(previous_end, grace_minutes)
    return now < read_at < start
