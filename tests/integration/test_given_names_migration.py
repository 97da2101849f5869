"""Migration 0027: people get a given name (empty until the next sync), and the directory's
stored copy and users/delta link are dropped together, so that sync reads the directory
whole with givenName in its $select (a link keeps the $select it was made with).
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_migration_0027_adds_given_names_and_reads_the_directory_again(
        empty_db_url: str) -> None:
    """Of a database at 0026: its people keep their rows with no given name yet, and no
    directory copy or delta link is left, so the next read is a whole one."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0026")
    with engine.begin() as conn:
        insert_old_pair(conn, NOW)
        conn.execute(text("INSERT INTO directory_users (id, data) VALUES ('m', '{}'), "
                          "('r', '{}')"))
        conn.execute(text("INSERT INTO directory_sync (source, delta_link) VALUES "
                          "('directory', 'https://graph.microsoft.com/v1.0/users/delta?"
                          "$deltatoken=old')"))
        people = conn.execute(text("SELECT count(*) FROM people")).scalar_one()
    assert upgrade(engine)[0] == "0026"
    store = Store(engine)
    assert store.directory_link("directory") is None
    assert list(store.directory_rows("directory")) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM directory_users")).scalar_one() == 0
        names = conn.execute(text("SELECT given_name FROM people")).scalars().all()
    assert people > 0 and names == [""] * people
