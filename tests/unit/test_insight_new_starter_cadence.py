"""A new starter's pair meets weekly on the series booked first while the monthly follow-on,
booked with it for when their new-starter weeks end, is already the pair's live series. The
report judges the pair by the weekly series it meets on, not by the monthly one to come: a
new starter without a 1-2-1 for three weeks is behind, and the line says weekly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from service.domain.records import OccurrenceRecord, SeriesRecord
from service.domain.status import OccurrenceStatus
from service.insight.report import build
from tests.unit.test_insight_new_pairs import NOW, PERIOD, days_ago, history

WEEKLY, MONTHLY = 1, 2


def meeting(ago: int, status: str) -> OccurrenceRecord:
    start = days_ago(ago)
    return OccurrenceRecord(series_id=WEEKLY, event_id=f"e{ago}", original_start=start,
                            start=start, end=days_ago(ago - 0.02), status=status)


def test_a_new_starter_meeting_weekly_is_judged_weekly_before_the_follow_on() -> None:
    held = [meeting(ago, OccurrenceStatus.HELD) for ago in range(59, 23, -7)]  # ... 24
    # The manager stopped meeting: the last three weekly ones passed without notes.
    not_held = [meeting(ago, OccurrenceStatus.HELD_NO_NOTES) for ago in (17, 10, 3)]
    h = history(*held, *not_held, created=days_ago(60))
    follow_on = SeriesRecord(id=MONTHLY, pairing_id=1, mailbox="m", event_id="s2",
                             transaction_id="t2", cadence="monthly", minutes=30, weekday=1,
                             start_time="10:00", time_zone="UTC",
                             first_date=date(2027, 2, 16), range_end=date(2027, 11, 16),
                             created_at=days_ago(60), updated_at=days_ago(60),
                             status="active")
    h = replace(h, view=replace(h.view, series=follow_on),
                cadences={WEEKLY: "weekly"})
    assert follow_on.first_date > NOW.date()
    (pair,) = build([h], PERIOD, 1).pairs
    assert pair.cadence == "weekly"
    assert pair.attention == ("no held 1-2-1 for 24 days (cadence weekly)",
                              "missed 3 in a row")
