"""Stored states are the words of domain/status.py: the tables declare no others, and rows
read back (and filters given members) work unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from service.domain import status as status_module
from service.domain.records import MailRecord, RebookRecord, Recipient, SeriesRecord
from service.domain.status import (
    LIVE_PAIRINGS,
    LIVE_SERIES,
    AbsenceState,
    ActionStatus,
    AgendaState,
    MissedReason,
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
    RebookStatus,
    SeriesStatus,
    TopicStatus,
)
from service.store import models
from service.store.db import make_engine, upgrade
from service.store.repo import PersonUpdate, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)

# Every column that holds a state, and the enum naming its words.
STATE_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("pairings", "status"): PairingStatus,
    ("series", "status"): SeriesStatus,
    ("occurrences", "status"): OccurrenceStatus,
    ("occurrences", "agenda_state"): AgendaState,
    ("occurrences", "absence_state"): AbsenceState,
    ("rebooks", "status"): RebookStatus,
    ("rebooks", "reason"): MissedReason,
    ("topics", "status"): TopicStatus,
    ("actions", "status"): ActionStatus,
    ("outbox", "status"): OutboxStatus,
}

# "# OccurrenceStatus: scheduled | moved | ..." above a column; a line ending in "|" goes on
# in the next comment line.
_DECLARED = re.compile(r"^\s*# (?P<enum>[A-Z]\w+): (?P<words>.*)$")
_COMMENT = re.compile(r"^\s*# (?P<words>.*)$")


def _declared_in_models() -> dict[str, set[str]]:
    """The words each ``# Enum: a | b`` comment in models.py lists (None and asides dropped)."""
    lines = Path(models.__file__).read_text(encoding="utf-8").splitlines()
    out: dict[str, set[str]] = {}
    for i, line in enumerate(lines):
        found = _DECLARED.match(line)
        if not found or not hasattr(status_module, found["enum"]):
            continue
        words = found["words"]
        for more in lines[i + 1:]:
            if not words.rstrip().endswith("|") or not (cont := _COMMENT.match(more)):
                break
            words += " " + cont["words"]
        words = re.sub(r"\([^)]*\)", "", words)
        out[found["enum"]] = {w.strip() for w in words.split("|")} - {"None", ""}
    return out


def test_every_state_column_is_named_here() -> None:
    """Each status/…_state column of the tables is covered, so a new one can't use loose
    words (and every column named here exists)."""
    columns = {(t.name, c.name) for t in models.Base.metadata.sorted_tables for c in t.columns}
    states = {(t, c) for t, c in columns if c == "status" or c.endswith("_state")}
    assert states <= set(STATE_COLUMNS)
    assert set(STATE_COLUMNS) <= columns


def test_model_defaults_are_members() -> None:
    """A state column's default is a member of its enum (stored as the member's word)."""
    tables = models.Base.metadata.tables
    for (table, column), enum in STATE_COLUMNS.items():
        default = tables[table].c[column].default
        if default is not None:
            assert isinstance(default, ScalarElementColumnDefault), (table, column)
            assert isinstance(default.arg, enum), (table, column, default.arg)


def test_model_comments_list_exactly_the_members() -> None:
    """The word lists in models.py (for people reading the tables by hand) are each enum's
    members, no more and no fewer."""
    declared = _declared_in_models()
    for enum in set(STATE_COLUMNS.values()):
        assert enum.__name__ in declared, f"models.py lists no words for {enum.__name__}"
        assert declared[enum.__name__] == {m.value for m in enum}, enum.__name__


def test_groups_are_members() -> None:
    """The named groups hold members of their enums."""
    assert all(isinstance(s, SeriesStatus) for s in LIVE_SERIES)
    assert all(isinstance(s, PairingStatus) for s in LIVE_PAIRINGS)
    assert all(isinstance(s, OccurrenceStatus) for s in status_module.MISSED)


def _series(pairing_id: int) -> SeriesRecord:
    return SeriesRecord(pairing_id=pairing_id, mailbox="m", transaction_id="t1",
                        cadence="monthly", minutes=30, weekday=1, week_index="second",
                        start_time="10:00", time_zone="Europe/London",
                        first_date=date(2026, 12, 8), range_end=date(2027, 9, 8),
                        created_at=NOW, updated_at=NOW)


def test_records_read_back_equal_members(db_url: str) -> None:
    """States written as members are stored as their words (what old rows, the SQL partial
    index and operators see) and come back equal to the members; members filter queries."""
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True),
                         PersonUpdate("r", "r@x.test", "Rob Report",
                                      datetime(2026, 1, 5, tzinfo=UTC), False)],
                        NOW)
    pairing = store.upsert_pairing(key="p-1", manager_id="m", report_id="r", cadence="monthly",
                                   minutes=30, reason="default", source="directory", now=NOW)
    series = store.begin_series(_series(pairing.id))
    assert series.status == SeriesStatus.CREATING
    store.activate_series(series.id, event_id="e1", ical_uid=None, now=NOW)
    store.upsert_occurrences(series.id, [
        {"event_id": "o1", "original_start": START, "start": START,
         "end": START + timedelta(minutes=30), "status": OccurrenceStatus.DECLINED}], NOW)
    (occ,) = store.occurrences(series.id)
    store.update_occurrence(occ.id, NOW, absence_state=AbsenceState.NO_SLOT)
    store.add_topic(pairing.id, "Plans", "report", NOW.date(), NOW)
    store.add_action(pairing_id=pairing.id, occurrence_id=occ.id, owner="Rob", text="Send it",
                     due=None, raised_on=NOW.date(), fingerprint="f1", now=NOW)
    store.withdraw_actions([a.id for a in store.actions(pairing.id)], NOW)
    mail = MailRecord(key=f"{occ.id}:rebook", kind="rebook", pairing_id=pairing.id,
                      occurrence_id=occ.id, mailbox="m", to=(Recipient("Mia", "m@x.test"),),
                      subject="Rebook", body_html="<p>times</p>", tag="tag-1", created_at=NOW)
    assert store.add_rebook(RebookRecord(
        pairing_id=pairing.id, missed_occurrence_id=occ.id, reason=MissedReason.DECLINED,
        slots="[]", token="0123456789abcdef", offered_at=NOW, updated_at=NOW), mail)
    (queued,) = store.outbox([OutboxStatus.PENDING])
    assert store.claim_mail(queued.id, NOW)

    (view,) = store.views([PairingStatus.ACTIVE])
    assert view.pairing.status == PairingStatus.ACTIVE
    assert view.series is not None and view.series.status == SeriesStatus.ACTIVE
    (occ,) = store.occurrences(series.id)
    assert (occ.status, occ.agenda_state, occ.absence_state) == (
        OccurrenceStatus.DECLINED, AgendaState.PENDING, AbsenceState.NO_SLOT)
    assert [t.status for t in store.open_topics(pairing.id)] == [TopicStatus.OPEN]
    assert [a.status for a in store.actions(pairing.id)] == [ActionStatus.WITHDRAWN]
    (rebook,) = store.rebooks([RebookStatus.OFFERED])
    assert (rebook.reason, rebook.status) == (MissedReason.DECLINED, RebookStatus.OFFERED)
    assert [m.status for m in store.outbox([OutboxStatus.SENDING])] == [OutboxStatus.SENDING]

    with engine.connect() as conn:
        stored = {(t, c): conn.execute(text(f"SELECT {c} FROM {t}")).scalars().all()
                  for t, c in STATE_COLUMNS}
    assert stored == {
        ("pairings", "status"): ["active"],
        ("series", "status"): ["active"],
        ("occurrences", "status"): ["declined"],
        ("occurrences", "agenda_state"): ["pending"],
        ("occurrences", "absence_state"): ["no_slot"],
        ("rebooks", "status"): ["offered"],
        ("rebooks", "reason"): ["declined"],
        ("topics", "status"): ["open"],
        ("actions", "status"): ["withdrawn"],
        ("outbox", "status"): ["sending"],
    }
