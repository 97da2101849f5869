"""Migration 0030: an ended series keeps how far its meetings are cancelled. The store kept
no record of which series ended with no end date in Outlook (their meetings cancelled a year
ahead, the later ones left), so every ended series is set to be looked at once; the schedule
step lets go of those with an end date, and keeps cancelling (and mails the manager of)
those without. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from service.store.db import make_engine, upgrade
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def test_migration_0030_looks_once_at_every_series_ended_before_it(empty_db_url: str) -> None:
    """Of a database at 0029: an ended series known in Outlook is due to be looked at from the
    day it ended; one never found there, a live one and one the manager deleted are not."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0029")
    with engine.begin() as conn:
        pid = insert_old_pair(conn, NOW)
        for n, (status, event, ended) in enumerate((
                ("ended", "e1", datetime(2026, 3, 4, 23, 30, tzinfo=UTC)),
                ("ended", None, datetime(2026, 5, 1, 9, 0, tzinfo=UTC)),
                ("active", "e3", None), ("deleted", "e4", NOW))):
            conn.execute(text(
                "INSERT INTO series (pairing_id, mailbox, event_id, transaction_id, status,"
                " cadence, minutes, weekday, start_time, time_zone, first_date, range_end,"
                " online, slot_note, created_at, updated_at, ended_at) VALUES (:p, 'm', :e,"
                " :x, :s, 'weekly', 30, 1, '10:00', 'UTC', '2025-12-01', '2026-03-04', false,"
                " '', :t, :t, :d)"),
                {"p": pid, "e": event, "x": f"t{n}", "s": status, "t": NOW, "d": ended})
    assert upgrade(engine)[0] == "0029"
    with engine.connect() as conn:
        cancelled = {tid: to for tid, to in conn.execute(text(
            "SELECT transaction_id, cancelled_to FROM series"))}
    assert {k: v if v is None or isinstance(v, date) else date.fromisoformat(v)
            for k, v in cancelled.items()} == {
        "t0": date(2026, 3, 4), "t1": None, "t2": None, "t3": None}
