"""A report asked already about a meeting on a day is not asked again about another meeting
that day (a series booked anew that week). The day is the one the mail names, in the
report's zone: a manager who moved to Sydney has the new series in their zone, where the
London report's Thursday evening meeting is on Friday (found by benchmarks/soak.py, seed 10:
two "… on Thursday 17 Dec 2026: what would you like to talk about?" mails). Nor about one
less than a day from a meeting asked about: a report who moved abroad since reads the
earlier mail's day in their old zone (seed 21: two "… on Wednesday 10 Feb 2027" mails)."""

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
    # A report in Sydney reads them on different days, but twelve hours apart: one mail.
    assert _asked_that_day(again, [asked], "Australia/Sydney")
    # A day or more apart and on different days there: both are asked about.
    next_day = _due("Australia/Sydney", datetime(2026, 12, 18, 22, 30, tzinfo=UTC))
    assert not _asked_that_day(next_day, [asked], "Australia/Sydney")


def test_a_report_who_moved_abroad_is_not_asked_again_about_the_rebooked_meeting() -> None:
    """Asked in London about Wednesday 13:30; the report moved to Sydney, where that slot is
    Thursday 00:30, and the pair's series was booked anew at the new hours: Wednesday 18:00
    Sydney (07:00 UTC). The first mail named Wednesday: the second is not sent."""
    asked = prep_key(1, datetime(2027, 2, 10, 13, 30, tzinfo=UTC))
    rebooked = _due("Europe/London", datetime(2027, 2, 10, 7, 0, tzinfo=UTC))
    assert _asked_that_day(rebooked, [asked], "Australia/Sydney")


def test_the_day_asked_about_is_where_each_meeting_is_now() -> None:
    """A key names its meeting's slot; a meeting moved off it is on another day. Asked about
    Tuesday's slot, moved to Thursday: a meeting on Tuesday was not asked about, one on
    Thursday was. The meeting due counts where it is too (its start, not its slot)."""
    tuesday = datetime(2026, 12, 15, 10, 30, tzinfo=UTC)
    thursday = datetime(2026, 12, 17, 10, 30, tzinfo=UTC)
    asked = [prep_key(1, tuesday)]
    moved = {tuesday: thursday}
    later_tuesday = _due("Europe/London", datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    assert _asked_that_day(later_tuesday, asked, "Europe/London")
    assert not _asked_that_day(later_tuesday, asked, "Europe/London", moved)
    on_thursday = _due("Europe/London", datetime(2026, 12, 17, 15, 0, tzinfo=UTC))
    assert _asked_that_day(on_thursday, asked, "Europe/London", moved)
