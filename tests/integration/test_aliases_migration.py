"""Migration 0034: people get their other addresses (none until the next sync), and the
directory's stored copy and users/delta link are dropped together, so that sync reads the
directory whole with proxyAddresses in its $select (a link keeps the $select it was made
with). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


def test_migration_0034_adds_aliases_and_reads_the_directory_again(empty_db_url: str) -> None:
    """Of a database before 0034: its people keep their rows with no aliases yet, and no
    directory copy or delta link is left, so the next read is a whole one."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0031")
    with engine.begin() as conn:
        insert_old_pair(conn, NOW)
        conn.execute(text("INSERT INTO directory_users (id, data) VALUES ('m', '{}')"))
        conn.execute(text("INSERT INTO directory_sync (source, delta_link) VALUES "
                          "('users', 'https://graph.microsoft.com/v1.0/users/delta?"
                          "$deltatoken=old')"))
    upgrade(engine)
    store = Store(engine)
    assert store.directory_link("users") is None
    assert list(store.directory_rows("users")) == []
    people = store.people(["m", "r"])
    assert people and all(p.aliases == () and p.addresses == (p.email,)
                          for p in people.values())
