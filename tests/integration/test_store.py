"""The store on SQLite and PostgreSQL: migrations, one live series per pair, claims."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.domain.records import PersonUpdate, SeriesRecord
from service.errors import StoreError
from service.store.db import check_schema, current_revision, head_revision, make_engine, upgrade
from service.store.leases import holder_is_gone, worker_identity
from service.store.repo import Store
from tests.conftest import gone_worker
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    s = Store(engine)
    s.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True),
                     PersonUpdate("r", "r@x.test", "Rob Report",
                                  datetime(2026, 1, 5, tzinfo=UTC), False)], NOW)
    return s


def series(pairing_id: int, txn: str, status: str = "creating") -> SeriesRecord:
    return SeriesRecord(pairing_id=pairing_id, mailbox="m", transaction_id=txn, status=status,
                     cadence="monthly", minutes=30, weekday=1, week_index="second",
                     start_time="10:00", time_zone="Europe/London", first_date=date(2026, 12, 8),
                     range_end=date(2027, 9, 8), online=True, slot_note="", created_at=NOW,
                     updated_at=NOW)


def pairing(store: Store):
    return store.upsert_pairing(key="p-1", manager_id="m", report_id="r", cadence="monthly",
                                minutes=30, reason="default", source="directory", now=NOW)


def test_upgrade_is_idempotent(empty_db_url: str) -> None:
    """Upgrading twice leaves the schema at head; check_schema then passes."""
    engine = make_engine(empty_db_url)
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())
    assert current_revision(engine) == head_revision()
    check_schema(engine)


def test_check_schema_tells_to_upgrade(empty_db_url: str) -> None:
    """An empty database is refused with the command that fixes it."""
    with pytest.raises(StoreError, match="onetoone db upgrade"):
        check_schema(make_engine(empty_db_url))


def test_a_database_a_newer_onetoone_wrote_is_refused_and_left_alone(db_url: str) -> None:
    """An older onetoone reinstalled over a newer one's database: upgrade, the schema check
    and doctor each say so and what to do, rather than a traceback or "all is well"."""
    from sqlalchemy import text

    from service.config import default_settings
    from service.doctor import _database

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for attempt in (lambda: upgrade(engine), lambda: check_schema(engine)):
        with pytest.raises(StoreError, match=r"schema 0099, written by a newer onetoone"):
            attempt()
    assert current_revision(engine) == "0099"
    import dataclasses

    settings = default_settings()
    settings = dataclasses.replace(settings, database=dataclasses.replace(
        settings.database, url=db_url))
    check = _database(settings)
    assert not check.ok and "newer onetoone" in check.detail and "backup" in check.fix


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


def test_lease_of_a_killed_process_is_taken_over_at_once(store: Store) -> None:
    """A lease left by a process of this host that no longer runs (killed mid-run) does not
    hide the pairing for ten minutes; a live process's lease still excludes."""
    p = pairing(store)
    dead_owner = gone_worker()
    parts = dead_owner.split(":")
    here = ":".join([parts[0], "2", *parts[2:]])  # another worker of this host and pid space
    assert store.claim(p.id, dead_owner, NOW, timedelta(minutes=10))
    assert not store.claim(p.id, "elsewhere.example:2", NOW, timedelta(minutes=10))
    assert store.claim(p.id, here, NOW, timedelta(minutes=10))
    store.release(p.id, here)
    live_owner = worker_identity()
    assert store.claim(p.id, live_owner, NOW, timedelta(minutes=10))
    assert not store.claim(p.id, here, NOW, timedelta(minutes=10))
    other_host = "elsewhere.example:1"
    store.release(p.id, live_owner)
    assert store.claim(p.id, other_host, NOW, timedelta(minutes=10))
    assert not store.claim(p.id, "w3", NOW, timedelta(minutes=10))


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


def test_upgrade_keeps_rows_of_an_earlier_schema(empty_db_url: str) -> None:
    """A database at 0004 holding referenced rows upgrades to head and back, rows intact
    (SQLite cannot rebuild a table that other tables' rows point at)."""
    from sqlalchemy import text

    engine = make_engine(empty_db_url)
    migrate_to(engine, "0004")
    with engine.begin() as conn:
        pid = insert_old_pair(conn, NOW)
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
    migrate_to(engine, "0004", down=True)
    assert current_revision(engine) == "0004"


def test_a_holder_is_judged_only_by_a_worker_that_can_see_its_process() -> None:
    """A lease is taken at once only from a gone process of the claimant's own name and pid
    space. Containers sharing a host name (host networking), or given one ``[worker]
    name``, are each pid 1 in a pid namespace of their own: their spaces tell them apart, so
    they neither share an identity nor judge each other's pids."""
    dead = gone_worker()
    me = worker_identity()
    assert holder_is_gone(dead, me)
    assert not holder_is_gone(me, me)  # this very process runs
    host, pid, *space = dead.split(":")
    here = f":{space[0]}" if space else ""
    if space:  # Linux: the pid space is part of the name
        assert me.startswith(f"{host}:") and me.endswith(f":{space[0]}")
        assert not holder_is_gone(f"{host}:{pid}:{'0' * 8}", me)  # another pid namespace
        assert not holder_is_gone(f"{host}:{pid}", me)  # named before spaces: it expires
        assert worker_identity("pod-b").endswith(here)
        # The same name on another host, or in another container: never judged here.
        assert not holder_is_gone(f"pod-b:{pid}:{'0' * 8}", worker_identity("pod-b"))
        assert not holder_is_gone(f"pod-b:{pid}", worker_identity("pod-b"))  # before 0031
    assert holder_is_gone(f"pod-b:{pid}{here}", worker_identity("pod-b"))
    assert not holder_is_gone(f"pod-b:{pid}{here}", worker_identity("pod-a"))
    assert not holder_is_gone(f"pod-b:{pid}{here}", me)
    assert not holder_is_gone(dead, worker_identity("pod-b"))
    for odd in (host, f"{host}:", f"{host}:\u00b2", f"{host}:{10**30}", ":", "", "a:b:c:d"):
        assert not holder_is_gone(odd, me), odd
    assert len(worker_identity()) <= 80 and worker_identity("pod-a").startswith("pod-a:")


def test_named_lock_is_held_by_one_worker(store: Store) -> None:
    """The planning lock: one holder at a time, renewable, free after drop or expiry, and
    taken over at once from a process of this host that was killed."""
    ttl = timedelta(minutes=2)
    assert store.take_lock("plan", "w1", NOW, ttl)
    assert store.take_lock("plan", "w1", NOW + timedelta(minutes=1), ttl)  # renewed
    assert not store.take_lock("plan", "w2", NOW + timedelta(minutes=2), ttl)
    assert store.take_lock("plan", "w2", NOW + timedelta(minutes=4), ttl)  # expired
    store.drop_lock("plan", "w2")
    dead = gone_worker()
    assert store.take_lock("plan", dead, NOW, ttl)
    assert not store.take_lock("plan", "elsewhere.example:3", NOW, ttl)
    assert store.take_lock("plan", worker_identity(), NOW, ttl)


def test_forget_leaves_no_erased_text_on_disk(store: Store, db_url: str) -> None:
    """After `forget`, the erased words are nowhere in the SQLite file or its write-ahead
    log (secure_delete and a checkpoint), even while another connection holds it open."""
    p = pairing(store)
    marker = "Zanzibar-confidential-7731"
    store.add_note(p.id, None, f"{marker} talked about a health matter", private=True,
                   now=NOW)
    keep_open = store.engine.connect()  # a worker holding the database open
    try:
        assert store.forget_person("r", NOW)["notes"] == 1
        if db_url.startswith("sqlite"):
            from pathlib import Path

            from service.store.db import sqlite_path

            db = sqlite_path(db_url)
            assert db is not None
            for f in (db, Path(f"{db}-wal")):
                if f.exists():
                    assert marker.encode() not in f.read_bytes(), f.name
    finally:
        keep_open.close()


def test_sqlite_file_is_owner_only(tmp_path) -> None:
    """A new SQLite database (it holds notes about people) is readable by its owner only."""
    import stat

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    for name in ("fresh.db", "fresh.db-wal"):
        f = tmp_path / name
        if f.exists():
            assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, name


def test_second_worker_on_one_sqlite_file_is_refused(tmp_path) -> None:
    """Two workers on one SQLite file: the second is refused with a message that says why
    and what to use instead; once the first stops, a worker may start again."""
    from service.store.db import single_worker

    url = f"sqlite:///{tmp_path / 'one.db'}"
    refused = pytest.raises(StoreError, match=r"already running.*PostgreSQL")
    with single_worker(url), refused, single_worker(url):
        pass  # never reached
    with single_worker(url):
        pass
    with single_worker("postgresql+psycopg://h/db"), single_worker("postgresql+psycopg://h/db"):
        pass  # replicas on a server database coordinate through it


def test_database_errors_reach_callers_as_store_errors(empty_db_url: str) -> None:
    """A query on a database without the schema raises StoreError saying to upgrade (the
    SQLAlchemy error stays chained), never a SQLAlchemy error."""
    from sqlalchemy.exc import SQLAlchemyError

    store = Store(make_engine(empty_db_url))
    with pytest.raises(StoreError, match="onetoone db upgrade") as raised:
        store.pairings()
    assert isinstance(raised.value.__cause__, SQLAlchemyError)


def test_a_refused_write_says_what_to_do(store: Store) -> None:
    """A write the database refuses (a note for a pairing that isn't there) is a StoreError
    that says what to do, with the IntegrityError chained, not the IntegrityError itself."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(StoreError, match="Run the command again") as raised:
        store.add_note(9999, None, "a note", private=False, now=NOW)
    assert isinstance(raised.value.__cause__, IntegrityError)


def test_two_upgrades_at_once_on_an_empty_postgresql_database(empty_db_url) -> None:
    """Several hosts may run `onetoone db upgrade` together (a unit's pre-start step): on
    PostgreSQL the second waits for the first and finds nothing left to do, instead of
    failing half-way on the tables the first was creating."""
    import threading

    if not empty_db_url.startswith("postgresql"):
        pytest.skip("one worker per SQLite file: a server database's case")
    start = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        engine = make_engine(empty_db_url)
        start.wait()
        try:
            results.append(upgrade(engine))
        except Exception as exc:  # collected: the assertion below names it
            results.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted([(None, head_revision()),
                                               (head_revision(), head_revision())], key=str)


def test_a_follow_on_a_returning_pair_planned_before_gets_a_new_transaction_id(
        store: Store) -> None:
    """A pair that came back can plan the very follow-on its ended series had (a new
    starter moved away and back books the same weekly series and the same monthly one after
    it): the follow-on takes the next transactionId rather than being taken for another
    replica's extension (soak seed 21: no follow-on, so no meeting for six weeks)."""
    p = pairing(store)
    first = store.begin_series(series(p.id, "weekly"))
    store.activate_series(first.id, event_id="e1", ical_uid="u1", now=NOW)
    gone = store.begin_follow_on(first.id, series(p.id, "monthly"))
    assert gone is not None
    for ended in (first, gone):
        store.end_series(ended.id, NOW, None)
    back = store.begin_series(series(p.id, "weekly"))
    store.activate_series(back.id, event_id="e2", ical_uid="u2", now=NOW)
    follow = store.begin_follow_on(back.id, series(p.id, "monthly"))
    assert follow is not None and follow.transaction_id not in ("weekly", "monthly")
    assert store.live_series(p.id).id == follow.id
    # Another replica's extension (the old series no longer live) is still not repeated.
    assert store.begin_follow_on(back.id, series(p.id, "monthly")) is None


def test_pairings_state_changes_with_each_pairing_added_or_changing_state(store: Store) -> None:
    """The text a pairs sync's skip and the overlap check's skip are keyed on: the newest
    pairing's id, then how many pairings there are in each state (one statement)."""
    assert store.pairings_state() == "None "
    first = pairing(store)
    assert store.pairings_state() == f"{first.id} active:1"
    second = store.upsert_pairing(key="p-2", manager_id="r", report_id="m", cadence="monthly",
                                  minutes=30, reason="default", source="directory", now=NOW)
    assert store.pairings_state() == f"{second.id} active:2"
    store.end_pairing("p-1", "left", NOW)
    assert store.pairings_state() == f"{second.id} active:1,ended:1"
