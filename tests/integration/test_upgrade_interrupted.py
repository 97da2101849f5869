"""An upgrade killed half-way leaves the database as it was, so the next run redoes it; and
two processes opening one SQLite file at once (a worker starting while `onetoone status`
runs) do not both migrate it."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from alembic import op
from sqlalchemy.exc import OperationalError

from service.store.db import current_revision, head_revision, make_engine, upgrade
from tests.support.old_rows import migrate_to


def test_an_upgrade_interrupted_half_way_is_redone_by_the_next_run(empty_db_url,
                                                                   monkeypatch) -> None:
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0012")

    def killed(*_a, **_k):  # the process dies after 0013's ADD COLUMNs
        raise KeyboardInterrupt

    monkeypatch.setattr(op, "create_index", killed, raising=False)
    with pytest.raises(KeyboardInterrupt):
        upgrade(engine)
    monkeypatch.undo()
    assert current_revision(engine) == "0012"
    assert upgrade(engine) == ("0012", head_revision())  # was: duplicate column name


def test_two_upgrades_at_once_on_a_sqlite_file(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    start = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        engine = make_engine(url)
        start.wait()
        try:
            results.append(upgrade(engine))
        except Exception as exc:
            results.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == sorted([(None, head_revision()),
                                               (head_revision(), head_revision())], key=str)


def test_a_new_file_being_turned_to_wal_by_another_opener_is_waited_for(
        tmp_path, monkeypatch) -> None:
    """Turning a new SQLite file to WAL takes an exclusive lock SQLite does not wait for:
    the second of two processes opening a new file at once (two `db upgrade`s) failed with
    "database is locked" (about one start in a hundred on a busy machine). It now waits,
    as for any other lock, and finds the file in WAL mode."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the other opener, mid-way through its first write
    waited: list[float] = []

    def wait(seconds: float) -> None:  # the other opener finishes while this one waits
        if not waited:
            other.execute("COMMIT")
        waited.append(seconds)

    monkeypatch.setattr(time, "sleep", wait)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    except OperationalError as exc:
        pytest.fail(f"the other opener's lock was not waited for: {exc}")
    assert waited, "the lock was never waited for"
    engine.dispose()
    other.close()
