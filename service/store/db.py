"""Engine, sessions and schema upgrades."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a busy timeout, and a file
    the write-ahead log with ``synchronous=NORMAL``.

    A SQLite file holds notes about people: it is created readable by its owner only (its
    -wal and -shm files inherit that), and erased text is overwritten on disk
    (``secure_delete``), not merely unlinked from the b-tree.
    """
    try:
        if url.startswith("sqlite"):
            path = sqlite_path(url)
            if path is not None and not path.exists() and path.parent.is_dir():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            engine = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                if path is not None:
                    # WAL: readers never wait for the writer. NORMAL: a commit no longer
                    # waits for the disk (the log is synced at checkpoints). A killed
                    # process loses nothing; a power cut or OS crash may lose the last
                    # commits, never the file's integrity.
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA secure_delete=ON")
                cur.close()

            return engine
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(
            f"Cannot use [database] url ({_redact(url)}): {exc}. For PostgreSQL install the "
            "driver with `pip install 'onetoone[postgres]'`."
        ) from exc


@contextmanager
def single_worker(url: str) -> Iterator[None]:
    """Hold the one-worker lock of a SQLite database while a worker runs.

    SQLite takes one writer at a time and its file can't be shared between hosts, so a second
    `onetoone run` on the same file is refused with a clear message (several replicas need
    PostgreSQL). Other databases need no lock: replicas coordinate through the database.
    """
    path = sqlite_path(url)
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".worker-lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"Another onetoone worker is already running on the SQLite database {path} "
                f"(it holds {lock_path}). Run one worker per SQLite file; to run several "
                "replicas, use PostgreSQL ([database] url)."
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has no password we can find either
        return "<invalid url>"


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None when empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this version of onetoone knows."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    try:
        before = current_revision(engine)
        cfg = _alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return before, head_revision()
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Could not upgrade the database at {_redact(str(engine.url))}: "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}. Check [database] url and "
            "that the server is running."
        ) from exc


def check_schema(engine: Engine) -> None:
    """Raise StoreError unless the database is at the newest revision."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Cannot connect to the database at {_redact(str(engine.url))}: "
            f"{str(exc).splitlines()[0]}. Check [database] url and that the server is running."
        ) from exc
    if current != head_revision():
        raise StoreError(
            f"The database is at schema revision {current or 'none'}, this onetoone needs "
            f"{head_revision()}. Run `onetoone db upgrade`."
        )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
