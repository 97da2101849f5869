"""`onetoone report` judges a pair's gaps and attention flags over the period's days where
the pair meets, as it counts the pair's meetings (``pair_figures``). By the UTC period, a
Sydney 1-2-1 on the morning of 1 July (30 June in UTC) ended June's gap although June's
report counted no meeting held in June, and a Los Angeles one on the evening of 30
November (1 December in UTC), counted as held in November, was left out of November's gap:
"no held 1-2-1 for 51 days" beside a meeting held that month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.insight import Period, attention, pair_figures
from service.domain.records import OccurrenceRecord
from service.domain.status import OccurrenceStatus

SYDNEY = ZoneInfo("Australia/Sydney")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def held(n: int, start: datetime) -> OccurrenceRecord:
    start = start.astimezone(UTC)
    return OccurrenceRecord(id=n, series_id=1, event_id=f"e{n}", original_start=start,
                            start=start, end=start + timedelta(minutes=30),
                            status=OccurrenceStatus.HELD)


def test_a_meeting_after_the_local_period_does_not_end_its_gap() -> None:
    """Sydney, fortnightly: held 25 May, then not until 08:30 on 1 July (22:30 on 30 June
    in UTC). June's report holds no meeting, and says the pair went without one."""
    june = Period(date(2026, 6, 1), date(2026, 7, 1), datetime(2026, 7, 20, tzinfo=UTC))
    meetings = [held(1, datetime(2026, 5, 25, 9, 30, tzinfo=SYDNEY)),
                held(2, datetime(2026, 7, 1, 8, 30, tzinfo=SYDNEY))]
    zone = "Australia/Sydney"
    figures = pair_figures(meetings, [], [], june, cadence="fortnightly", zone=zone)
    assert figures.held == 0
    assert figures.longest_gap_days == 36  # 25 May 09:30 to the end of 30 June, in Sydney
    flags = attention(meetings, [], "fortnightly", june, zone=zone)
    assert flags == ("no held 1-2-1 for 36 days (cadence fortnightly)",)


def test_a_meeting_late_on_the_local_periods_last_day_ends_its_gap() -> None:
    """Los Angeles, monthly: held 10 October and at 17:00 on 30 November (01:00 on 1
    December in UTC). November's report counts it held, and flags no gap."""
    november = Period(date(2026, 11, 1), date(2026, 12, 1), datetime(2026, 12, 20, tzinfo=UTC))
    meetings = [held(1, datetime(2026, 10, 10, 9, tzinfo=LOS_ANGELES)),
                held(2, datetime(2026, 11, 30, 17, tzinfo=LOS_ANGELES))]
    zone = "America/Los_Angeles"
    figures = pair_figures(meetings, [], [], november, cadence="monthly", zone=zone)
    assert figures.held == 1
    assert figures.longest_gap_days == 51  # 10 October to 30 November
    assert attention(meetings, [], "monthly", november, zone=zone) == ()
