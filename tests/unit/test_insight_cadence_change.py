"""A meeting skipped for a long absence takes off the gap the cadence of its own series, not
the pair's cadence today: a new starter's weekly series ends and a monthly one follows, and a
three-week leave in the weekly months is three weeks, not three months, without a 1-2-1."""

from __future__ import annotations

from dataclasses import replace

from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, OccurrenceStatus
from service.insight.report import History, build
from tests.unit.test_insight_new_pairs import PERIOD, days_ago, history

WEEKLY, MONTHLY = 1, 2


def meeting(ago: int, series_id: int, status: str, absent: bool = False) -> OccurrenceRecord:
    start = days_ago(ago)
    return OccurrenceRecord(series_id=series_id, event_id=f"e{series_id}-{ago}",
                            original_start=start, start=start, end=days_ago(ago - 0.02),
                            status=status,
                            absence_state=AbsenceState.SKIPPED if absent else None)


def new_starter() -> History:
    held = [meeting(ago, WEEKLY, OccurrenceStatus.HELD) for ago in range(147, 90, -7)]  # ... 91
    # Three weeks' leave: the last three weekly meetings skipped (passed without notes).
    leave = [meeting(ago, WEEKLY, OccurrenceStatus.HELD_NO_NOTES, absent=True)
             for ago in (84, 77, 70)]
    # The weekly window ended: the monthly series since, one meeting passed without notes.
    monthly = [meeting(30, MONTHLY, OccurrenceStatus.HELD_NO_NOTES),
               meeting(-1, MONTHLY, OccurrenceStatus.SCHEDULED)]
    h = history(*held, *leave, *monthly, created=days_ago(150))  # the pairing: monthly now
    return replace(h, cadences={WEEKLY: "weekly", MONTHLY: "monthly"})


def test_a_weekly_meeting_skipped_for_leave_excuses_a_week_after_the_cadence_changed(
        ) -> None:
    (pair,) = build([new_starter()], PERIOD, 1).pairs
    # Nothing held for 91 days; three weekly meetings on leave excuse 21 of them, not 93.
    assert pair.figures.longest_gap_days == 91 - 21
    assert pair.attention == (
        "no held 1-2-1 for 91 days (cadence monthly; 3 meeting(s) skipped for a long "
        "absence not counted)",)
