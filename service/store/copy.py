"""Copy everything onetoone stores from one database into another, empty one: how a pilot on
the default SQLite file moves to PostgreSQL (`onetoone db copy --to URL`) without losing a
note, an open action, a sent summary's record or a series' id (so nothing is booked or
mailed twice after the move).

All or nothing: the rows go into the target in one transaction, so a copy that fails or is
killed half-way leaves the target as empty as it was, and can simply be run again. The source
is only read. Rows are streamed a batch at a time (memory does not grow with the database)
through the store's own tables, so times, JSON and text arrive as the store wrote them,
whatever either database's column types are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Integer, Table, func, insert, inspect, select, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.schema import sort_tables

from service.errors import StoreError
from service.store.calendar_delta import CALENDAR_DELTA
from service.store.db import (
    _redact,
    connect_hint,
    current_revision,
    head_revision,
    known_revision,
    make_engine,
    newer_schema,
    program_tables,
    sqlite_open_error,
    sqlite_path,
    upgrade,
    worker_lock,
)
from service.store.due_statements import DUE_MARKS
from service.store.leases import DUTY_LOCK
from service.store.models import Base
from service.store.people import DIRECTORY_USERS
from service.store.rebooks import SENT_ITEMS_READS
from service.store.repo import Store
from service.store.runs import RUNS

BATCH = 500


def store_tables() -> list[Table]:
    """Every table the store keeps, parents before the tables that point at them."""
    # (The ORM's and each Core table's MetaData, as migrations/env.py lists them: a Core
    # MetaData may hold more than the table named here, as people's holds directory_sync.)
    core = (DIRECTORY_USERS, DUE_MARKS, SENT_ITEMS_READS, CALENDAR_DELTA, RUNS)
    metadatas = dict.fromkeys([Base.metadata, *(t.metadata for t in core)])
    return sort_tables([t for m in metadatas for t in m.tables.values()])


@dataclass(frozen=True)
class Copied:
    """What a copy moved: rows per table, in the order they were written."""

    rows: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _t, n in self.rows)


def copy_into(source: Engine, to_url: str, *,
              progress: Callable[[str, int], None] | None = None) -> Copied:
    """`db copy --to URL`: :func:`copy_database` into the database at ``to_url``. A SQLite
    file this copy makes is deleted again when the copy fails or is refused (one already
    there is never deleted): left behind, it would pass for a copy made."""
    _check_source(source)  # (first: a source refused makes nothing)
    try:
        path = sqlite_path(to_url)
    except ArgumentError:
        path = None  # (not a URL: make_engine says so, naming --to)
    made = path is not None and not path.exists()
    target = make_engine(to_url, named="--to")
    try:
        return copy_database(source, target, progress=progress)
    except BaseException:
        target.dispose()
        if made and path is not None:
            for leftover in (path, *(path.with_name(path.name + s)
                                     for s in ("-wal", "-shm", "-journal"))):
                leftover.unlink(missing_ok=True)
        raise
    finally:
        target.dispose()


def copy_database(source: Engine, target: Engine, *, now: datetime | None = None,
                  progress: Callable[[str, int], None] | None = None) -> Copied:
    """Copy every row of ``source`` into ``target`` (brought to the newest schema first),
    which must hold none. Refused, with nothing written, when the source is not at this
    version's schema, a worker holds its duty lease (or, on SQLite, where a worker holds a
    file lock instead, that lock), or the target holds any row.
    ``progress(table, rows so far)`` is called after each batch."""
    if str(source.url) == str(target.url):
        raise StoreError(f"The source and the target are the same database "
                         f"({_redact(str(source.url))}): give another URL to copy into.")
    _check_source(source)
    # Held for the whole copy: a worker started meanwhile is refused, not left booking and
    # mailing from the old file.
    with worker_lock(source.url.render_as_string(hide_password=False)) as held_by:
        if held_by is not None:
            raise StoreError(
                f"A worker is running on {_redact(str(source.url))} (it holds {held_by}): "
                "stop it first (it would go on booking and mailing from the old database "
                "while the copy is made), then run the copy again.")
        return _copy(source, target, now, progress)


def _copy(source: Engine, target: Engine, now: datetime | None,
          progress: Callable[[str, int], None] | None) -> Copied:
    holder = Store(source).lock_holder(DUTY_LOCK, now or datetime.now(UTC))
    if holder is not None:
        raise StoreError(
            f"A worker ({holder}) is running on {_redact(str(source.url))}: stop it first "
            "(it would go on booking and mailing from the old database while the copy is "
            "made), then run the copy again.")
    where = _redact(str(target.url))
    _refuse_foreign(target, where)
    upgrade(target)
    tables = store_tables()
    try:
        with target.begin() as out:
            for table in tables:
                held = out.scalar(select(func.count()).select_from(table))
                if held:
                    raise StoreError(
                        f"The database at {where} already holds {held} row(s) in "
                        f"{table.name}: onetoone copies only into an empty database, so that "
                        "nothing stored there is overwritten. Nothing was written. Give the "
                        "URL of a new, empty database (or empty this one yourself).")
            counts: list[tuple[str, int]] = []
            # PostgreSQL refuses NUL in text, which a SQLite file may hold (written before
            # onetoone dropped control characters from outside text, or by hand): dropped,
            # as onetoone drops it from any text it takes in now (domain/text.py).
            fit = _without_nul if out.dialect.name == "postgresql" else _same
            with source.connect() as inp:
                for table in tables:
                    n = 0
                    order = list(table.primary_key.columns)
                    rows = inp.execution_options(stream_results=True, yield_per=BATCH).execute(
                        select(table).order_by(*order))
                    for batch in rows.mappings().partitions(BATCH):
                        out.execute(insert(table), [fit(dict(r)) for r in batch])
                        n += len(batch)
                        if progress is not None:
                            progress(table.name, n)
                    counts.append((table.name, n))
            if out.dialect.name == "postgresql":
                _restart_identities(out, tables)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Copying into the database at {where} failed: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}. Nothing was written there (the copy is one "
            f"transaction); run it again once that is fixed. {connect_hint(str(target.url))}"
        ) from exc
    return Copied(tuple(counts))


def _schema(engine: Engine) -> tuple[str | None, list[str]]:
    """The database's schema revision and its tables (its connection refused: said so)."""
    url = str(engine.url)
    try:
        with engine.connect() as conn:
            # (A table an extension made, as PostGIS's, is no one's rows: `db upgrade` sets up
            # a database holding one, and so the copy takes it as empty too.)
            names = program_tables(conn, inspect(conn).get_table_names())
        return current_revision(engine), names
    except SQLAlchemyError as exc:
        raise StoreError(sqlite_open_error(url) or (
            f"Cannot connect to the database at {_redact(url)}: "
            f"{str(exc).splitlines()[0]}. {connect_hint(url)}")) from exc


def _check_source(source: Engine) -> None:
    """Refuse a source that is not a database of this version's schema, naming it and what
    to do: `onetoone db upgrade` only for an older onetoone's (for another program's file it
    would write onetoone's tables into it; for an empty one, a copy of nothing would follow)."""
    revision, names = _schema(source)
    where = _redact(str(source.url))
    if revision is None:
        held = f"it holds the tables {', '.join(sorted(names)[:5])}" if names else "it is empty"
        raise StoreError(
            f"The database at {where} is not a onetoone database ({held}): nothing was "
            "copied. Point [database] url (or ONETOONE_DATABASE_URL, or --config) at the "
            "database the worker uses, then run the copy again.")
    if not known_revision(revision):
        raise StoreError(newer_schema(str(source.url), revision))
    if revision != head_revision():
        raise StoreError(
            f"The database at {where} is at schema revision {revision}, and this onetoone "
            f"copies from its own, {head_revision()}: nothing was copied. Run `onetoone db "
            "upgrade` (with the worker stopped), then run the copy again.")


def _refuse_foreign(target: Engine, where: str) -> None:
    """A target with tables must be at this version's schema (an empty one `onetoone db
    upgrade` made): upgrading any other would write onetoone's tables into a database
    someone else's rows are in, before the copy refused it for holding rows."""
    revision, names = _schema(target)
    if names and revision != head_revision():
        raise StoreError(
            f"The database at {where} already holds tables ({', '.join(sorted(names)[:5])}) "
            "and not this onetoone's schema: onetoone copies only into a new, empty database, "
            "so that nothing stored there is changed. Nothing was written. Give the URL of a "
            "new, empty database.")


def _same(row: dict[str, Any]) -> dict[str, Any]:
    return row


def _without_nul(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in row.items()}


def _restart_identities(conn, tables: list[Table]) -> None:  # type: ignore[no-untyped-def]
    """Each serial key's next value just past the rows copied (inserted with their ids, the
    sequences were not used): else the target's first new row would take a copied id."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue  # (a name or a mailbox: no sequence)
            sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            top = conn.scalar(select(func.max(column)))
            conn.execute(text("SELECT setval(:s, :v, :called)"),
                         {"s": sequence, "v": top or 1, "called": top is not None})
