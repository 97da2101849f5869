"""`[database] url` pointed by mistake at another program's database (a typo in the path to an
existing app's SQLite file, a PostgreSQL database some other app uses): every command refuses
it, naming it and what to do, and leaves it as it was. Before, a SQLite file was switched to
WAL mode and had onetoone's tables written into it by the first command, and `db upgrade`
wrote them beside another app's tables in PostgreSQL."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from service.cli import cli
from service.store.db import head_revision
from tests.cli_env import cli_env
from tests.conftest import _empty_postgres, _postgres_url

NOW = "2026-11-23T09:00:00Z"
COMMANDS = [["db", "upgrade"], ["schedule", "--now", NOW], ["tick", "--now", NOW],
            ["doctor"], ["run"]]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 400)

    def started(*_args: object) -> None:
        raise AssertionError("the worker started on another program's database")

    monkeypatch.setattr("service.worker._run_worker", started)
    return CliRunner()


def _refused(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # (rich wraps long lines)


def _their_file(path: Path, *, alembic: str | None = None) -> None:
    """Another program's SQLite file, as it leaves it: a rollback journal, readable by all."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT)")
    conn.execute("INSERT INTO invoices (customer) VALUES ('Fabrikam')")
    if alembic is not None:  # (an app with Alembic migrations of its own)
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (alembic,))
    conn.commit()
    conn.close()
    path.chmod(0o644)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize("alembic", [None, "3f1c2a9b7d10"], ids=["plain", "alembic"])
def test_another_programs_sqlite_file_is_refused_untouched(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        args: list[str], alembic: str | None) -> None:
    folder = tmp_path / "billing"
    folder.mkdir()
    path = folder / "billing.db"
    _their_file(path, alembic=alembic)
    before = path.read_bytes()
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{path}")

    out = _refused(runner, args)
    assert f"{path} is not a onetoone database" in out, out
    assert "invoices" in out and "[database] url" in out, out
    assert "newer onetoone" not in out and "db upgrade`" not in out, out
    assert path.read_bytes() == before, "the file was changed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in folder.iterdir()) == ["billing.db"]  # no -wal, no lock


def test_an_empty_file_is_still_set_up(runner: CliRunner, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "onetoone.db"
    path.touch()  # (made ready by a deployment script, say)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(cli, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
        head_revision()
    conn.close()


@pytest.fixture
def their_postgres() -> str:
    """A PostgreSQL database whose public schema holds another app's table."""
    url = _empty_postgres(_postgres_url())
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id SERIAL PRIMARY KEY, customer TEXT)"))
        conn.execute(text("INSERT INTO invoices (customer) VALUES ('Fabrikam')"))
    engine.dispose()
    return url


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_postgres_database_with_other_tables_is_refused_untouched(
        runner: CliRunner, their_postgres: str, monkeypatch: pytest.MonkeyPatch,
        args: list[str]) -> None:
    monkeypatch.setenv("ONETOONE_DATABASE_URL", their_postgres)
    out = _refused(runner, args)
    assert "is not a onetoone database" in out and "schema public" in out, out
    assert "invoices" in out and "[database] url" in out, out
    assert "Run `onetoone db upgrade`" not in out, out
    engine = create_engine(their_postgres)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["invoices"]
        assert conn.scalar(text("SELECT customer FROM invoices")) == "Fabrikam"
    engine.dispose()


def test_which_databases_are_another_programs() -> None:
    from service.store.db import foreign_tables

    assert foreign_tables([], None) == []  # new
    assert foreign_tables(["alembic_version"], None) == []  # every migration undone
    assert foreign_tables(["people", "alembic_version"], head_revision()) == []
    assert foreign_tables(["people", "pairings", "series", "occurrences", "alembic_version"],
                          "9999_later") == []  # a newer onetoone's
    assert foreign_tables(["invoices"], None) == ["invoices"]
    assert foreign_tables(["invoices", "alembic_version"], "3f1c2a9b7d10") == [
        "alembic_version", "invoices"]


def test_a_postgres_database_with_an_extensions_table_is_set_up(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table an extension made in the schema (PostGIS's spatial_ref_sys, in every database
    made from a template with PostGIS) is the server's, not another program's: a new
    database with one is set up. (A contrib extension stands in for PostGIS, with a table
    made a member of it as PostGIS's is.)"""
    url = _empty_postgres(_postgres_url())
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS cube SCHEMA public"))
        conn.execute(text("CREATE TABLE spatial_ref_sys (srid INTEGER PRIMARY KEY)"))
        conn.execute(text("ALTER EXTENSION cube ADD TABLE spatial_ref_sys"))
    engine.dispose()
    monkeypatch.setenv("ONETOONE_DATABASE_URL", url)
    engine = create_engine(url)
    try:
        result = runner.invoke(cli, ["db", "upgrade"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == \
                head_revision()
            assert "spatial_ref_sys" in inspect(conn).get_table_names()
    finally:
        with engine.begin() as conn:  # (the next test's database has no extension)
            conn.execute(text("DROP EXTENSION cube CASCADE"))
        engine.dispose()


def test_doctor_gives_another_programs_file_only_the_refusal(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their file is readable by all, as they left it: that is theirs to decide. Doctor
    refuses it and says to check [database] url, and does not say to chmod it (nor that the
    worker will: it refuses the file too, and leaves its mode alone)."""
    path = tmp_path / "billing.db"
    _their_file(path)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", f"sqlite:///{path}")
    out = _refused(runner, ["doctor"])
    assert f"{path} is not a onetoone database" in out, out
    assert "chmod" not in out and "owner-only" not in out, out
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_the_check_before_a_worker_starts_creates_no_file(tmp_path: Path) -> None:
    """`run` checks the database before it starts: a SQLite file not there yet is nobody
    else's, and the check does not connect to it (a connect created it, empty, before the
    checks that a new database is wanted there had run)."""
    from service.store.db import refuse_foreign_url

    refuse_foreign_url(f"sqlite:///{tmp_path / 'new.db'}")
    assert list(tmp_path.iterdir()) == []
