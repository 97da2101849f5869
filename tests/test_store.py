"""The store on SQLite and PostgreSQL: migrations, one live series per pair, claims."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.errors import StoreError
from service.store.db import check_schema, current_revision, head_revision, make_engine, upgrade
from service.store.models import SeriesRow
from service.store.repo import PersonUpdate, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    s = Store(engine)
    s.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True),
                     PersonUpdate("r", "r@x.test", "Rob Report", date(2026, 1, 5), False)], NOW)
    return s


def series(pairing_id: int, txn: str, status: str = "creating") -> SeriesRow:
    return SeriesRow(pairing_id=pairing_id, mailbox="m", transaction_id=txn, status=status,
                     cadence="monthly", minutes=30, weekday=1, week_index="second",
                     start_time="10:00", time_zone="Europe/London", first_date=date(2026, 12, 8),
                     range_end=date(2027, 9, 8), online=True, slot_note="", created_at=NOW,
                     updated_at=NOW)


def pairing(store: Store):
    return store.upsert_pairing(key="p-1", manager_id="m", report_id="r", cadence="monthly",
                                minutes=30, reason="default", source="directory", now=NOW)


def test_upgrade_is_idempotent(db_url: str) -> None:
    """Upgrading twice leaves the schema at head; check_schema then passes."""
    engine = make_engine(db_url)
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())
    assert current_revision(engine) == head_revision()
    check_schema(engine)


def test_check_schema_tells_to_upgrade(db_url: str) -> None:
    """An empty database is refused with the command that fixes it."""
    with pytest.raises(StoreError, match="onetoone db upgrade"):
        check_schema(make_engine(db_url))


def test_only_one_live_series_per_pairing(store: Store) -> None:
    """A second live series for a pairing is refused by the database; the first is returned."""
    p = pairing(store)
    first = store.begin_series(series(p.id, "t1"))
    again = store.begin_series(series(p.id, "t2"))
    assert again.id == first.id and again.transaction_id == "t1"
    store.end_series(first.id, NOW, None)
    third = store.begin_series(series(p.id, "t3"))
    assert third.id != first.id


def test_claim_excludes_other_workers_until_lease_expires(store: Store) -> None:
    """Two workers can't hold one pairing; an expired lease can be taken over."""
    p = pairing(store)
    assert store.claim(p.id, "w1", NOW, timedelta(minutes=10))
    assert not store.claim(p.id, "w2", NOW, timedelta(minutes=10))
    assert store.claim(p.id, "w2", NOW + timedelta(minutes=11), timedelta(minutes=10))
    store.release(p.id, "w2")
    assert store.claim(p.id, "w1", NOW, timedelta(minutes=10))


def test_deleted_series_pairing_is_not_reactivated(store: Store) -> None:
    """A pairing whose series the manager deleted stays blocked until reset."""
    p = pairing(store)
    s = store.begin_series(series(p.id, "t1"))
    store.activate_series(s.id, event_id="e1", ical_uid="u1", now=NOW)
    store.mark_series_deleted(s.id, NOW)
    assert store.pairing_by_key("p-1").status == "series_deleted"
    pairing(store)
    assert store.pairing_by_key("p-1").status == "series_deleted"
    assert store.reset_pairing("p-1", NOW)
    assert store.pairing_by_key("p-1").status == "active"


def test_ended_pairing_rejoins_with_same_key(store: Store) -> None:
    """The same two people paired again reuse the pairing (its tag stays stable)."""
    p = pairing(store)
    store.end_pairing("p-1", "left", NOW)
    assert store.pairing_by_key("p-1").status == "ended"
    again = pairing(store)
    assert again.id == p.id and store.pairing_by_key("p-1").status == "active"


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    """Timestamps round-trip as aware UTC on both databases."""
    p = pairing(store)
    row = store.pairing(p.id)
    assert row.created_at == NOW and row.created_at.tzinfo is not None


def test_upgrade_keeps_rows_of_an_earlier_schema(db_url: str) -> None:
    """A database at 0004 holding referenced rows upgrades to head and back, rows intact
    (SQLite cannot rebuild a table that other tables' rows point at)."""
    from alembic import command
    from sqlalchemy import text

    from service.store.db import _alembic_config

    engine = make_engine(db_url)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO people (id, email, name, manages_others, active, seen_at)"
                          " VALUES ('m', 'm@x.test', 'M', true, true, :t)"), {"t": NOW})
        conn.execute(text("INSERT INTO people (id, email, name, manages_others, active, seen_at)"
                          " VALUES ('r', 'r@x.test', 'R', false, true, :t)"), {"t": NOW})
        conn.execute(text(
            "INSERT INTO pairings (key, manager_id, report_id, status, cadence, minutes,"
            " cadence_reason, source, note, created_at, updated_at, end_reason) VALUES"
            " ('k', 'm', 'r', 'active', 'monthly', 30, '', 'directory', '', :t, :t, '')"),
            {"t": NOW})
        pid = conn.execute(text("SELECT id FROM pairings")).scalar_one()
        conn.execute(text(
            "INSERT INTO series (pairing_id, mailbox, transaction_id, status, cadence, minutes,"
            " weekday, start_time, time_zone, first_date, range_end, online, slot_note,"
            " created_at, updated_at) VALUES (:p, 'm', 't', 'active', 'monthly', 30, 1,"
            " '10:00', 'UTC', '2026-12-01', '2027-06-01', false, '', :t, :t)"),
            {"p": pid, "t": NOW})
        sid = conn.execute(text("SELECT id FROM series")).scalar_one()
        conn.execute(text(
            "INSERT INTO occurrences (series_id, event_id, original_start, start, \"end\","
            " status, updated_at, meeting_number, agenda_state, agenda_updates, agenda_topics,"
            " covers_development) VALUES (:s, 'e1', :t, :t, :t, 'held', :t, 1, 'injected', 1,"
            " '', false)"), {"s": sid, "t": NOW})
        oid = conn.execute(text("SELECT id FROM occurrences")).scalar_one()
        conn.execute(text(
            "INSERT INTO actions (pairing_id, owner, text, status, carried, raised_on,"
            " raised_occurrence_id, fingerprint, created_at) VALUES (:p, 'R', 'do it', 'open',"
            " 0, '2026-12-01', :o, 'f', :t)"), {"p": pid, "o": oid, "t": NOW})
    assert upgrade(engine) == ("0004", head_revision())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM actions")).scalar_one() == 1
        assert conn.execute(text("SELECT status FROM occurrences")).scalar_one() == "held"
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert current_revision(engine) == "0004"
