"""A pair whose calendar could not be read is judged up to when that began only if it began
inside the report's period as the pair's own days count it (where it meets), not UTC's: a
Sydney pair's period ends eleven hours before UTC's midnight, a Los Angeles pair's eight
hours after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.insight import Period, unreadable_since
from service.domain.records import (
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    PersonRecord,
    SeriesRecord,
)
from service.domain.status import OccurrenceStatus, SeriesStatus
from service.insight.report import History, build

# `onetoone report --to 2026-12-01`, run days later: the period's last day is 30 November.
PERIOD = Period(date(2026, 9, 1), date(2026, 12, 1), datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


def view(zone: str, failed_at: datetime) -> PairingView:
    created = datetime(2026, 8, 1, tzinfo=UTC)
    pairing = PairingRecord(id=1, key="k", manager_id="m", report_id="r", cadence="weekly",
                            created_at=created, status="active")
    series = SeriesRecord(id=1, pairing_id=1, mailbox="m", transaction_id="t",
                          status=SeriesStatus.ACTIVE, cadence="weekly", minutes=30, weekday=0,
                          start_time="10:00", time_zone=zone, first_date=date(2026, 8, 3),
                          range_end=date(2027, 6, 28), created_at=created, updated_at=created,
                          listing_failed_at=failed_at)
    return PairingView(pairing, PersonRecord(id="m", email="m@x", name="Manager", time_zone=zone),
                       PersonRecord(id="r", email="r@x", name="Report", time_zone=zone), series)


def test_a_failure_on_the_sydney_morning_after_the_period_is_not_in_it() -> None:
    """20:00 UTC on 30 November is 07:00 on 1 December in Sydney: after the period's last
    day there, so the period's meetings were all read and the pair is judged on them."""
    pair = view("Australia/Sydney", datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert unreadable_since(pair, PERIOD, zone="Australia/Sydney") is None


def test_a_failure_on_the_los_angeles_last_evening_is_in_it() -> None:
    """03:00 UTC on 1 December is 19:00 on 30 November in Los Angeles: inside the period's
    last day there, so its meetings after it were not read, and the pair says so."""
    failed = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    pair = view("America/Los_Angeles", failed)
    assert unreadable_since(pair, PERIOD, zone="America/Los_Angeles") == failed


def test_the_report_marks_the_los_angeles_pair_and_not_the_sydney_one() -> None:
    """As the HR report shows it: "calendar unreadable" only for the pair whose own days saw
    the failure inside the period (each pair in its series' zone)."""
    def history(zone: str, failed_at: datetime) -> History:
        # A held weekly meeting each Monday at 10:00 there, so nothing else is flagged.
        meetings = []
        day = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)
        while day < datetime(2026, 11, 30, tzinfo=UTC):
            meetings.append(OccurrenceRecord(
                id=len(meetings) + 1, series_id=1, event_id=f"e{day:%m%d}", original_start=day,
                start=day, end=day + timedelta(minutes=30), status=OccurrenceStatus.HELD))
            day += timedelta(days=7)
        return History(view(zone, failed_at), meetings, (), ())

    sydney = build([history("Australia/Sydney", datetime(2026, 11, 30, 20, 0, tzinfo=UTC))],
                   PERIOD, 1)
    los_angeles = build([history("America/Los_Angeles",
                                 datetime(2026, 12, 1, 3, 0, tzinfo=UTC))], PERIOD, 1)
    assert not any("calendar unreadable" in why for why in sydney.pairs[0].attention)
    assert los_angeles.pairs[0].attention[0].startswith(
        "calendar unreadable since 2026-12-01 03:00 UTC")
