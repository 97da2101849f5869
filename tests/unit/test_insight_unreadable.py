"""A pair whose calendar onetoone has not been able to read lately (its series' listing
failing since then, as `onetoone status` shows it) is marked so in the HR report, with since
when, and is not flagged as not meeting on meetings onetoone could not read."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

from service.domain.insight import Period
from service.domain.records import SeriesRecord
from service.domain.status import OccurrenceStatus
from service.insight.report import History, build, render_files
from tests.unit.test_insight_new_pairs import NOW, PERIOD, days_ago, history, meeting

FAILING = days_ago(80)


def _unreadable(h: History, since=FAILING) -> History:
    series = SeriesRecord(id=1, pairing_id=1, mailbox="m", event_id="s", transaction_id="t",
                          cadence="monthly", minutes=30, weekday=1, start_time="10:00",
                          time_zone="UTC", first_date=date(2025, 1, 7),
                          range_end=date(2027, 6, 1), created_at=days_ago(400),
                          updated_at=days_ago(400), status="active",
                          listing_failed_at=since, listing_retry_at=NOW)
    return replace(h, view=replace(h.view, series=series))


def _meetings() -> tuple:
    # Held monthly until the calendar could no longer be read; since then, nothing known:
    # the meetings stored ahead were never read back.
    return (meeting(days_ago(150), OccurrenceStatus.HELD),
            meeting(days_ago(120), OccurrenceStatus.HELD),
            meeting(days_ago(90), OccurrenceStatus.HELD),
            meeting(days_ago(60)), meeting(days_ago(30)))


def test_a_pair_whose_calendar_cannot_be_read_is_marked_not_flagged() -> None:
    plain = history(*_meetings(), created=days_ago(400))
    (before,) = build([plain], PERIOD, 1).pairs
    assert before.attention == ("no held 1-2-1 for 90 days (cadence monthly)",)
    report = build([_unreadable(plain)], PERIOD, 1)
    (pair,) = report.pairs
    assert pair.attention == (f"calendar unreadable since {FAILING:%Y-%m-%d %H:%M} UTC: "
                              "its meetings since then could not be read, so they are not "
                              "judged",)
    row = next(csv.DictReader(io.StringIO(render_files(report, "csv", "now")["pairs.csv"])))
    assert row["needs_attention"].startswith("calendar unreadable since")
    f = pair.figures
    assert (f.held, f.missed, f.outcome_unknown) == (3, 0, 2)


def test_a_failure_after_the_period_changes_nothing_in_it() -> None:
    h = _unreadable(history(*_meetings(), created=days_ago(400)), since=days_ago(5))
    past = Period(PERIOD.start, days_ago(20).date(), NOW)
    (pair,) = build([h], past, 1).pairs
    assert pair.attention == ("no held 1-2-1 for 69 days (cadence monthly)",)


def test_a_failing_series_followed_on_from_marks_the_pair_while_it_holds_its_meetings() -> None:
    """After an extension the coming months' meetings are on the superseded series, the one
    listed (and failing); the live follow-on is not due for months, so its mark is clear."""
    plain = history(*_meetings(), created=days_ago(400))
    live = replace(_unreadable(plain).view.series, id=2, listing_failed_at=None,
                   listing_retry_at=None, first_date=date(2027, 7, 6))
    old = replace(live, id=1, status="superseded", listing_failed_at=FAILING,
                  first_date=date(2025, 1, 7), range_end=date(2027, 6, 30))
    h = replace(plain, view=replace(plain.view, series=live), superseded=(old,))
    (pair,) = build([h], PERIOD, 1).pairs
    assert pair.attention[0].startswith(f"calendar unreadable since {FAILING:%Y-%m-%d %H:%M}")
    # Over (its last listing's mark left as it was), with the live one read: not marked.
    over = replace(old, range_end=days_ago(10).date())
    (pair,) = build([replace(h, superseded=(over,))], PERIOD, 1).pairs
    assert not any("calendar unreadable" in why for why in pair.attention)
