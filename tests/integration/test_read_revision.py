"""`read_revision` reads the version table as Alembic's MigrationContext does, on SQLite and
PostgreSQL: no table, an empty table, onetoone's row; and another program's table with
several rows (Alembic branches) reads as one revision onetoone does not know, where Alembic
raised."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import text

from service.errors import StoreError
from service.store.db import (
    check_schema,
    current_revision,
    head_revision,
    known_revision,
    make_engine,
    read_revision,
    upgrade,
)


def _alembic(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_no_table_reads_as_alembic_reads_it(empty_db_url: str) -> None:
    empty = make_engine(empty_db_url)
    assert current_revision(empty) is None is _alembic(empty)


def test_onetoones_row_reads_as_alembic_reads_it(db_url: str) -> None:
    ours = make_engine(db_url)
    assert current_revision(ours) == head_revision() == _alembic(ours)


def test_an_empty_table_and_several_rows(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    assert current_revision(engine) is None is _alembic(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES ('b2c3'), ('a1b2')"))
        said = read_revision(conn)
    assert said == "a1b2 b2c3" and not known_revision(said)
    with pytest.raises(CommandError):  # (Alembic refuses to say)
        _alembic(engine)
    for opening in (check_schema, upgrade):  # refused with our message, nothing written
        with pytest.raises(StoreError, match="a1b2 b2c3"):
            opening(engine)
    assert current_revision(engine) == "a1b2 b2c3"
