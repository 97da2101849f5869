"""A report asked already about a meeting on a day is not asked again about another meeting
that day (a series booked anew that week). The day is the one the mail names, in the
report's zone: a manager who moved to Sydney has the new series in their zone, where the
London report's Thursday evening meeting is on Friday (found by benchmarks/soak.py, seed 10:
two "… on Thursday 17 Dec 2026: what would you like to talk about?" mails)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.domain.records import SeriesRecord
from service.domain.status import SeriesStatus
from service.jobs.outbox import PrepDue, _asked_that_day, prep_key

BUILT = datetime(2026, 12, 1, tzinfo=UTC)


def _due(zone: str, start: datetime) -> PrepDue:
    series = SeriesRecord(pairing_id=1, mailbox="m", transaction_id="t",
                          status=SeriesStatus.ACTIVE, cadence="weekly", minutes=30,
                          weekday=start.weekday(), week_index=None, start_time="09:30",
                          time_zone=zone, first_date=date(2026, 12, 17),
                          range_end=date(2027, 6, 1), online=False, slot_note="",
                          created_at=BUILT, updated_at=BUILT)
    return PrepDue(1, start, start, None, series, prep_key(1, start), None)


def test_the_day_asked_about_is_the_reports_day_not_the_managers() -> None:
    asked = prep_key(1, datetime(2026, 12, 17, 10, 30, tzinfo=UTC))  # Thu 10:30 in London
    # The new series, in the Sydney manager's zone: Fri 18 Dec 09:30 Sydney, which is
    # Thu 17 Dec 22:30 in London, the day the report was asked about already.
    again = _due("Australia/Sydney", datetime(2026, 12, 17, 22, 30, tzinfo=UTC))
    assert _asked_that_day(again, [asked], "Europe/London")
    # A report in Sydney too reads the two on different days: both are asked about.
    assert not _asked_that_day(again, [asked], "Australia/Sydney")


def test_the_day_asked_about_is_where_each_meeting_is_now() -> None:
    """A key names its meeting's slot; a meeting moved off it is on another day. Asked about
    Tuesday's slot, moved to Wednesday: a meeting on Tuesday was not asked about, one on
    Wednesday was. The meeting due counts where it is too (its start, not its slot)."""
    tuesday = datetime(2026, 12, 15, 10, 30, tzinfo=UTC)
    wednesday = datetime(2026, 12, 16, 10, 30, tzinfo=UTC)
    asked = [prep_key(1, tuesday)]
    moved = {tuesday: wednesday}
    later_tuesday = _due("Europe/London", datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    assert _asked_that_day(later_tuesday, asked, "Europe/London")
    assert not _asked_that_day(later_tuesday, asked, "Europe/London", moved)
    on_wednesday = _due("Europe/London", datetime(2026, 12, 16, 15, 0, tzinfo=UTC))
    assert _asked_that_day(on_wednesday, asked, "Europe/London", moved)
