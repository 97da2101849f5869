"""Shared fixtures: databases (SQLite always, PostgreSQL when configured) and settings."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
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


def _fresh_postgres(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, and PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ONETOONE_TEST_REQUIRE_POSTGRES=1 but ONETOONE_TEST_POSTGRES_URL unset")
        pytest.skip("set ONETOONE_TEST_POSTGRES_URL to run the PostgreSQL variant")
    yield _fresh_postgres(POSTGRES_URL)


def make_settings(tmp_path: Path, db: str, **policy: Any) -> Any:
    """Sandbox settings around a database URL (state files under tmp_path)."""
    if db.startswith("postgresql"):
        # Server databases are upgraded explicitly (`onetoone db upgrade`), as in production.
        from service.store.db import make_engine, upgrade

        upgrade(make_engine(db))
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
