"""The bulk reads and writes a busy tick uses instead of one statement (or commit) per
meeting: they return what the per-pair reads return, and write all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from service.domain.records import SeriesRecord
from service.domain.status import AgendaState, OccurrenceStatus
from service.jobs.agenda import pair_reads, pair_reads_of, question_bank
from service.store.db import make_engine, upgrade
from service.store.repo import PersonUpdate, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _store(db_url: str) -> tuple[Store, list[tuple[int, int]]]:
    """Three pairs, each with a series of two meetings; (pairing id, series id) each."""
    store = Store(make_engine(db_url))
    upgrade(store.engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True)]
                        + [PersonUpdate(f"r{i}", f"r{i}@x.test", f"Rob {i}", None, False)
                           for i in range(3)], NOW)
    out = []
    for i in range(3):
        pairing = store.upsert_pairing(key=f"p-{i}", manager_id="m", report_id=f"r{i}",
                                       cadence="monthly", minutes=30, reason="default",
                                       source="directory", now=NOW)
        series = store.begin_series(SeriesRecord(
            pairing_id=pairing.id, mailbox="m", transaction_id=f"t{i}", cadence="monthly",
            minutes=30, weekday=1, week_index="second", start_time="10:00",
            time_zone="Europe/London", first_date=date(2026, 12, 8),
            range_end=date(2027, 9, 8), created_at=NOW, updated_at=NOW))
        store.activate_series(series.id, event_id=f"e{i}", ical_uid=None, now=NOW)
        out.append((pairing.id, series.id))
    return store, out


def _items(n: int, tag: str) -> list[dict[str, object]]:
    return [{"event_id": f"{tag}-{k}", "original_start": START + timedelta(days=28 * k),
             "start": START + timedelta(days=28 * k),
             "end": START + timedelta(days=28 * k, minutes=30),
             "status": OccurrenceStatus.SCHEDULED if k else OccurrenceStatus.CANCELLED}
            for k in range(n)]


def test_bulk_upsert_stores_and_numbers_like_one_at_a_time(db_url: str) -> None:
    store, pairs = _store(db_url)
    store.upsert_occurrences_of([(sid, _items(3, str(sid)), pid) for pid, sid in pairs], NOW)
    # Again, with a change: updated in place, not added twice.
    moved = _items(3, "x")
    moved[1]["start"] = START + timedelta(days=30)
    store.upsert_occurrences_of([(pairs[0][1], moved, pairs[0][0])], NOW)
    first = store.occurrences(pairs[0][1])
    assert [o.event_id for o in first] == ["x-0", "x-1", "x-2"]
    assert first[1].start == START + timedelta(days=30)
    assert [o.meeting_number for o in first[1:]] == [1, 2]  # the cancelled one not counted
    for _pid, sid in pairs[1:]:
        assert [o.event_id for o in store.occurrences(sid)] == [f"{sid}-{k}" for k in range(3)]


def test_bulk_upsert_is_all_or_nothing(db_url: str) -> None:
    """A failure anywhere in the batch stores none of it: the sync lists them all again."""
    store, pairs = _store(db_url)
    bad = _items(1, "bad")
    bad[0]["no_such_column"] = 1
    with pytest.raises(TypeError):
        store.upsert_occurrences_of([(pairs[0][1], _items(2, "a"), pairs[0][0]),
                                     (pairs[1][1], bad, pairs[1][0])], NOW)
    assert store.occurrences_of([sid for _pid, sid in pairs]) == {
        sid: [] for _pid, sid in pairs}


def test_pair_reads_in_bulk_equal_the_per_pair_reads(db_url: str) -> None:
    store, pairs = _store(db_url)
    for pid, sid in pairs:
        store.upsert_occurrences(sid, _items(2, str(sid)), NOW, number=pid)
    (occ, _later) = store.occurrences(pairs[0][1])
    store.add_topic(pairs[0][0], "Plans", "report", NOW.date(), NOW)
    done = store.add_topic(pairs[0][0], "Old", "report", NOW.date(), NOW)
    assert done is not None
    store.topics_discussed([done], occ.id, pairs[0][0])
    store.add_topic(pairs[2][0], "Other pair", "manager", NOW.date(), NOW)
    store.add_action(pairing_id=pairs[1][0], occurrence_id=occ.id, owner="Rob",
                     text="Send it", due=None, raised_on=NOW.date(), fingerprint="f1", now=NOW)
    ids = [pid for pid, _sid in pairs] + [999_999]  # an unknown pair reads as empty
    bulk = pair_reads_of(store, ids)
    assert bulk == {pid: pair_reads(store, pid) for pid in ids}
    assert [t.text for t in bulk[pairs[0][0]].open_topics] == ["Plans"]
    assert len(bulk[pairs[1][0]].open_actions) == 1 and not bulk[999_999].meetings


def test_record_agenda_is_one_transaction(db_url: str) -> None:
    """Carry counts, the question use and the meeting's columns land together or not at all
    (a rerun after a failure must not count a carry twice)."""
    store, pairs = _store(db_url)
    pid, sid = pairs[0]
    store.upsert_occurrences(sid, _items(2, "a"), NOW, number=pid)
    occ = store.occurrences(sid)[1]
    topic = store.add_topic(pid, "Plans", "report", NOW.date(), NOW)
    assert topic is not None
    with pytest.raises(AttributeError):
        store.record_agenda(occ.id, NOW, {"no_such_column": 1}, carried=([], [topic]),
                            question=(pid, "q1"))
    assert store.open_topics(pid)[0].carried == 0 and store.used_questions(pid) == []
    store.record_agenda(occ.id, NOW, {"agenda_state": AgendaState.INJECTED,
                                      "agenda_topics": (topic,)},
                        carried=([], [topic]), question=(pid, "q1"))
    store.record_agenda(occ.id, NOW, {"agenda_updates": 2}, question=(pid, "q2"))
    assert store.open_topics(pid)[0].carried == 1
    assert store.used_questions(pid) == ["q1"]  # one question per meeting, the first kept
    stored = store.occurrence(occ.id)
    assert stored is not None and stored.agenda_state == AgendaState.INJECTED
    assert stored.agenda_topics == (topic,) and stored.agenda_updates == 2


def test_question_bank_parsed_once_and_again_when_edited(tmp_path: Path) -> None:
    bank = tmp_path / "questions.toml"
    entry = ('[[question]]\nid = "{id}"\ntext = "What went well?"\n'
             'theme = "check-in"\n')
    bank.write_text(entry.format(id="one"), encoding="utf-8")
    first = question_bank(tmp_path)
    assert [q.id for q in first] == ["one"]
    first.clear()  # a caller's list is its own: the cached bank is untouched
    assert [q.id for q in question_bank(tmp_path)] == ["one"]
    bank.write_text(entry.format(id="one") + "\n" + entry.format(id="two"), encoding="utf-8")
    assert [q.id for q in question_bank(tmp_path)] == ["one", "two"]
