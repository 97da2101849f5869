"""Migration 0026: prep mails held back by an earlier version after they were queued (their
meeting called off while they waited) give up their keys, as a hold-back does now, so the
meeting booked in place of the missed one is asked about; every other outbox row keeps its
key. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from service.store.db import make_engine, upgrade
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CALLED_OFF = "not sent: the meeting was cancelled since it was queued"
ROWS = {  # key: (kind, status, last_error)
    "prep:1:20261201T1130": ("prep", "suppressed", CALLED_OFF),
    "prep:1:20261208T1130": ("prep", "suppressed",
                             "not sent: the report declined the meeting since it was queued"),
    # Held back for a long absence (its meeting skipped: no mail, ever): kept.
    "prep:1:20261215T1130": ("prep", "suppressed", "not sent: Rob Report was on a long absence"),
    # Held back until the meeting's own check: released by that check, not here.
    "prep:1:20261222T1130": ("prep", "suppressed",
                             "held back: Mia is away; sent when the meeting's own check finds "
                             "it on"),
    # The pair ended before it went: kept.
    "prep:1:20261229T1130": ("prep", "suppressed",
                             "not sent: the pair ended before the meeting it asks about"),
    "prep:1:20270105T1130": ("prep", "sent", ""),
    "prep:1:20270112T1130": ("prep", "pending", ""),
    "7:reminder": ("reminder", "suppressed", "not sent: both were away for the meeting"),
}


def test_migration_0026_frees_the_keys_of_prep_mails_held_back_since_queued(
        empty_db_url: str) -> None:
    """Of a database at 0025's rows, only the prep mails held back since they were queued
    have their keys renamed held<id>:<key>; the rest are untouched."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0025")
    with engine.begin() as conn:
        pairing = insert_old_pair(conn, NOW)
        for key, (kind, status, error) in ROWS.items():
            conn.execute(text(
                "INSERT INTO outbox (key, kind, pairing_id, mailbox, recipients, cc, subject,"
                " body_html, tag, status, attempts, last_error, created_at) VALUES (:k, :kind,"
                " :p, 'm', '[]', '[]', 's', 'b', :k, :s, 0, :e, :t)"),
                {"k": key, "kind": kind, "p": pairing, "s": status, "e": error, "t": NOW})
        ids = dict(conn.execute(text("SELECT tag, id FROM outbox")).all())
    assert upgrade(engine)[0] == "0025"
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT tag, key FROM outbox")).all())
    freed = {"prep:1:20261201T1130", "prep:1:20261208T1130"}
    assert keys == {key: f"held{ids[key]}:{key}" if key in freed else key for key in ROWS}
