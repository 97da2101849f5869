"""Shared fixtures: databases (SQLite always, PostgreSQL when configured) and settings."""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from service.config import default_settings

# The CLI's consoles are built when service.cli is first imported: a machine asking for
# colour (FORCE_COLOR, as some CI systems set) would put escape codes into every output the
# tests read. (rich reads these; NO_COLOR only takes colour away.)
for _key in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
    os.environ.pop(_key, None)


def _omitted_postgres_variants() -> set[str]:
    """The PostgreSQL variants whose every statement, with each outcome, a variant that runs
    also sends (tests/support/postgres_selection.py chose them, and says why)."""
    if os.environ.get("ONETOONE_TEST_POSTGRES_ALL") == "1":
        return set()
    from tests.support.postgres_selection import read_omitted

    return read_omitted()


def _named(config: pytest.Config, nodeids: set[str]) -> set[str]:
    """Those of ``nodeids`` named one by one on the command line (``path::test`` or
    ``path::test[id]``): a PostgreSQL variant asked for by name runs, listed or not."""
    named = set()
    for arg in config.args:
        path, sep, rest = arg.partition("::")
        if sep:
            relative = Path(os.path.relpath(Path(path).absolute(), config.rootpath)).as_posix()
            named.add(f"{relative}::{rest}")
    return {nodeid for nodeid in nodeids if nodeid in named or nodeid.partition("[")[0] in named}


def _left_out(config: pytest.Config) -> set[str]:
    """The listed PostgreSQL variants this run leaves out: those not named one by one."""
    omitted = _omitted_postgres_variants()
    return omitted - _named(config, omitted)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a worker per core and one more. Several of the longest tests spend much of
    their time waiting (the worker crash test on its stepped clock, the worker and replica
    tests on the processes they start, every test on PostgreSQL's answers), and with one
    worker per core a core sat idle meanwhile."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL variants listed in postgres_omitted.txt are deselected (the summary
    says so: pytest_terminal_summary) unless named on the command line. Under pytest-xdist, the slow
    end-to-end tests (marked ``slow``) run straight after the unit tests (still first: a
    broken unit is reported in seconds), not in their tiers' order. Each worker ends by
    stealing the other's last tests: left at the end, a minute-long crash test kept one core
    busy while the other sat idle."""
    omitted = _left_out(config)
    if omitted:
        dropped = [item for item in items if item.nodeid in omitted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item.nodeid not in omitted]
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: 0 if "unit" in item.path.parts  # (a stable sort)
                   else 1 if item.get_closest_marker("slow") else 2)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config,
                            ) -> None:
    """Say that PostgreSQL variants were left out, and which file lists them: under
    pytest-xdist the workers deselect them, and pytest's own count does not reach the
    summary."""
    omitted = _left_out(config)
    if omitted and POSTGRES_URL:
        terminalreporter.write_line(
            f"tests/postgres_omitted.txt leaves out {len(omitted)} PostgreSQL variants (their "
            "SQLite variants run; ONETOONE_TEST_POSTGRES_ALL=1 runs them too)")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Write the service's bytecode once, before any test starts a `python -m service`
    process. With PYTHONDONTWRITEBYTECODE set (as container images often do, this CI's
    among them) nothing else writes it, and each of the hundreds of processes the
    acceptance tests start (the crash tests alone run about a hundred) compiled all the
    service's modules from source again: a sixth of each short run's CPU. (py_compile writes
    whatever that variable says; a read-only tree just keeps compiling, as before.)"""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller has done it
    import compileall

    compileall.compile_dir(Path(__file__).parent.parent / "service", quiet=2)


def _share_compiled_sql() -> None:
    """Every SQLite engine the store makes in a test process shares one dialect and one
    compiled-SQL cache, as a long-running worker's single engine does across its ticks.
    SQLAlchemy keys the SQL it compiled by the dialect object, and each test's database is
    a file of its own, hence an engine of its own: each test compiled every statement it ran
    again, a tenth of a short scenario's time (a run of 70 went from 34.6 s to 31.6 s). The
    statements and the SQL are the same; the engines' pools, files and settings are their
    own. (Every SQLite engine comes from make_engine with the same arguments, so one dialect
    serves them all, once one has connected.)"""
    from sqlalchemy import event
    from sqlalchemy.util import LRUCache

    from service.store import db

    make = db.create_engine
    shared: dict[str, Any] = {}

    def create_engine(url: Any, **kwargs: Any) -> Any:
        engine = make(url, **kwargs)
        if engine.dialect.name != "sqlite":
            return engine
        if "dialect" in shared:
            engine.dialect = engine.pool._dialect = shared["dialect"]
            engine._compiled_cache = shared["cache"]
            return engine

        # The first engine to connect lends its dialect once its first connection has
        # initialised it (the SQLite version, the default isolation level): a dialect never
        # connected is not lent.
        @event.listens_for(engine, "connect")
        def _lend(_dbapi: Any, _record: Any) -> None:
            if engine.dialect.default_isolation_level is not None:
                shared.setdefault("dialect", engine.dialect)
                shared.setdefault("cache", LRUCache(5000))

        return engine

    db.create_engine = create_engine  # type: ignore[assignment]


_share_compiled_sql()


def gone_worker() -> str:
    """The lease owner name (``worker_identity``) of a process of this host that has exited,
    as a worker killed mid-run leaves behind."""
    return subprocess.run(
        [sys.executable, "-c",
         "from service.store.leases import worker_identity; print(worker_identity())"],
        capture_output=True, text=True, check=True).stdout.strip()


def _per_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (created on first use next
    to the configured one): the fixtures drop and recreate the schema for every test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}) is None:
            conn.execute(text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    return f"{base}/{own}"


POSTGRES_URL = _per_worker(os.environ.get("ONETOONE_TEST_POSTGRES_URL", ""))
REQUIRE_POSTGRES = os.environ.get("ONETOONE_TEST_REQUIRE_POSTGRES") == "1"


def _empty_postgres(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _emptied_postgres(url: str) -> str:
    """The worker's database at the newest schema with every table emptied (identities
    restarted): what a fresh `onetoone db upgrade` gives, without running every migration
    again for each test. A database some test left at another revision, or with other
    tables, is built again from nothing."""
    from service.store.db import head_revision, make_engine, upgrade

    engine = create_engine(url)
    with engine.begin() as conn:
        tables = set(conn.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
        version = (conn.scalar(text("SELECT version_num FROM alembic_version"))
                   if "alembic_version" in tables else None)
        if version == head_revision() and tables == _HEAD_TABLES.get(url, tables):
            conn.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(
                f'"{t}"' for t in sorted(tables - {"alembic_version"})))))
            _HEAD_TABLES[url] = tables
            engine.dispose()
            return url
    engine.dispose()
    _empty_postgres(url)
    migrated = make_engine(url)
    upgrade(migrated)
    migrated.dispose()
    engine = create_engine(url)
    with engine.connect() as conn:
        _HEAD_TABLES[url] = set(conn.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
    engine.dispose()
    return url


_HEAD_TABLES: dict[str, set[str]] = {}


_MIGRATED_SQLITE: list[Path] = []


def migrated_sqlite_file() -> Path:
    """A SQLite file at the newest schema, built once per test process: a test's new SQLite
    database starts as a copy of it rather than running every migration again."""
    if not _MIGRATED_SQLITE:
        from service.store.db import make_engine, upgrade

        folder = Path(tempfile.mkdtemp(prefix="onetoone-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        engine = make_engine(f"sqlite:///{folder / 'migrated.db'}")
        upgrade(engine)
        engine.dispose()  # (the last connection closed: the WAL is folded into the file)
        _MIGRATED_SQLITE.append(folder / "migrated.db")
    return _MIGRATED_SQLITE[0]


@pytest.fixture(scope="session")
def migrated_sqlite() -> Path:
    return migrated_sqlite_file()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path,
           ) -> Iterator[str]:
    """A fresh database URL at the newest schema, with no rows: a SQLite file, and
    PostgreSQL when configured (as `onetoone db upgrade` leaves a new database)."""
    if request.param == "sqlite":
        shutil.copyfile(migrated_sqlite, tmp_path / "test.db")
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield _emptied_postgres(_postgres_url())


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it, not even a schema (for the upgrade tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield _empty_postgres(_postgres_url())


def _postgres_url() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ONETOONE_TEST_REQUIRE_POSTGRES=1 but ONETOONE_TEST_POSTGRES_URL unset")
        pytest.skip("set ONETOONE_TEST_POSTGRES_URL to run the PostgreSQL variant")
    return POSTGRES_URL


def make_settings(tmp_path: Path, db: str, **policy: Any) -> Any:
    """Sandbox settings around a database URL (state files under tmp_path). A SQLite file
    not there yet starts at the newest schema, as the first run would leave it."""
    if db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        if not path.exists() and path.parent.is_dir():
            shutil.copyfile(migrated_sqlite_file(), path)
    if db.startswith("postgresql"):
        # Server databases are upgraded explicitly (`onetoone db upgrade`), as in production.
        from service.store.db import make_engine, upgrade

        engine = make_engine(db)
        upgrade(engine)
        engine.dispose()  # (its connection closed now, not whenever it is collected)
    base = default_settings()
    return dataclasses.replace(
        base,
        database=dataclasses.replace(base.database, url=db),
        microsoft=dataclasses.replace(base.microsoft, sandbox_state=tmp_path / "sandbox.json"),
        policy=dataclasses.replace(base.policy, **policy) if policy else base.policy,
    )


@pytest.fixture
def settings_for(tmp_path: Path):
    """Build sandbox settings around a database URL (state files under tmp_path)."""
    return lambda db, **policy: make_settings(tmp_path, db, **policy)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Each test process collects garbage as the service's own processes do (`tune_gc`):
    what collection built (every test module, the fixtures, Graph's schemas) lives for the
    session, and the default young-generation threshold had the collector walk it about
    2,500 times in a minute of ticks, a tenth of the CPU (measured with gc.callbacks on
    test_calendar_delta and a retimed-series case: 4.0 s of 38 s; 1.7 s once tuned)."""
    from service.app import tune_gc

    tune_gc()
