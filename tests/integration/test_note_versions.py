"""An audit trail instead of silent replacement (issue 13): every reading of a meeting's
notes and actions that differs from the one before is kept with its time; the notes table
keeps the latest (agendas and mail use it); evidence shows each version; forget and
retention erase them all. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from service.cli import cli
from service.domain.notes import NewAction
from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.text import clean_text
from service.insight.evidence import ReadBack
from service.store.db import make_engine, upgrade
from service.store.insight import InsightReader
from service.store.models import NoteRow, NoteVersionRow, OccurrenceRow
from service.store.repo import Store
from tests.integration.test_capture_edits import LAST_READ, edit, next_read, weekly
from tests.integration.test_fuzz_text import hostile
from tests.integration.test_mail import Scenario
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2027, 6, 1, 9, tzinfo=UTC)
FIRST = "Confidential-ish but shared: went well"  # what Scenario.type_notes types
EDITED = "Confidential-ish but shared: went very well"
ROB = "rob@contoso.example"


def versions(store: Store, pairing_id: int, *, private: bool = True) -> list[ReadBack]:
    return [n for n in InsightReader(store.engine).pair_notes(pairing_id,
                                                              include_private=private)
            if isinstance(n, ReadBack)]


def version_rows(store: Store) -> list[NoteVersionRow]:
    with store.session() as s:
        return list(s.scalars(select(NoteVersionRow).order_by(NoteVersionRow.id)))


def evidence(db: str, tmp_path: Path, name: str, *extra: str) -> str:
    """`onetoone evidence` for Rob over the scenario's month, as the admin runs it."""
    path = tmp_path / name
    env = {"ONETOONE_DATABASE_URL": db, "ONETOONE_CONFIG": ""}
    result = CliRunner().invoke(cli, ["evidence", ROB, "--from", "2026-11-01", "--to",
                                      "2027-01-01", "--now", "2026-12-31T09:00:00Z",
                                      "--out", str(path), "--force", *extra],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path.read_text()


@pytest.fixture
def edited(db_url: str, settings_for) -> Scenario:
    """Rob's first 1-2-1: Mia types notes and an action, they are read an hour after the
    meeting; she then improves a line, and the next day's read finds it."""
    scenario = weekly(settings_for, db_url)  # its day-after read comes before the last
    scenario.type_notes()
    scenario.after_meeting()
    edit(scenario, "shared: went well", "shared: went very well")
    scenario.after_meeting(hours=next_read(scenario))
    return scenario


def test_an_edited_note_keeps_both_versions_with_their_times(edited: Scenario) -> None:
    """Both readings are kept, each with the time it was read; the current notes (what the
    next agenda and any later capture use) are the edited ones; the summary kept the first."""
    end = edited.occ.end
    got = versions(edited.store, edited.rob.pairing.id)
    assert [(v.number, v.read_at, v.notes) for v in got] == [
        (1, end + timedelta(hours=1), (FIRST,)),
        (2, end + timedelta(hours=next_read(edited)), (EDITED,))]
    for v in got:  # the actions agreed, as read each time
        assert [(a.owner, a.text, a.due, a.done) for a in v.actions] == [
            ("Rob Report", "send the plan", date(2026, 12, 20), False)]
        assert not v.erased and not v.private
    assert [n.text for n in edited.store.notes(edited.occ.id)] == [EDITED]
    (summary,) = edited.summaries()
    assert "went well" in summary["body"]["content"]
    assert "very well" not in summary["body"]["content"]


def test_reading_the_same_notes_again_adds_no_version(edited: Scenario) -> None:
    """Later reads of unchanged text (the last read of the window), and a re-run after a
    worker was killed between storing the notes and marking the meeting read, add nothing:
    no version, no second copy of the notes."""
    scenario = edited
    before = [(v.number, v.read_at) for v in versions(scenario.store, scenario.rob.pairing.id)]
    # Killed after replace_outlook_notes, before the meeting was marked read: the next run
    # reads and stores the same reading again.
    scenario.store.update_occurrence(scenario.occ.id, scenario.occ.end, captured_at=None,
                                     captured_fingerprint=None)
    scenario.after_meeting(hours=next_read(scenario) + 1)
    reread = scenario.store.occurrence(scenario.occ.id)
    assert reread is not None and reread.captured_at == scenario.occ.end + timedelta(
        hours=next_read(scenario) + 1)
    scenario.after_meeting(hours=LAST_READ + 1)  # the window's last read: unchanged
    after = [(v.number, v.read_at) for v in versions(scenario.store, scenario.rob.pairing.id)]
    assert after == before and len(after) == 2
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == [EDITED]


@dataclass
class Meeting:
    store: Store
    pairing_id: int
    occurrences: list[int]


def meeting(db_url: str, starts: list[datetime]) -> Meeting:
    """A pair with one occurrence per start (no Graph involved)."""
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("r", "r@x.test", "Rob", None, False)], NOW)
    p = store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="monthly",
                             minutes=30, reason="", source="directory", now=NOW)
    series = store.begin_series(SeriesRecord(
        pairing_id=p.id, mailbox="m", transaction_id="t", cadence="monthly", minutes=30,
        weekday=1, start_time="10:00", time_zone="Europe/London",
        first_date=date(2027, 1, 1), range_end=date(2027, 12, 1), created_at=NOW,
        updated_at=NOW))
    ids = []
    with store.session() as s, s.begin():
        for n, start in enumerate(starts):
            occ = OccurrenceRow(series_id=series.id, event_id=f"e{n}", original_start=start,
                                start=start, end=start + timedelta(minutes=30),
                                status="held", updated_at=NOW)
            s.add(occ)
            s.flush()
            ids.append(occ.id)
    return Meeting(store, p.id, ids)


def act(text: str, *, due: date | None = None, done: bool = False) -> NewAction:
    return NewAction(owner="Rob", text=text, due=due, line=f"Rob: {text}", done=done)


def test_only_a_changed_reading_is_a_version(db_url: str) -> None:
    """Spacing aside, the same notes and actions add nothing; a word, a due date, a tick,
    or going back to an earlier wording each add one. A first reading with nothing typed is
    no version; deleting everything after one is."""
    m = meeting(db_url, [NOW - timedelta(days=1)])
    store, pid, occ = m.store, m.pairing_id, m.occurrences[0]

    def read(notes: list[str], actions: list[NewAction], hours: int) -> bool:
        return store.replace_outlook_notes(pid, occ, notes, NOW + timedelta(hours=hours),
                                           actions=actions)

    assert not read([], [], 0)
    assert read(["Went well"], [act("plan")], 1)
    assert not read(["Went well"], [act("plan")], 2)
    assert not read(["Went  well "], [act(" plan")], 3)
    assert read(["Went well"], [act("plan", due=date(2027, 6, 9))], 4)
    assert read(["Went well"], [act("plan", due=date(2027, 6, 9), done=True)], 5)
    assert read(["Went badly"], [act("plan", due=date(2027, 6, 9), done=True)], 6)
    assert read(["Went well"], [act("plan", due=date(2027, 6, 9), done=True)], 7)
    assert read([], [], 8)
    got = versions(store, pid)
    assert [v.number for v in got] == list(range(1, 7))
    assert [v.read_at.hour for v in got] == [10, 13, 14, 15, 16, 17]
    assert got[-1].notes == () and got[-1].actions == () and not got[-1].erased
    assert store.notes(occ) == []  # the current notes: the last reading


def test_hostile_text_round_trips_and_renders_escaped(db_url: str, tmp_path: Path) -> None:
    """Any code point the edge lets through, markup, and our own marker words ("[erased]")
    are kept exactly in a version and shown as text in the evidence, never as erased."""
    from service.domain.insight import Period
    from service.insight.evidence import PairInput, build, render_html

    rng = random.Random(13)
    texts = [clean_text(hostile(rng))[0] for _ in range(200)]
    texts += ["[erased]", '<script>alert("x")</script>', "[]", '{"a": 1}']
    m = meeting(db_url, [datetime(2026, 12, 8, 10, tzinfo=UTC)])
    store, pid, occ = m.store, m.pairing_id, m.occurrences[0]
    assert store.replace_outlook_notes(pid, occ, texts, NOW,
                                       actions=[act("[erased]"), act("<b>x</b>")])
    (v,) = versions(store, pid)
    assert list(v.notes) == texts and not v.erased
    assert [a.text for a in v.actions] == ["[erased]", "<b>x</b>"]
    view = next(x for x in store.views() if x.pairing.id == pid)
    record = build(("Rob", "r@x.test", "UTC"), [("as report", PairInput(
        view, store.pairing_occurrences(pid), [], [], [v], []))],
        Period(date(2026, 12, 1), date(2027, 1, 1), NOW), include_private=False,
        as_manager=False, generated="now")
    html = render_html(record)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "(erased)" not in html and "<bdi>Rob</bdi>: <bdi>[erased]</bdi>" in html
    assert record.pairs[0].erased == 0


def test_replicas_reading_the_same_edit_keep_one_version(db_url: str) -> None:
    """Several workers storing the same new reading at once (a lease that expired under a
    slow read): one version, one copy of the notes. PostgreSQL only: a SQLite file has one
    worker (`onetoone run` refuses a second)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("one worker per SQLite file")
    m = meeting(db_url, [NOW - timedelta(days=1)])
    assert m.store.replace_outlook_notes(m.pairing_id, m.occurrences[0], ["First"], NOW)
    stores = [Store(make_engine(db_url)) for _ in range(6)]
    start = threading.Barrier(len(stores))
    results: list[Any] = []

    def replica(store: Store) -> None:
        start.wait()
        try:
            results.append(store.replace_outlook_notes(
                m.pairing_id, m.occurrences[0], ["Edited", "Second line"],
                NOW + timedelta(hours=1), actions=[act("plan")]))
        except Exception as exc:  # reported below, with the others' results
            results.append(exc)

    threads = [threading.Thread(target=replica, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(repr, results)) == ["False"] * 5 + ["True"]
    assert [v.notes for v in versions(m.store, m.pairing_id)] == [
        ("First",), ("Edited", "Second line")]
    assert [n.text for n in m.store.notes(m.occurrences[0])] == ["Edited", "Second line"]


def test_evidence_shows_every_version_and_hides_private_ones(edited: Scenario,
                                                             tmp_path: Path) -> None:
    """The record shows the notes as first read, as mailed, and the edit labelled "edited"
    with its time; private notes and every version of them only with --include-private."""
    store, pid, occ = edited.store, edited.rob.pairing.id, edited.occ
    later = occ.end + timedelta(hours=30)
    store.replace_outlook_notes(pid, occ.id, ["Private draft: health"], later, private=True)
    store.replace_outlook_notes(pid, occ.id, ["Private final: health"],
                                later + timedelta(hours=1), private=True)
    store.add_note(pid, occ.id, "CLI private: divorce", private=True, now=later)
    db = edited.settings.database.url
    plain = evidence(db, tmp_path, "rob.html")
    assert "Private notes are NOT included" in plain
    first, edit_at = occ.end + timedelta(hours=1), occ.end + timedelta(hours=next_read(edited))
    assert f"as first read {first:%Y-%m-%d %H:%M}" in plain
    assert f"edited {edit_at:%Y-%m-%d %H:%M}" in plain
    assert plain.index(FIRST) < plain.index(EDITED)
    mailed = plain[plain.index("Mailed (summary"):]
    assert "went well" in mailed and "very well" not in mailed  # as mailed: the first
    # Actions as read (the owner and the text each set apart from our words: <bdi>).
    assert "<bdi>Rob Report</bdi>: <bdi>send the plan</bdi> (due 2026-12-20)" in plain
    for secret in ("Private draft", "Private final", "divorce"):
        assert secret not in plain
    full = evidence(db, tmp_path, "rob-all.html", "--include-private")
    assert "Private notes ARE included" in full
    assert "Private draft" in full and "Private final" in full and "divorce" in full
    assert full.count("Notes (private) ") == 3  # two private versions and the CLI note


def test_forget_erases_every_version_and_leaves_no_text(edited: Scenario,
                                                        tmp_path: Path) -> None:
    """After `forget`, evidence has none of the notes, and no version keeps a word (nor a
    fingerprint of them) in the database: rows, and on SQLite the file and its log."""
    store, pid, occ = edited.store, edited.rob.pairing.id, edited.occ
    store.replace_outlook_notes(pid, occ.id, ["Zanzibar-7731 private"], occ.end
                                + timedelta(hours=30), private=True)
    assert len(version_rows(store)) == 3
    erased = store.forget_person(edited.rob.report.id, occ.end + timedelta(days=2))
    assert erased["notes"] == 2 + 3  # current notes (shared, private) and three versions
    for row in version_rows(store):
        assert (row.notes, row.actions, row.fingerprint) == ("[erased]",) * 3
    assert all(v.erased and not v.notes and not v.actions for v in versions(store, pid))
    with store.session() as s:
        leftovers = [t for t in s.scalars(select(NoteRow.text)) if t != "[erased]"]
    assert leftovers == []
    db = edited.settings.database.url
    for extra in ((), ("--include-private",)):
        record = evidence(db, tmp_path, "after.html", *extra)
        for words in ("went well", "very well", "send the plan", "Zanzibar"):
            assert words not in record
        assert "(erased)" in record
    if db.startswith("sqlite"):
        from service.store.db import sqlite_path

        path = sqlite_path(db)
        assert path is not None
        for f in (path, Path(f"{path}-wal")):
            if f.exists():
                raw = f.read_bytes()
                assert b"Zanzibar-7731" not in raw and b"very well" not in raw, f.name
    assert store.forget_person(edited.rob.report.id, occ.end + timedelta(days=3))[
        "notes"] == 0


def test_retention_erases_exactly_the_versions_of_older_meetings(db_url: str) -> None:
    """Every version of a meeting before the cut-off goes (also one read after it); every
    version of a later meeting stays as it was, word for word and fingerprint."""
    cutoff = datetime(2027, 3, 1, tzinfo=UTC)
    m = meeting(db_url, [cutoff - timedelta(hours=1), cutoff + timedelta(hours=1)])
    store, pid = m.store, m.pairing_id
    for n, occ in enumerate(m.occurrences):
        store.replace_outlook_notes(pid, occ, [f"note {n}"], cutoff - timedelta(minutes=30)
                                    + timedelta(hours=2 * n), actions=[act(f"action {n}")])
        store.replace_outlook_notes(pid, occ, [f"note {n} edited"],
                                    cutoff + timedelta(days=2), actions=[act(f"action {n}")])
        store.replace_outlook_notes(pid, occ, [f"private {n}"], cutoff + timedelta(days=2),
                                    private=True)
    before = {r.id: (r.occurrence_id, r.notes, r.actions, r.fingerprint)
              for r in version_rows(store)}
    assert len(before) == 6
    erased = store.erase_older_than(cutoff, NOW)
    assert erased["notes"] == 2 + 3  # the old meeting's notes (shared, private), 3 versions
    old = m.occurrences[0]
    for row in version_rows(store):
        occ, *words = before[row.id]
        assert [row.notes, row.actions, row.fingerprint] == (
            ["[erased]"] * 3 if occ == old else words)
    assert store.erase_older_than(cutoff, NOW)["notes"] == 0  # idempotent
    kept = versions(store, pid)
    assert sorted(v.notes for v in kept if v.occurrence_id != old) == [
        ("note 1",), ("note 1 edited",), ("private 1",)]


def test_migration_keeps_each_stored_reading_as_the_first_version(empty_db_url: str) -> None:
    """Upgrading to 0009: each meeting's stored reading (its notes, and the actions read from
    its notes, not CLI or withdrawn ones) becomes version 1, an erased one stays erased, and
    the same reading read again after the upgrade adds nothing."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0008")
    read = datetime(2026, 12, 8, 11, tzinfo=UTC)
    with engine.begin() as conn:
        pid = insert_old_pair(conn, NOW)
        conn.execute(text(
            "INSERT INTO series (pairing_id, mailbox, transaction_id, status, cadence, minutes,"
            " weekday, start_time, time_zone, first_date, range_end, online, slot_note,"
            " created_at, updated_at) VALUES (:p, 'm', 't', 'active', 'monthly', 30, 1,"
            " '10:00', 'UTC', '2026-12-01', '2027-06-01', false, '', :t, :t)"),
            {"p": pid, "t": NOW})
        sid = conn.execute(text("SELECT id FROM series")).scalar_one()
        occs = []
        for n in range(2):
            conn.execute(text(
                "INSERT INTO occurrences (series_id, event_id, original_start, start, \"end\","
                " status, updated_at, meeting_number, agenda_state, agenda_updates,"
                " agenda_topics, covers_development) VALUES (:s, :e, :t, :t, :t, 'held', :t,"
                " 1, 'injected', 1, '', false)"),
                {"s": sid, "e": f"e{n}", "t": read - timedelta(days=7 * n)})
            occs.append(conn.execute(text("SELECT max(id) FROM occurrences")).scalar_one())
        note = text("INSERT INTO notes (pairing_id, occurrence_id, text, private, source,"
                    " created_at) VALUES (:p, :o, :x, :v, :s, :t)")
        for o, words, private, source in ((occs[0], "Went well", False, "outlook"),
                                          (occs[0], "Second para", False, "outlook"),
                                          (occs[0], "By CLI", False, "cli"),
                                          (occs[1], "[erased]", False, "outlook")):
            conn.execute(note, {"p": pid, "o": o, "x": words, "v": private, "s": source,
                                "t": read})
        action = text(
            "INSERT INTO actions (pairing_id, owner, text, due, status, carried, raised_on,"
            " raised_occurrence_id, closed_occurrence_id, fingerprint, created_at) VALUES"
            " (:p, 'Rob', :x, :d, :st, 0, '2026-12-08', :o, :c, :f, :t)")
        for words, status, closed, fp in (("send the plan", "done", occs[0], "f1"),
                                          ("old wording", "withdrawn", None, "f2"),
                                          ("from the CLI", "open", None, "cli:f3")):
            conn.execute(action, {"p": pid, "x": words, "d": date(2026, 12, 20), "st": status,
                                  "o": occs[0], "c": closed, "f": fp,
                                  "t": read - timedelta(minutes=30)})
    migrate_to(engine, "head")  # later revisions too: the store's models are at head
    store = Store(engine)
    got = {v.occurrence_id: v for v in versions(store, pid)}
    first = got[occs[0]]
    assert (first.number, first.read_at, first.notes) == (1, read, ("Went well",
                                                                     "Second para"))
    assert [(a.owner, a.text, a.due, a.done) for a in first.actions] == [
        ("Rob", "send the plan", date(2026, 12, 20), True)]
    assert got[occs[1]].erased
    assert not store.replace_outlook_notes(
        pid, occs[0], ["Went well", "Second para"], read + timedelta(days=1),
        actions=[act("send the plan", due=date(2026, 12, 20), done=True)])
    migrate_to(engine, "0008", down=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar_one() == 4
