"""For the migration tests: a database brought to an older revision, and rows written
straight into it (SQL rather than the models, which describe the newest schema)."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import Connection, Engine, text

from service.store.db import _alembic_config


def migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Run the migrations up (or ``down``) to ``revision`` only, as an older onetoone's
    `db upgrade` left the database (`upgrade` always goes to the newest)."""
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def insert_old_pair(conn: Connection, at: datetime) -> int:
    """People ``m`` (m@x.test) and ``r`` (r@x.test) and an active monthly pairing ``k``
    between them, in columns every schema since 0001 has; the pairing's id."""
    for pid in ("m", "r"):
        conn.execute(text("INSERT INTO people (id, email, name, manages_others, active,"
                          " seen_at) VALUES (:i, :e, :i, false, true, :t)"),
                     {"i": pid, "e": f"{pid}@x.test", "t": at})
    conn.execute(text(
        "INSERT INTO pairings (key, manager_id, report_id, status, cadence, minutes,"
        " cadence_reason, source, note, created_at, updated_at, end_reason) VALUES"
        " ('k', 'm', 'r', 'active', 'monthly', 30, '', 'directory', '', :t, :t, '')"),
        {"t": at})
    return int(conn.execute(text("SELECT id FROM pairings WHERE key = 'k'")).scalar_one())
