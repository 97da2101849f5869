"""Names as long as Entra allows (256 characters) fit wherever the store quotes them: an
action's owner, and a pairing's end and cadence reasons (migration 0015). On PostgreSQL a
longer value used to fail that meeting's read-back, or that pair's schedule, on every run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from service.store.db import current_revision, head_revision, make_engine
from tests.support.old_rows import migrate_to

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
LONG = "Ana " + "María-José " * 22 + "Okonkwo-Smith"  # 259 -> clipped to Entra's 256 below


def test_the_longest_names_fit_and_a_downgrade_clips_them(db_url: str) -> None:
    name = LONG[:256]
    reason = f"{name} moved from {name} to {name} (directory)"
    engine = make_engine(db_url)
    migrate_to(engine, "head")
    assert current_revision(engine) == head_revision()
    with engine.begin() as conn:
        for pid in ("m", "r"):
            conn.execute(text("INSERT INTO people (id, email, name, manages_others, active,"
                              " seen_at) VALUES (:i, :e, :n, false, true, :t)"),
                         {"i": pid, "e": f"{pid}@x.test", "n": name, "t": NOW})
        conn.execute(text(
            "INSERT INTO pairings (key, manager_id, report_id, status, cadence, minutes,"
            " cadence_reason, source, note, created_at, updated_at, end_reason) VALUES"
            " ('k', 'm', 'r', 'ended', 'monthly', 30, :why, 'directory', '', :t, :t, :why)"),
            {"t": NOW, "why": reason})
        pid = conn.execute(text("SELECT id FROM pairings")).scalar_one()
        conn.execute(text(
            "INSERT INTO actions (pairing_id, owner, text, status, carried, raised_on,"
            " fingerprint, created_at) VALUES (:p, :o, 'send the plan', 'open', 0, :d, 'f',"
            " :t)"), {"p": pid, "o": name, "d": NOW.date(), "t": NOW})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT owner FROM actions")).scalar_one() == name
        assert conn.execute(text("SELECT end_reason FROM pairings")).scalar_one() == reason

    # A downgrade finishes, clipping what the old columns cannot hold.
    migrate_to(engine, "0014", down=True)
    with engine.connect() as conn:
        owner = conn.execute(text("SELECT owner FROM actions")).scalar_one()
        why = conn.execute(text("SELECT end_reason FROM pairings")).scalar_one()
    if engine.dialect.name == "postgresql":
        assert (owner, why) == (name[:200], reason[:200])
    engine.dispose()
