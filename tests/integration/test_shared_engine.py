"""One engine per database for the process's later opens (the worker and every job open the
store each run; the compiled-statement cache lives in the engine), but never one whose SQLite
file was deleted or replaced since: its connections would go on writing to the old file."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
from pathlib import Path

from sqlalchemy import text

from service.app import open_store
from service.store import db
from service.store.db import shared_engine
from tests.conftest import make_settings


def test_the_same_database_gets_the_same_engine(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url)
    first, second = open_store(settings), open_store(settings)
    assert first.engine is second.engine
    with first.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_a_deleted_or_replaced_sqlite_file_gets_a_new_engine(tmp_path: Path) -> None:
    path = tmp_path / "kept.db"
    settings = make_settings(tmp_path, f"sqlite:///{path}")
    kept = open_store(settings).engine
    with kept.begin() as conn:
        conn.execute(text("CREATE TABLE mark (v TEXT)"))
        conn.execute(text("INSERT INTO mark VALUES ('old file')"))
    # Deleted (its -wal and -shm too): a new, empty, upgraded file, not the old inode.
    for leftover in tmp_path.glob("kept.db*"):
        leftover.unlink()
    fresh = open_store(settings).engine
    assert fresh is not kept and path.exists()
    with fresh.connect() as conn:
        assert conn.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'mark'")) == 0
    # Replaced by another file moved into place (a backup restored, the old file's -wal and
    # -shm removed with it): that file is what is read.
    other = tmp_path / "backup" / "kept.db"
    other.parent.mkdir()
    backup = open_store(make_settings(tmp_path, f"sqlite:///{other}")).engine
    with backup.begin() as conn:
        conn.execute(text("CREATE TABLE mark (v TEXT)"))
        conn.execute(text("INSERT INTO mark VALUES ('restored')"))
    backup.dispose()  # (the last connection closed: the backup's log is in the file)
    for leftover in tmp_path.glob("kept.db-*"):
        leftover.unlink()
    os.replace(other, path)
    restored = open_store(settings).engine
    assert restored is not fresh
    with restored.connect() as conn:
        assert conn.scalar(text("SELECT v FROM mark")) == "restored"


def test_in_memory_databases_are_never_shared() -> None:
    assert shared_engine("sqlite://") is not shared_engine("sqlite://")


def test_only_a_few_engines_are_kept(tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in range(db._KEPT_ENGINES + 2)]
    engines = [shared_engine(u) for u in urls]
    assert len(db._engines) <= db._KEPT_ENGINES
    assert shared_engine(urls[-1]) is engines[-1]
    assert shared_engine(urls[0]) is not engines[0]  # (the oldest was let go)


def _child(url: str, out: multiprocessing.connection.Connection) -> None:
    out.send((len(db._engines), shared_engine(url) is not None))


def test_a_forked_child_does_not_use_the_parents_engines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fork.db'}"
    shared_engine(url)
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(url, child))
    process.start()
    kept_in_child, opened = parent.recv()
    process.join()
    assert process.exitcode == 0 and kept_in_child == 0 and opened
    assert url in db._engines
