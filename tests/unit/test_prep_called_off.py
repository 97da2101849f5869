"""Why a prep mail queued in an earlier run, no longer due now, must not go (or, for a
meeting moved to a day whose mail is not due yet, None: it is queued again then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.domain.prep import why_not_now
from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, OccurrenceStatus

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SLOT = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
LAST_CALL = timedelta(hours=12)


def _occ(start: datetime = SLOT, **changes: Any) -> OccurrenceRecord:
    return OccurrenceRecord(series_id=1, event_id="e", original_start=SLOT, start=start,
                            end=start + timedelta(minutes=30), **changes)


@pytest.mark.parametrize(("occ", "why"), [
    (_occ(status=OccurrenceStatus.CANCELLED), "the meeting was cancelled"),
    (_occ(status=OccurrenceStatus.DECLINED), "the report declined the meeting"),
    (_occ(status=OccurrenceStatus.WITHDRAWN), "the meeting's series ended"),
    (None, "the meeting's series ended"),
    (_occ(NOW + timedelta(hours=3), status=OccurrenceStatus.MOVED),
     "the meeting is less than 12 hours away"),
    (_occ(NOW - timedelta(hours=1), status=OccurrenceStatus.HELD), "the meeting has begun"),
    (_occ(absence_state=AbsenceState.SKIPPED), "the meeting was skipped"),
])
def test_a_meeting_called_off_or_too_close_holds_its_mail_back(occ: OccurrenceRecord | None,
                                                              why: str) -> None:
    assert why_not_now(occ, SLOT, NOW, LAST_CALL) == why


def test_a_slot_now_too_close_holds_its_mail_back() -> None:
    assert why_not_now(None, NOW + timedelta(hours=11), NOW, LAST_CALL) == (
        "the meeting is less than 12 hours away")


def test_a_meeting_moved_later_is_asked_about_again_when_due() -> None:
    later = _occ(SLOT + timedelta(days=3), status=OccurrenceStatus.MOVED)
    assert why_not_now(later, SLOT, NOW, LAST_CALL) is None
