"""When a pooled server-database connection is checked before use.

SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one more round trip for every
transaction, and a tick runs dozens of short ones (a quarter of a tick's time on PostgreSQL
went to pings). A connection handed back a moment ago is as alive as the ping would show,
so only one left idle longer than ``PING_AFTER_IDLE`` is pinged: between the worker's runs,
or after a long Graph call. A dead one found so is replaced before anything uses it, as the
pre-ping did. A server restarted within those seconds fails the statement that finds it
out; SQLAlchemy then replaces every connection the pool held (its disconnect handling), so
only that one item of the run fails, as a connection lost mid-statement makes it do anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

# Seconds a pooled connection may sit idle and still be used without a ping.
PING_AFTER_IDLE = 10.0

_IDLE_SINCE = "onetoone_idle_since"


def ping_when_idle(engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
    """Ping each connection ``engine``'s pool hands out that was idle longer than
    ``PING_AFTER_IDLE`` seconds by ``clock``; one that does not answer is replaced (the pool
    retries with a new connection)."""

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = clock()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # (The record's info is emptied when its connection is replaced: a new one is
        # not pinged.)
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or clock() - since <= PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out another (a new one if need be).
            raise DisconnectionError(f"a pooled connection idle for {clock() - since:.0f} s "
                                     "did not answer") from exc
