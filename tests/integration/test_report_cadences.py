"""The report reads each series' cadence with its meetings: a pair whose cadence changed (a
new starter's weekly series ended, a monthly one followed) has meetings of both, and one
skipped for an absence excuses its own series' cadence. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from service.domain.records import SeriesRecord
from service.domain.status import SeriesStatus
from service.store.insight import InsightReader
from service.store.models import OccurrenceRow
from tests.integration.test_evidence_pair_notes import ADDED, MEETING, pair


def test_histories_give_each_series_cadence(db_url: str) -> None:
    store, pairing_id = pair(db_url)
    ids = []
    for n, cadence in enumerate(("weekly", "monthly")):
        series = store.begin_series(SeriesRecord(
            pairing_id=pairing_id, mailbox="m", transaction_id=f"t{n}", cadence=cadence,
            minutes=30, weekday=1, start_time="10:00", time_zone="Europe/London",
            first_date=MEETING.date(), range_end=date(2027, 12, 1), created_at=ADDED,
            updated_at=ADDED))
        start = MEETING + timedelta(weeks=8 * n)
        with store.session() as s, s.begin():
            s.add(OccurrenceRow(series_id=series.id, event_id=f"e{n}", original_start=start,
                                start=start, end=start + timedelta(minutes=30),
                                status="held", updated_at=start))
        store.update_series(series.id, ADDED, status=SeriesStatus.ENDED)
        ids.append(series.id)
    (history,) = InsightReader(store.engine).histories(store.views())
    assert dict(history.cadences) == {ids[0]: "weekly", ids[1]: "monthly"}
