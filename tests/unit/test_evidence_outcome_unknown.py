"""A meeting long past that onetoone never read back (its read-back kept failing) is not
"scheduled" in a person's record: the report counts it as outcome unknown, and the record
says the same. One that just ended, or is to come, is still scheduled."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from service.domain.status import OccurrenceStatus
from service.insight.evidence import PairInput, pair_record
from tests.unit.test_insight_new_pairs import NOW, PERIOD, days_ago, history, meeting


def test_a_long_past_meeting_never_read_back_is_not_scheduled() -> None:
    moved = replace(meeting(days_ago(30), OccurrenceStatus.MOVED), original_start=days_ago(31))
    h = history(meeting(days_ago(60)), moved, meeting(NOW - timedelta(hours=2)),
                meeting(NOW + timedelta(hours=3)), created=days_ago(400))
    record = pair_record(PairInput(h.view, h.occurrences, (), (), (), ()), "as report",
                         PERIOD, "UTC")
    assert [m.status for m in record.meetings] == [
        "passed, outcome not known (its notes could not be read back)",
        "moved; passed, outcome not known (its notes could not be read back)",
        "scheduled", "scheduled"]
