"""Engine, sessions and schema upgrades."""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from service.errors import StoreError
from service.store.pool import ping_when_idle

# (Kept importable from here, where they were: the file's own questions live in sqlite_file.)
from service.store.sqlite_file import keep_private as keep_private
from service.store.sqlite_file import sqlite_exposed as sqlite_exposed
from service.store.sqlite_file import sqlite_folder_problem as sqlite_folder_problem
from service.store.sqlite_file import sqlite_open_error, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's version table (one row: the revision the schema is at).
VERSION_TABLE = "alembic_version"
SQLITE_BUSY_SECONDS = 30  # how long a SQLite statement waits for another's lock
# Turning a new file to WAL is retried this often, this far apart: the busy timeout's span.
WAL_WAIT_SECONDS = 0.05
WAL_TRIES = int(SQLITE_BUSY_SECONDS / WAL_WAIT_SECONDS)


def connect_hint(url: str) -> str:
    """What to check when the database at ``url`` cannot be used: a SQLite file has no
    server, so its hint is about the file."""
    if url.startswith("sqlite"):
        return ("Check [database] url, and that the SQLite file is a database and not locked "
                "by another program.")
    return "Check [database] url and that the server is running."


# Seconds a server database's pooled connection is used for (see make_engine).
SERVER_POOL_RECYCLE = 120


def _write_ahead_log(cur: Any) -> None:
    """Put the file in WAL mode, unless it is already (every open but the first). Turning a
    new file to WAL takes an exclusive lock that SQLite does not wait for: two processes
    opening a new file at once (two `db upgrade`s, a worker and a command) failed with
    "database is locked". The one that lost waits for the other to finish, as the busy
    timeout would, and then finds the file in WAL mode."""
    for _ in range(WAL_TRIES):
        try:
            if (str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal"
                    and not _foreign_file(cur)):
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(WAL_WAIT_SECONDS)
    cur.execute("PRAGMA journal_mode=WAL")  # (still locked after the busy timeout: said)


def _foreign_file(cur: Any) -> bool:
    """Whether the SQLite file holds another program's tables (`foreign_tables`): its journal
    mode is that program's, and is left as it is (the file is refused when its schema is
    read: `refuse_foreign`). Asked only of a file not in WAL mode yet: a new one, mostly."""
    names = [row[0] for row in cur.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite^_%' "
        "ESCAPE '^'")]
    revision = None
    if VERSION_TABLE in names:
        row = cur.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        revision = row[0] if row else None
    return bool(foreign_tables(names, revision))


def make_engine(url: str, *, named: str = "[database] url or ONETOONE_DATABASE_URL"
                ) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a busy timeout, and a file
    the write-ahead log with ``synchronous=NORMAL``.

    A SQLite file holds notes about people: it is created readable by its owner only (its
    -wal and -shm files inherit that), and erased text is overwritten on disk
    (``secure_delete``), not merely unlinked from the b-tree. Statement parameters are
    left out of SQLAlchemy's errors (``hide_parameters``): they hold note text, which would
    otherwise reach the log with the traceback of any failed write. ``named``: where the URL
    came from, for the message when it cannot be used (`db copy --to`).
    """
    from sqlalchemy.exc import ArgumentError

    try:
        if url.startswith("sqlite"):
            path = sqlite_path(url)
            if path is not None and not path.exists() and path.parent.is_dir():
                try:
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                except OSError as exc:  # a read-only folder or mount, a full disk
                    raise StoreError(sqlite_open_error(url) or (
                        f"Cannot create the SQLite database {path.absolute()}: "
                        f"{exc.strerror or exc}. Set [database] url to a file in a folder "
                        "this user can write to.")) from exc
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS},
                                   hide_parameters=True)

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                if path is not None:
                    # WAL: readers never wait for the writer. NORMAL: a commit no longer
                    # waits for the disk (the log is synced at checkpoints). A killed
                    # process loses nothing; a power cut or OS crash may lose the last
                    # commits, never the file's integrity.
                    _write_ahead_log(cur)
                    cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA secure_delete=ON")
                cur.close()

            return engine
        # A kept engine (shared_engine) holds its pooled connections between the worker's
        # runs, idle for a whole interval. A network that forgets an idle flow without a
        # reset (a NAT or load balancer's idle timeout, often 4 minutes; a failover leaving
        # the old address dead) leaves them half-open, and a ping would wait on one for
        # TCP's retransmission timeout (about 15 minutes): connections older than this are
        # replaced at checkout instead of being pinged. Younger ones idle a while are
        # pinged (service.store.pool).
        engine = create_engine(url, pool_recycle=SERVER_POOL_RECYCLE, hide_parameters=True)
        ping_when_idle(engine)
        return engine
    except ArgumentError as exc:  # not a URL at all: no driver would help
        raise StoreError(
            f"Cannot use {named} ({_redact(url)}): {exc}. Give a database URL such as "
            "sqlite:///onetoone.db or postgresql+psycopg://user:password@host:5432/onetoone."
        ) from exc
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(
            f"Cannot use {named} ({_redact(url)}): {exc}. For PostgreSQL install the driver "
            "in onetoone's environment: `pip install \".[postgres]\"` in a checkout of "
            "onetoone, or `pip install 'psycopg[binary]>=3.1,<4'`."
        ) from exc


# One engine per database, kept for the process's later opens, as SQLAlchemy intends: the
# compiled-statement cache lives in the engine, and the worker and every CLI job open the
# store again each run, so a fresh engine compiled every statement again (a third of a
# tick's CPU, measured in a sandbox run). A few are kept: a process opens one database;
# the tests open many, one after another.
_KEPT_ENGINES = 4
_engines: OrderedDict[str, tuple[Engine, tuple[int, int] | None]] = OrderedDict()
_engines_lock = threading.Lock()


def _file_identity(url: str) -> tuple[int, int] | None:
    path = sqlite_path(url)
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat is not None else None


def shared_engine(url: str) -> Engine:
    """``make_engine(url)``, the same engine again for the same url while it is kept. A
    SQLite file deleted or replaced since (another file moved into its place) gets a new
    engine: the kept one's connections would go on using the old file. An in-memory SQLite
    database is never shared (each engine is a database of its own)."""
    if url.startswith("sqlite") and sqlite_path(url) is None:
        return make_engine(url)
    with _engines_lock:
        kept = _engines.pop(url, None)
        if kept is not None:
            engine, identity = kept
            if not url.startswith("sqlite") or (
                    identity is not None and identity == _file_identity(url)):
                _engines[url] = kept
                return engine
            engine.dispose()
        engine = make_engine(url)
        _engines[url] = (engine, _file_identity(url))
        while len(_engines) > _KEPT_ENGINES:
            # (A store still holding it goes on working: dispose only empties the pool.)
            _engines.popitem(last=False)[1][0].dispose()
        return engine


def _forget_engines_in_child() -> None:
    # A forked child must not use, or close, the parent's pooled connections (SQLAlchemy's
    # advice for fork): their sockets and file handles are shared with the parent. (The
    # lock too is new: another thread may have held it at the fork.)
    global _engines_lock
    _engines_lock = threading.Lock()
    for engine, _identity in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


os.register_at_fork(after_in_child=_forget_engines_in_child)


@contextmanager
def single_worker(url: str) -> Iterator[None]:
    """Hold the one-worker lock of a SQLite database while a worker runs.

    SQLite takes one writer at a time and its file can't be shared between hosts, so a second
    `onetoone run` on the same file is refused with a clear message (several replicas need
    PostgreSQL). Other databases need no lock: replicas coordinate through the database.
    """
    with worker_lock(url) as held_by:
        if held_by is not None:
            raise StoreError(
                f"Another onetoone worker is already running on the SQLite database "
                f"{sqlite_path(url)} (it holds {held_by}). Run one worker per SQLite file; "
                "to run several replicas, use PostgreSQL ([database] url).")
        yield


@contextmanager
def worker_lock(url: str) -> Iterator[Path | None]:
    """Take the one-worker lock of a SQLite database for the block: yields None when taken
    (and for other databases, which have no such lock), or the lock file's path when a
    running worker holds it (then nothing is held). `db copy` takes it too, so no worker
    starts on the file while it is copied."""
    path = sqlite_path(url)
    if path is None:
        yield None
        return
    lock_path = path.with_name(path.name + ".worker-lock")
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise StoreError(sqlite_open_error(url) or (
            f"Cannot create the worker lock {lock_path} of the SQLite database "
            f"{path}: {exc.strerror or exc}.")) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield lock_path
        else:
            yield None
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    from service.config.settings import hide_password

    try:
        make_url(url)
    except Exception:  # an unparsable URL has no password we can find either
        return "<invalid url>"
    return hide_password(url)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def read_revision(conn: Connection) -> str | None:
    """The revision in the version table on ``conn`` (None when there is no table or no
    row), as Alembic's MigrationContext reads it; without loading Alembic, which every
    open of the store asks this of (each command, each run). Several rows (another
    program's Alembic, with branches) read as one revision this onetoone does not know."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return " ".join(sorted(rows)) or None


def clock_offset(engine: Engine) -> float:
    """Seconds the database server's clock is ahead of this host's (negative: behind),
    judged at the middle of the round trip that read it."""
    with engine.connect() as conn:
        sent = time.time()
        server = conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
        back = time.time()
    return float(server.timestamp()) - (sent + back) / 2


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None when empty)."""
    with engine.connect() as conn:
        return read_revision(conn)


# Read once per process: the migrations ship with the package and do not change while it
# runs. Each file's name starts with its revision (0026_...py is 0026, in a straight line:
# tests/unit/test_migration_files.py checks this against Alembic's own reading), so they are
# known without loading Alembic, which executes every migration module to read them.
@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    revisions = sorted(path.name.partition("_")[0]
                       for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    return revisions[-1], frozenset(revisions)


def head_revision() -> str:
    """The newest schema revision this version of onetoone knows."""
    return _revisions()[0]


def known_revision(revision: str | None) -> bool:
    """Whether this version of onetoone has ``revision`` among its migrations (an empty
    database's None too): one it does not was written by a newer onetoone."""
    return revision is None or revision in _revisions()[1]


def newer_schema(url: str, revision: str) -> str:
    """What to say of a database a newer onetoone wrote (an older package reinstalled)."""
    return (f"The database at {_redact(url)} is at schema {revision}, written by a newer "
            f"onetoone than this one (whose newest schema is {head_revision()}); nothing was "
            "changed. Install that newer version again, or restore the backup taken before "
            "the upgrade (see docs/admin/upgrading.md, 'Going back').")


# The tables onetoone's first schema made, kept by every one since: a version table naming a
# revision this onetoone does not know is a newer onetoone's only beside them (else it is
# another program's own Alembic migrations').
FIRST_TABLES = frozenset({"people", "pairings", "series", "occurrences"})


def foreign_tables(names: Collection[str], revision: str | None) -> list[str]:
    """The tables of a database that is another program's, given its tables and the
    revision in its version table: none when it is onetoone's, or holds no table (a new
    file or database, or one whose every migration was undone)."""
    if not set(names) - {VERSION_TABLE}:
        return []
    if revision is not None and (known_revision(revision) or set(names) >= FIRST_TABLES):
        return []
    return sorted(names)


def foreign_problem(conn: Connection, revision: str | None) -> tuple[str, str] | None:
    """What is wrong, and what to do, when the database ``conn`` is on holds another
    program's tables (None when it is onetoone's or empty). ``revision``: its version
    table's, as read. A mistyped path or URL would otherwise have onetoone's tables written
    in beside that program's, and a SQLite file turned to WAL mode under it."""
    if revision is not None and known_revision(revision):
        return None  # (ours, as on every open but the first: nothing more to read)
    inspector = inspect(conn)
    tables = foreign_tables(program_tables(conn, inspector.get_table_names()), revision)
    if not tables:
        return None
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    url = str(conn.engine.url)
    path = sqlite_path(url)
    if path is not None:
        where = f"The SQLite file {path.absolute()}"
        new = "a file not there yet to start a new one"
    else:
        where = (f"The database at {_redact(url)} (schema "
                 f"{inspector.default_schema_name or 'default'})")
        new = "a new, empty database to start one (then run `onetoone db upgrade` once)"
    return (f"{where} is not a onetoone database: it holds another program's tables "
            f"({shown}) and no onetoone schema",
            f"Check [database] url (or ONETOONE_DATABASE_URL): point it at onetoone's own "
            f"database, or at {new}.")


def program_tables(conn: Connection, names: list[str]) -> list[str]:
    """The tables of the schema but those an extension made: PostGIS's spatial_ref_sys is in
    every database made from a template with PostGIS, and tells nothing of who uses it."""
    if conn.dialect.name != "postgresql":
        return names
    members = set(conn.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
        "AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' "
        "WHERE c.relnamespace = current_schema()::regnamespace")))
    return [name for name in names if name not in members]


def refuse_foreign(conn: Connection, revision: str | None) -> None:
    """Raise StoreError when the database holds another program's tables (`foreign_problem`)."""
    problem = foreign_problem(conn, revision)
    if problem is not None:
        what, fix = problem
        raise StoreError(f"{what}. Nothing was changed in it. {fix}")


def refuse_foreign_url(url: str) -> None:
    """`refuse_foreign` for the database at ``url``, before a worker starts on it (its runs
    would each fail on it, for ever). One that cannot be reached now is left to the runs,
    which say so and try again. A SQLite file not there yet is no other program's, and is
    not connected to: a connect would create it, before the checks that a new file is
    wanted there (`refuse_elsewhere`) or could be made (the folder's) have run."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return
    engine = shared_engine(url)
    try:
        with engine.connect() as conn:
            refuse_foreign(conn, read_revision(conn))
    except SQLAlchemyError:
        return


# The advisory lock `db upgrade` holds on PostgreSQL (any fixed 64-bit number: "onetoone").
UPGRADE_LOCK = int.from_bytes(b"onetoone", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def _upgrade_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction around the whole upgrade. On SQLite the driver opens a transaction
    only before INSERT/UPDATE/DELETE, so each CREATE/ALTER would commit on its own: a run
    killed half-way would leave columns its next run fails on ("duplicate column name"),
    and two processes starting at once would both migrate. ``BEGIN IMMEDIATE`` takes the
    write lock first (a second process waits for the busy timeout, then finds nothing to
    do) and makes every migration's DDL roll back with it."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            raw = conn.connection.dbapi_connection
            if getattr(raw, "in_transaction", False):  # (SQLite may have ended it already)
                conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    try:
        if engine.dialect.name == "sqlite":
            # Up to date, as on most opens of a SQLite file (each run, each tick): one read,
            # no write lock to wait for. (A read under the lock would find no other answer:
            # a schema only moves on, and one this onetoone knows needs no foreign check.)
            before = current_revision(engine)
            if before == head_revision():
                return before, before
        with _upgrade_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                # Several hosts may run `db upgrade` at once (a unit's pre-start step): the
                # second waits for the first's transaction, then finds nothing to do,
                # rather than failing half-way on the tables the first is creating.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": UPGRADE_LOCK})
            # Read under the lock: what this run found, not what another one was changing.
            before = read_revision(conn)
            refuse_foreign(conn, before)
            if not known_revision(before):
                assert before is not None
                raise StoreError(newer_schema(str(engine.url), before))
            if before != head_revision():  # (else nothing to run: Alembic not loaded)
                from alembic import command

                cfg = _alembic_config(engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        return before, head_revision()
    except SQLAlchemyError as exc:
        url = str(engine.url)
        raise StoreError(sqlite_open_error(url) or (
            f"Could not upgrade the database at {_redact(url)}: "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}. {connect_hint(url)}")
        ) from exc


def check_schema(engine: Engine) -> None:
    """Raise StoreError unless the database is at the newest revision."""
    try:
        with engine.connect() as conn:
            current = read_revision(conn)
            # (Before "run db upgrade", which would write into it.)
            refuse_foreign(conn, current)
    except SQLAlchemyError as exc:
        url = str(engine.url)
        raise StoreError(sqlite_open_error(url) or (
            f"Cannot connect to the database at {_redact(url)}: "
            f"{str(exc).splitlines()[0]}. {connect_hint(url)}")
        ) from exc
    if not known_revision(current):
        assert current is not None
        raise StoreError(newer_schema(str(engine.url), current))
    if current != head_revision():
        raise StoreError(
            f"The database is at schema revision {current or 'none'}, this onetoone needs "
            f"{head_revision()}. Run `onetoone db upgrade`."
        )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def reading_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads. On a server database their statements run without a transaction
    around them: a read of one statement (most of the dozens a tick makes) then costs one
    round trip, not three (BEGIN, the statement, ROLLBACK). Under Read Committed, the
    default, each statement sees its own snapshot anyway, so a read of several statements
    sees what it would have in a transaction. (pysqlite opens no transaction for a read.)
    Nothing in such a session could be rolled back, so a write in one is refused; nor can
    a read streamed (``yield_per``) run in one: PostgreSQL's cursors live in a transaction."""
    if engine.dialect.name == "sqlite":
        factory = session_factory(engine)
    else:
        factory = sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"),
                               expire_on_commit=False, autoflush=False)

    @event.listens_for(factory, "do_orm_execute")
    def _reads_only(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            raise TypeError("a write in a reading session (Repository.reading): "
                            "use Repository.session")

    return factory
