"""A report over a period that is over (November, run in December) says what the store
knows now: a meeting on the period's last day that was never read back is "outcome
unknown" once two days have passed since it, not "still to come" because the period's end
was less than two days after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.insight import Period
from service.domain.status import OccurrenceStatus
from service.insight.report import build
from tests.unit.test_insight_new_pairs import history, meeting

NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1), datetime(2026, 12, 10, 9, tzinfo=UTC))


def test_the_last_days_meeting_never_read_back_is_not_still_to_come() -> None:
    last_day = datetime(2026, 11, 30, 15, tzinfo=UTC)
    (pair,) = build([history(meeting(datetime(2026, 11, 3, 15, tzinfo=UTC),
                                     OccurrenceStatus.HELD),
                             meeting(last_day),  # its read-back kept failing
                             created=last_day - timedelta(days=400))], NOVEMBER, 1).pairs
    f = pair.figures
    assert (f.held, f.upcoming, f.outcome_unknown) == (1, 0, 1)


def test_a_meeting_just_ended_is_still_waiting_for_its_notes() -> None:
    """Run on the 1st for the month before: the 30th's notes are read on the next runs."""
    run_on_the_first = Period(NOVEMBER.start, NOVEMBER.end,
                              datetime(2026, 12, 1, 9, tzinfo=UTC))
    (pair,) = build([history(meeting(datetime(2026, 11, 30, 15, tzinfo=UTC)),
                             created=datetime(2025, 1, 1, tzinfo=UTC))],
                    run_on_the_first, 1).pairs
    assert (pair.figures.upcoming, pair.figures.outcome_unknown) == (1, 0)
