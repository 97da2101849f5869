"""`forget` leaves nothing of an action that could confirm a guess at it: its fingerprint is
a hash of owner, words and due date, so it goes with them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from service.domain.notes import action_fingerprint
from service.domain.records import PersonUpdate
from service.store.db import make_engine, upgrade
from service.store.models import ActionRow
from service.store.repo import Store

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WORDS = ("see occupational health about his back", "book the counselling sessions")


def mia_and_rob(engine: Any) -> tuple[Store, Any]:
    """A store upgraded on ``engine`` with Mia managing Rob; and their pairing."""
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("r", "r@x.test", "Rob", None, False)], T0)
    return store, store.upsert_pairing(key="p", manager_id="m", report_id="r",
                                       cadence="monthly", minutes=30, reason="",
                                       source="directory", now=T0)


def test_forget_leaves_no_hash_of_an_action(db_url: str) -> None:
    engine = make_engine(db_url)
    store, p = mia_and_rob(engine)
    due = date(2026, 2, 1)
    for words in WORDS:
        store.add_action(pairing_id=p.id, occurrence_id=None, owner="Rob", text=words,
                         due=due, raised_on=T0.date(),
                         fingerprint=action_fingerprint("Rob", words, due), now=T0)
    assert store.forget_person("r", T0)["actions"] == 2
    with store.session() as s:
        rows = list(s.scalars(select(ActionRow)))
    guesses = {action_fingerprint("Rob", words, due) for words in WORDS}
    assert [r.text for r in rows] == ["[erased]"] * 2
    assert not guesses & {r.fingerprint for r in rows}
    assert len({r.fingerprint for r in rows}) == 2


def test_forget_rewrites_the_tables_that_held_the_text_on_postgresql(db_url: str) -> None:
    """A plain VACUUM frees old row versions but leaves their bytes in the table's files:
    `forget` rewrites each table that held erased text into new files (VACUUM FULL), so
    the words leave them; the daily retention only vacuums (SQLite overwrites erased text
    in place: secure_delete)."""
    from sqlalchemy import text

    engine = make_engine(db_url)
    if engine.url.get_backend_name() != "postgresql":
        return  # (the SQLite variant: tested by the file's own bytes elsewhere)
    store, p = mia_and_rob(engine)
    store.add_action(pairing_id=p.id, occurrence_id=None, owner="Rob", text=WORDS[0],
                     due=None, raised_on=T0.date(),
                     fingerprint=action_fingerprint("Rob", WORDS[0], None), now=T0)

    def files() -> dict[str, str]:
        with engine.connect() as conn:
            return {t: conn.execute(text("SELECT pg_relation_filepath(:t)"), {"t": t}).scalar()
                    for t in ("actions", "notes", "topics", "outbox")}

    before = files()
    assert store.erase_older_than(datetime(2027, 1, 1, tzinfo=UTC), T0)["actions"] == 1
    assert files() == before  # the daily retention vacuums in place
    store.forget_person("r", T0)
    after = files()
    assert all(after[t] != before[t] for t in before), (before, after)
