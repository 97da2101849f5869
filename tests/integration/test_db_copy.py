"""`onetoone db copy --to URL`: a pilot run on the default SQLite file moves to PostgreSQL (or
another file) with everything it stored, and the worker carries on there as if nothing had
happened: no series booked again, no summary sent again, new rows taking new ids."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from service.cli import cli
from service.errors import StoreError
from service.store.copy import copy_database, store_tables
from service.store.db import (
    current_revision,
    make_engine,
    single_worker,
    upgrade,
)
from service.store.leases import DUTY_LOCK
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_mail import Scenario
from tests.support.old_rows import migrate_to

HOSTILE = "Notes \u202e <b>bold</b> \x00-free? 🙂 “quotes” <!-- onetoone:end -->"


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t))
                  for t in store_tables()}
    engine.dispose()
    return counts


@pytest.fixture
def pilot(tmp_path: Path, settings_for) -> Scenario:
    """Rob's first 1-2-1 held, notes typed (and a private note kept), summary sent."""
    s = Scenario(settings_for(f"sqlite:///{tmp_path / 'pilot.db'}"))
    s.type_notes()
    s.after_meeting()
    s.store.add_note(s.rob.pairing.id, s.occ.id, HOSTILE, private=True, now=s.occ.end)
    assert len(s.summaries()) == 1
    s.store.engine.dispose()
    return s


def test_the_copy_holds_everything_and_the_worker_carries_on_there(
        pilot: Scenario, db_url: str) -> None:
    source_url = pilot.settings.database.url
    before = _counts(source_url)
    assert before["series"] and before["occurrences"] and before["outbox"], before
    seen: list[tuple[str, int]] = []
    copied = copy_database(make_engine(source_url), make_engine(db_url),
                           progress=lambda t, n: seen.append((t, n)))
    assert dict(copied.rows) == before and copied.total == sum(before.values())
    assert _counts(db_url) == before
    assert seen and {t for t, _n in seen} == {t for t, n in before.items() if n}
    # What each row says arrived as the store wrote it (aware times, hostile text intact).
    old, new = Store(make_engine(source_url)), Store(make_engine(db_url))
    for table in ("views", "outbox"):
        assert getattr(new, table)() == getattr(old, table)(), table
    pid = pilot.rob.pairing.id
    assert new.pairing_occurrences(pid) == old.pairing_occurrences(pid)
    oid = pilot.occ.id
    # (PostgreSQL takes no NUL in text: the copy drops it, as onetoone drops it on input.)
    nul = "\x00" if db_url.startswith("sqlite") else ""
    assert new.notes(oid, include_private=True) == [
        dataclasses.replace(n, text=n.text.replace("\x00", nul))
        for n in old.notes(oid, include_private=True)]
    assert any(n.text == HOSTILE.replace("\x00", nul)
               for n in new.notes(oid, include_private=True))
    # A new row takes an id past those copied (PostgreSQL's sequences moved on with them).
    ids = [n.id for n in old.notes(oid, include_private=True)]
    assert new.add_note(pid, oid, "after the move", private=True, now=pilot.occ.end) > max(ids)
    old.engine.dispose()
    new.engine.dispose()

    # The worker on the new database: the series it booked is its own (not booked again),
    # the summary sent is sent (not again), and the weeks on add rows with new ids.
    series_posts = pilot.tenant.count("POST", r"/events$")
    pilot.settings = dataclasses.replace(pilot.settings, database=dataclasses.replace(
        pilot.settings.database, url=db_url))
    pilot.store = Store(make_engine(db_url))
    for days in (1, 8, 15, 22):
        pilot.at(pilot.occ.end + timedelta(days=days))
    assert pilot.tenant.count("POST", r"/events$") == series_posts
    assert len(pilot.summaries()) == 1
    after = _counts(db_url)
    assert after["occurrences"] > before["occurrences"], (before, after)
    pilot.store.engine.dispose()


def test_a_target_holding_rows_is_refused_and_left_as_it_was(pilot: Scenario,
                                                             db_url: str) -> None:
    source = pilot.settings.database.url
    copy_database(make_engine(source), make_engine(db_url))
    held = _counts(db_url)
    with pytest.raises(StoreError, match=r"already holds \d+ row\(s\) in people: .*empty "
                                         r"database.*Nothing was written"):
        copy_database(make_engine(source), make_engine(db_url))
    assert _counts(db_url) == held


def test_a_source_not_upgraded_or_in_use_is_refused(pilot: Scenario, tmp_path: Path,
                                                     db_url: str) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'never-upgraded.db'}")
    with pytest.raises(StoreError, match=r"never-upgraded\.db is not a onetoone database "
                                         r"\(it is empty\)"):
        copy_database(empty, make_engine(db_url))
    source = make_engine(pilot.settings.database.url)
    with pytest.raises(StoreError, match="same database"):
        copy_database(source, make_engine(pilot.settings.database.url))
    Store(source).take_lock(DUTY_LOCK, "host:1:worker", pilot.occ.end, timedelta(days=3650))
    with pytest.raises(StoreError, match=r"A worker \(host:1:worker\) is running.*stop it"):
        copy_database(source, make_engine(db_url))
    assert not any(_counts(db_url).values())


def test_a_sqlite_source_with_a_worker_running_is_refused(pilot: Scenario,
                                                          db_url: str) -> None:
    """On SQLite the worker takes no duty lease but the file's worker lock: the copy
    checks that lock, as a second worker does, and writes nothing while it is held."""
    source_url = pilot.settings.database.url
    said = r"A worker is running on .*pilot\.db \(it holds .*pilot\.db\.worker-lock\): stop"
    # (single_worker: the lock `onetoone run` holds on the file while it runs)
    with single_worker(source_url), pytest.raises(StoreError, match=said):
        copy_database(make_engine(source_url), make_engine(db_url))
    assert not any(_counts(db_url).values())
    copy_database(make_engine(source_url), make_engine(db_url))  # stopped: it goes ahead


def test_a_copy_that_fails_half_way_writes_nothing(pilot: Scenario, db_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is one transaction: a failure in the middle (a dropped connection, a full
    disk) leaves the target empty, and the copy can simply be run again."""
    from sqlalchemy.exc import OperationalError

    import service.store.copy as copying

    real = copying.insert
    calls = {"n": 0}

    def failing(table):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if table.name == "occurrences":
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(table)

    monkeypatch.setattr(copying, "insert", failing)
    with pytest.raises(StoreError, match=r"Nothing was written there.*run it again"):
        copy_database(make_engine(pilot.settings.database.url), make_engine(db_url))
    assert calls["n"] > 1 and not any(_counts(db_url).values())
    monkeypatch.setattr(copying, "insert", real)
    copy_database(make_engine(pilot.settings.database.url), make_engine(db_url))
    assert _counts(db_url) == _counts(pilot.settings.database.url)


def test_the_command_copies_and_says_what_to_do_next(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"]).exit_code == 0
    target = f"sqlite:///{tmp_path / 'moved.db'}"
    done = runner.invoke(cli, ["db", "copy", "--to", target])
    assert done.exit_code == 0, done.output
    assert "series" in done.output and "Copied" in done.output, done.output
    assert "[database] url" in done.output and "onetoone doctor" in done.output
    again = runner.invoke(cli, ["db", "copy", "--to", target])
    assert again.exit_code == 1 and "already holds" in again.output, again.output
    assert "Traceback" not in again.output


def test_an_upgraded_empty_target_is_accepted(pilot: Scenario, tmp_path: Path) -> None:
    """A target already at the schema (`onetoone db upgrade` run on it first) is empty."""
    url = f"sqlite:///{tmp_path / 'prepared.db'}"
    upgrade(make_engine(url))
    copied = copy_database(make_engine(pilot.settings.database.url), make_engine(url))
    assert copied.total == sum(_counts(url).values())


def test_the_copy_knows_every_table_the_schema_has(db_url: str) -> None:
    """A table added by a later migration and not to ``store_tables`` would be left behind
    by every copy, silently: this fails first."""
    from sqlalchemy import inspect

    engine = make_engine(db_url)
    assert {t.name for t in store_tables()} | {"alembic_version"} == set(
        inspect(engine).get_table_names())
    engine.dispose()


def test_a_target_that_is_not_a_url_is_named_as_the_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--to notaurl` is said to be --to's value, not the configured [database] url, and
    a URL that does not parse gets no advice to install a driver."""
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    done = runner.invoke(cli, ["db", "copy", "--to", "notaurl"])
    assert done.exit_code == 1 and "Traceback" not in done.output
    # (Judged as [database] url is, before anything is opened.)
    assert "--to notaurl is not a sqlite:// or postgresql:// URL" in done.output, done.output
    assert "[database] url or" not in done.output and "pip install" not in done.output
    assert "sqlite:///onetoone.db or postgresql+psycopg://" in done.output


def test_a_sqlite_source_not_there_is_refused_and_nothing_is_created(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from another folder than the worker's (the default url is relative) or with a
    typo, the copy created an empty source file, a lock and the target, and said "Run
    `onetoone db upgrade`": which done, an empty database was copied, and the worker moved
    to it with nothing it had stored. It is refused as the reading commands refuse it."""
    cli_env(monkeypatch, tmp_path, 220)
    target = tmp_path / "moved.db"
    done = CliRunner().invoke(cli, ["db", "copy", "--to", f"sqlite:///{target}"],
                              catch_exceptions=False)
    assert done.exit_code == 1, done.output
    said = " ".join(done.output.split())
    assert f"No database at {tmp_path / 'onetoone.db'}" in said, said
    assert "db upgrade" not in said
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _foreign_sqlite(path: Path) -> list[tuple]:
    """Another program's SQLite file, with a row in it; returns what it holds."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.close()
    return _held(path)


def _held(path: Path) -> list[tuple]:
    """Every table's definition and rows in a SQLite file."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        tables = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        return tables + [row for name, _sql in tables
                         for row in conn.execute(f'SELECT * FROM "{name}"')]
    finally:
        conn.close()


def test_a_source_that_is_not_onetoones_leaves_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source that is another program's SQLite file, or an older onetoone's, was refused
    only after the target file had been made (left behind, empty), saying "Run `onetoone db
    upgrade`" without naming the file: advice which, for another program's file, would
    have written onetoone's tables into it. Each is refused naming the file and what to
    do, and nothing is made: no target, no lock beside the source."""
    cli_env(monkeypatch, tmp_path, 220)
    source = tmp_path / "invoices.db"
    held = _foreign_sqlite(source)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{source}")
    target = tmp_path / "moved.db"
    done = CliRunner().invoke(cli, ["db", "copy", "--to", f"sqlite:///{target}"])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    said = " ".join(done.output.split())
    assert str(source) in said and "not a onetoone database" in said, said
    assert "invoices" in said and "[database] url" in said and "db upgrade" not in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db"]
    assert _held(source) == held

    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    migrate_to(engine, "0012")
    engine.dispose()
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{old}")
    done = CliRunner().invoke(cli, ["db", "copy", "--to", f"sqlite:///{target}"])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    said = " ".join(done.output.split())
    assert str(old) in said and "0012" in said and "onetoone db upgrade" in said, said
    assert not target.exists() and current_revision(make_engine(f"sqlite:///{old}")) == "0012"


def test_a_target_of_another_program_is_left_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A target holding another program's tables was upgraded first (onetoone's tables
    written into it) and then filled; it is refused as it is, unchanged."""
    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"]).exit_code == 0
    target = tmp_path / "invoices.db"
    held = _foreign_sqlite(target)
    done = runner.invoke(cli, ["db", "copy", "--to", f"sqlite:///{target}"])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    said = " ".join(done.output.split())
    assert str(target) in said and "invoices" in said and "Nothing was written" in said, said
    assert _held(target) == held


def test_a_failed_copy_into_a_new_file_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is one transaction, but the SQLite file it made (with onetoone's empty
    tables) was left behind: it is removed, as it was not there before."""
    from sqlalchemy.exc import OperationalError

    import service.store.copy as copying

    cli_env(monkeypatch, tmp_path, 220)
    runner = CliRunner()
    assert runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"]).exit_code == 0
    real = copying.insert

    def failing(table):  # type: ignore[no-untyped-def]
        if table.name == "occurrences":
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(table)

    monkeypatch.setattr(copying, "insert", failing)
    target = tmp_path / "moved.db"
    done = runner.invoke(cli, ["db", "copy", "--to", f"sqlite:///{target}"])
    assert done.exit_code == 1 and "Nothing was written" in done.output, done.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("moved.db")]


def test_a_postgres_target_with_only_an_extensions_table_is_accepted(
        pilot: Scenario) -> None:
    """A new database made from a template with PostGIS holds its spatial_ref_sys: the
    server's, not another program's. `onetoone db upgrade` sets such a database up; the
    copy refused it as "already holds tables". (A contrib extension stands in for PostGIS,
    with a table made a member of it as PostGIS's is.)"""
    from sqlalchemy import create_engine, inspect, text

    from tests.conftest import _empty_postgres, _postgres_url

    url = _empty_postgres(_postgres_url())
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS cube SCHEMA public"))
        conn.execute(text("CREATE TABLE spatial_ref_sys (srid INTEGER PRIMARY KEY)"))
        conn.execute(text("ALTER EXTENSION cube ADD TABLE spatial_ref_sys"))
    try:
        copied = copy_database(make_engine(pilot.settings.database.url), make_engine(url))
        assert copied.total and _counts(url) == _counts(pilot.settings.database.url)
        with engine.connect() as conn:
            assert "spatial_ref_sys" in inspect(conn).get_table_names()
    finally:
        with engine.begin() as conn:  # (the next test's database has no extension)
            conn.execute(text("DROP EXTENSION cube CASCADE"))
        engine.dispose()
