"""When a meeting's notes are read back, and when a read of the calendar vouches for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.readback import LAST_WAIT, RECHECK, ReadBack, reach, read_back
from service.domain.records import OccurrenceRecord
from service.domain.status import OccurrenceStatus

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=60)
WEEK = timedelta(days=7)


def meeting(**fields) -> OccurrenceRecord:
    base = {"series_id": 1, "event_id": "e", "original_start": END - timedelta(minutes=30),
            "start": END - timedelta(minutes=30), "end": END,
            "status": OccurrenceStatus.HELD}
    return OccurrenceRecord(**{**base, **fields})


def decide(occ: OccurrenceRecord, now: datetime, read_at: datetime | None = None) -> ReadBack:
    return read_back(occ, now, GRACE, WEEK, read_at)


def test_the_first_read_waits_for_the_grace_period_then_never_for_a_calendar_read() -> None:
    occ = meeting(status=OccurrenceStatus.SCHEDULED)
    assert decide(occ, END + GRACE - timedelta(seconds=1)) == ReadBack.NONE
    assert decide(occ, END + GRACE, read_at=END + GRACE) == ReadBack.READ


def test_a_cancelled_meeting_is_never_read() -> None:
    occ = meeting(status=OccurrenceStatus.CANCELLED)
    assert decide(occ, END + 2 * WEEK) == ReadBack.NONE


def test_the_day_after_read_is_made_at_once_unless_a_calendar_read_since_vouches() -> None:
    occ = meeting(captured_at=END + GRACE)
    assert decide(occ, END + RECHECK - timedelta(minutes=1)) == ReadBack.NONE
    assert decide(occ, END + RECHECK) == ReadBack.READ
    assert decide(occ, END + RECHECK, read_at=END + RECHECK - timedelta(minutes=1)) == (
        ReadBack.READ)  # a calendar read before the mark vouches for nothing after it
    assert decide(occ, END + RECHECK + timedelta(hours=1),
                  read_at=END + RECHECK) == ReadBack.VOUCHED


def test_the_last_read_waits_for_a_calendar_read_then_is_made_on_its_own() -> None:
    occ = meeting(captured_at=END + RECHECK)
    assert decide(occ, END + WEEK) == ReadBack.NONE
    assert decide(occ, END + WEEK + LAST_WAIT - timedelta(minutes=1)) == ReadBack.NONE
    assert decide(occ, END + WEEK + timedelta(days=1), read_at=END + WEEK) == ReadBack.VOUCHED
    assert decide(occ, END + WEEK + LAST_WAIT) == ReadBack.READ
    assert reach(WEEK) > WEEK + LAST_WAIT  # still inside what the job looks at


def test_an_edit_a_calendar_read_saw_is_read_at_once_between_the_marks() -> None:
    occ = meeting(captured_at=END + RECHECK, changed_at=END + 3 * RECHECK)
    assert decide(occ, END + 3 * RECHECK, read_at=END + 3 * RECHECK) == ReadBack.READ
    read = meeting(captured_at=END + 3 * RECHECK, changed_at=END + 3 * RECHECK)
    assert decide(read, END + 3 * RECHECK + timedelta(hours=1)) == ReadBack.NONE


def test_after_a_long_stop_every_passed_mark_is_vouched_by_one_calendar_read_or_read() -> None:
    occ = meeting(captured_at=END + GRACE)
    late = END + WEEK + timedelta(hours=1)
    assert decide(occ, late) == ReadBack.READ  # the day-after mark's read is overdue
    assert decide(occ, late, read_at=END + RECHECK) == ReadBack.READ  # not after both marks
    assert decide(occ, late, read_at=END + WEEK) == ReadBack.VOUCHED
