"""The store's per-manager operations the schedule job uses (one statement and one commit for
many pairings) behave as their one-pairing forms do, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.status import SeriesStatus
from service.store.db import make_engine, upgrade
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def store(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    s = Store(engine)
    s.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True)]
                    + [PersonUpdate(f"r{n}", f"r{n}@x.test", f"Report {n}",
                                    datetime(2026, 1, 5, tzinfo=UTC),
                                    False) for n in range(3)], NOW)
    return s


def pairings(store: Store) -> list[int]:
    return [store.upsert_pairing(key=f"p-{n}", manager_id="m", report_id=f"r{n}",
                                 cadence="monthly", minutes=30, reason="default",
                                 source="directory", now=NOW).id for n in range(3)]


def intent(pairing_id: int, txn: str) -> SeriesRecord:
    return SeriesRecord(pairing_id=pairing_id, mailbox="m", transaction_id=txn,
                        status=SeriesStatus.CREATING, cadence="monthly", minutes=30, weekday=1,
                        week_index="second", start_time="10:00", time_zone="Europe/London",
                        first_date=date(2026, 12, 8), range_end=date(2027, 9, 8), online=False,
                        slot_note="", created_at=NOW, updated_at=NOW)


def test_claim_many_takes_only_what_no_other_live_worker_holds(store: Store) -> None:
    a, b, c = pairings(store)
    assert store.claim(b, "other-host:1", NOW, LEASE)
    assert store.claim_many([a, b, c], "me", NOW, LEASE) == {a, c}
    assert store.claim_many([a, c], "me", NOW, LEASE) == {a, c}  # ours: renewed
    assert not store.claim(a, "other-host:1", NOW, LEASE)
    store.release_many([a, b, c], "me")  # b is not ours: left alone
    assert store.claim(a, "other-host:1", NOW, LEASE)
    assert not store.claim(b, "me", NOW, LEASE)
    later = NOW + LEASE + timedelta(seconds=1)  # the other worker's lease ran out
    assert store.claim_many([b, c], "me", later, LEASE) == {b, c}


def test_begin_series_many_records_every_intent_and_keeps_one_live_series(
        store: Store) -> None:
    a, b, c = pairings(store)
    made = store.begin_series_many([intent(a, "ta"), intent(b, "tb")])
    assert [(s.pairing_id, s.transaction_id) for s in made] == [(a, "ta"), (b, "tb")]
    assert all(s.id and s.status == SeriesStatus.CREATING for s in made)
    # b already has a live series (another worker): it is returned, c is still recorded.
    again = store.begin_series_many([intent(b, "tb2"), intent(c, "tc")])
    assert again[0] == made[1] and again[1].pairing_id == c and again[1].id
    assert store.live_series_of([a, b, c]) == {a: made[0], b: made[1], c: again[1]}
    assert store.begin_series_many([]) == []


def test_activate_series_many_marks_each_created(store: Store) -> None:
    a, b, c = pairings(store)
    made = store.begin_series_many([intent(a, "ta"), intent(b, "tb")])
    later = NOW + timedelta(minutes=1)
    store.activate_series_many([(made[0].id, "evt-a", "uid-a"), (made[1].id, "evt-b", None)],
                               later)
    live = store.live_series_of([a, b])
    assert live[a] == replace(made[0], event_id="evt-a", ical_uid="uid-a",
                              status=SeriesStatus.ACTIVE, updated_at=later, checked_at=later)
    assert (live[b].event_id, live[b].ical_uid, live[b].status) == (
        "evt-b", None, SeriesStatus.ACTIVE)
    assert store.pairings_with_series([a, b, c]) == {a, b}
