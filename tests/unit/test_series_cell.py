"""The pairs table's (and the demo's) word on a pair's series: the one its meetings are on
now, and what follows it — saying so when the follow-on changes the cadence (a new
starter's weekly series ending, the role's monthly one booked behind it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.domain.records import SeriesRecord
from service.domain.status import SeriesStatus
from service.jobs.series_plan import series_cell

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _series(**kw: object) -> SeriesRecord:
    base: dict[str, object] = dict(
        id=1, pairing_id=1, mailbox="mia@contoso.example", transaction_id="t",
        status=SeriesStatus.ACTIVE, cadence="weekly", minutes=30, weekday=3,
        start_time="13:30", time_zone="Europe/London", first_date=date(2026, 12, 3),
        range_end=date(2027, 2, 24), created_at=NOW, updated_at=NOW)
    base.update(kw)
    return SeriesRecord(**base)  # type: ignore[arg-type]


def test_a_new_starters_weekly_series_is_shown_with_the_monthly_one_after_it() -> None:
    weekly = _series(status=SeriesStatus.SUPERSEDED)
    monthly = _series(id=2, cadence="monthly", week_index="fourth",
                      first_date=date(2027, 2, 25), range_end=date(2027, 11, 25))
    cell = series_cell(monthly, [weekly, monthly], NOW)
    assert cell.startswith("every week, Thursday 13:30 Europe/London")
    assert cell.endswith("(then once a month from 2027-02-25)")


def test_an_extension_at_the_same_cadence_is_a_follow_on() -> None:
    old = _series(status=SeriesStatus.SUPERSEDED)
    new = _series(id=2, first_date=date(2027, 3, 4), range_end=date(2027, 12, 2))
    assert series_cell(new, [old, new], NOW).endswith("(follow-on from 2027-03-04)")
    # Once the old one's last meeting is behind, the follow-on alone is the pair's series.
    later = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert series_cell(new, [old, new], later).startswith("every week, Thursday 13:30")
    assert "follow-on" not in series_cell(new, [old, new], later)
