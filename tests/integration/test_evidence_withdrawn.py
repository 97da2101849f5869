"""`onetoone evidence` records the 1-2-1s that were: a series onetoone ended (a mover, a
leaver, a cadence change) leaves its meetings to come stored as *withdrawn*, only so a sync
never takes the gaps in Outlook for cancellations. They were never 1-2-1s anyone could hold,
so a mover's record does not list months of "withdrawn" meetings after the move, nor count
them among its meetings. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.integration.test_evidence_pair_notes import MEETING, evidence, first_meeting, pair


def test_withdrawn_meetings_are_not_in_the_record(db_url: str, tmp_path: Path) -> None:
    store, pairing_id = pair(db_url)
    held = first_meeting(store, pairing_id)  # 2 Mar 2027, held
    series_id = store.occurrence(held).series_id
    # Rob moved to another manager after it: the old series ended, its next meetings
    # (stored ahead for their agendas, then cancelled by onetoone) are withdrawn.
    withdrawn = [MEETING + timedelta(weeks=4 * n) for n in (1, 2, 3)]
    store.upsert_occurrences(series_id, [
        {"event_id": f"w{n}", "original_start": start, "start": start,
         "end": start + timedelta(minutes=30), "status": "withdrawn"}
        for n, start in enumerate(withdrawn)], MEETING)

    html, said = evidence(db_url, tmp_path, "2027-03-01", "2027-06-01")

    assert "2027-03-02 10:00 GMT – held (notes recorded)" in html
    for start in withdrawn:
        assert f"{start:%Y-%m-%d}" not in html
    assert "withdrawn" not in html
    assert "(1 meeting(s);" in said


def test_histories_of_more_pairs_than_one_statement_takes(db_url: str) -> None:
    """`onetoone report` over 70,000 pairings (ended ones count): read in chunks, not one
    IN list PostgreSQL refuses past 65,535 parameters."""
    import dataclasses
    from datetime import UTC, datetime

    from service.domain.records import PersonUpdate
    from service.store.db import make_engine, upgrade
    from service.store.insight import InsightReader
    from service.store.repo import Store

    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    now = datetime(2027, 6, 1, 9, tzinfo=UTC)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("r", "r@x.test", "Rob", None, False)], now)
    store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="monthly",
                         minutes=30, reason="", source="directory", now=now)
    (view,) = store.views()
    many = [view] + [dataclasses.replace(view, pairing=dataclasses.replace(
        view.pairing, id=view.pairing.id + n)) for n in range(1, 70_000)]
    histories = InsightReader(engine).histories(many)
    assert len(histories) == 70_000 and histories[0].view == view
