"""A pooled PostgreSQL connection is pinged before use only when it sat idle a while
(service.store.pool): one that died while idle is replaced unseen, as pool_pre_ping did;
one used a moment ago is not pinged (a round trip saved on every transaction of a tick),
and if it died meanwhile only the statement that finds out fails."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from service.store import db, pool
from tests.conftest import POSTGRES_URL, _emptied_postgres

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not POSTGRES_URL, reason="set ONETOONE_TEST_POSTGRES_URL")]


def _kill_pooled(engine, admin) -> int:
    """Terminate the server process behind the pool's (one, idle) connection."""
    with engine.connect() as conn:
        pid = conn.connection.dbapi_connection.info.backend_pid
    with admin.connect() as a:
        assert a.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Wait until the server has let it go (a state, not a time).
        while a.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                       {"pid": pid}):
            pass
    return pid


@pytest.fixture
def server():
    db_url = _emptied_postgres(POSTGRES_URL)
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    engine = db.make_engine(db_url)
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_that_died_while_idle_is_replaced_before_use(server, monkeypatch):
    engine, admin = server
    monkeypatch.setattr(pool, "PING_AFTER_IDLE", 0.0)  # every pooled connection is "idle"
    dead = _kill_pooled(engine, admin)
    # No error reaches the caller: the ping found the dead connection, the pool made another.
    assert _backend(engine) != dead
    assert engine.pool.checkedout() == 0


def test_a_connection_used_a_moment_ago_is_not_pinged(server, monkeypatch):
    engine, admin = server
    monkeypatch.setattr(pool, "PING_AFTER_IDLE", 3600.0)
    dead = _kill_pooled(engine, admin)
    # Not pinged: the statement that finds the connection dead fails...
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    # ...and the pool is renewed, so the next one works.
    assert _backend(engine) != dead
