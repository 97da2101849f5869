"""What every repository shares: sessions, the race-retry, row updates, error translation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.store.db import reading_factory, session_factory
from service.store.errors import translating

log = logging.getLogger("service.store.repo")  # the event names' logger since before the split
T = TypeVar("T")
# Ids per IN (...) list: well under every database's limit on bound parameters.
CHUNK = 500
# Commits made through each engine by this process (see Repository.writes).
_COMMITS: WeakKeyDictionary[Engine, list[int]] = WeakKeyDictionary()
_COMMITS_LOCK = threading.Lock()


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Repository:
    """Database access over one engine. Subclasses' public methods raise StoreError, never
    a SQLAlchemy error (they are wrapped when the class is defined)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and callable(value) and not isinstance(value, type):
                setattr(cls, name, translating(value))

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions: sessionmaker[Session] = session_factory(engine)
        self._reads: sessionmaker[Session] = reading_factory(engine)
        # (As the reading sessions' on a server database: see ``reading_factory``.)
        self._row_reads = (engine if engine.dialect.name == "sqlite"
                           else engine.execution_options(isolation_level="AUTOCOMMIT"))

    def writes(self) -> int:
        """A number that moves on with each commit this process makes to the database (any
        write: every write session commits; a read never does). A read asked again after
        it stayed the same finds what the first found, but for other processes' writes
        meanwhile: a step may pass the first answer on, as it would be had they come a
        moment later."""
        with _COMMITS_LOCK:
            counter = _COMMITS.get(self.engine)
            if counter is None:
                counter = _COMMITS[self.engine] = [0]

                def _commit(_conn: Connection) -> None:
                    counter[0] += 1

                event.listen(self.engine, "commit", _commit)
        return counter[0]

    def session(self) -> Session:
        return self._sessions()

    def reading(self) -> Session:
        """A session for reads only (a write in it is refused; see ``reading_factory``)."""
        return self._reads()

    @contextmanager
    def reading_rows(self) -> Iterator[Connection]:
        """A connection for reads of columns, not ORM rows: for the reads every tick makes,
        found nothing or next to nothing most of the time. A session's set-up and the ORM's
        path cost more than such a read itself (about twice a plain connection's, measured
        with SQLite). As ``reading``: no transaction around them on a server database."""
        with self._row_reads.connect() as conn:
            yield conn

    @contextmanager
    def _durable(self) -> Iterator[Connection]:
        """A connection whose commits reach the disk before they return. A SQLite file is
        written with synchronous=NORMAL (see db.make_engine), where a power cut may lose the
        last commits: this is for the few a lost one would undo an act of Graph's, as a
        mail's claim (lost, the mail already sent would go again). Commit in it; a server
        database syncs every commit anyway."""
        with self.engine.connect() as conn:
            if self.engine.dialect.name != "sqlite":
                yield conn
                return
            conn.exec_driver_sql("PRAGMA synchronous=FULL")
            try:
                yield conn
            finally:
                conn.rollback()  # anything left uncommitted, before the setting goes back
                conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.commit()

    def _racing(self, what: str, write: Callable[[], T]) -> T:
        """Run an insert-or-update; if another replica inserted the same key between our
        read and our insert, run it again: the second time it finds the row and updates."""
        for attempt in range(3):
            try:
                return write()
            except IntegrityError:
                if attempt == 2:
                    raise
                log.info("store.race_retried", extra={"what": what})
        raise AssertionError("unreachable")

    def _update(self, model: type, row_id: int, now: datetime, fields: dict[str, object]
                ) -> None:
        """Set columns of one row (a row deleted meanwhile is left alone) and stamp it."""
        with self.session() as s, s.begin():
            row = s.get(model, row_id)
            if row is None:
                return
            for name, value in fields.items():
                if not hasattr(model, name):
                    raise AttributeError(f"{model.__name__} has no column {name!r}")
                setattr(row, name, value)
            row.updated_at = now
