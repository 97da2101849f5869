"""A pytest plugin that records, for each test, what it asked of the database: each SQL
statement's text as compiled (before an IN list is expanded), whether it found or changed any
row, and any error the database raised. `python -m tests.support.postgres_selection` runs the
PostgreSQL variants under it and chooses which of them the suite must keep.

Two kinds of test are recorded as such, to be always kept: one that starts a process
(`python -m service ...`), since what the child asks of the database cannot be seen from
here; and one that works the database concurrently (statements from two threads, or two
connections in use at once), since what it tests is how the server orders them.

Loaded only by that script (``-p tests.support.sql_shapes``), never by the suite itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

OUT = os.environ.get("ONETOONE_TEST_SQL_SHAPES_DIR", "")
_current: dict[str, Any] = {"test": None}
_shapes: dict[str, set[str]] = {}
_spawns: set[str] = set()
_concurrent: set[str] = set()
_threads: dict[str, set[int]] = {}
_in_use: dict[str, int] = {"now": 0}


def _record(key: str) -> None:
    test = _current["test"]
    if test is not None:
        _shapes.setdefault(test, set()).add(key)


@event.listens_for(Engine, "after_cursor_execute")
def _executed(conn: Any, cursor: Any, statement: str, _params: Any, context: Any,
              executemany: bool) -> None:
    if conn.dialect.name != "postgresql":
        return
    test = _current["test"]
    if test is not None:
        threads = _threads.setdefault(test, set())
        threads.add(threading.get_ident())
        if len(threads) > 1:
            _concurrent.add(test)
    compiled = getattr(context, "compiled", None)
    text = compiled.string if compiled is not None else statement
    found = (cursor.rowcount or 0) > 0
    _record(f"{'many ' if executemany else ''}{'rows' if found else 'none'}: {text}")


@event.listens_for(Engine, "handle_error")
def _failed(context: Any) -> None:
    if context.engine is None or context.engine.dialect.name != "postgresql":
        return
    compiled = getattr(context.execution_context, "compiled", None)
    text = compiled.string if compiled is not None else (context.statement or "")
    _record(f"error {type(context.original_exception).__name__}: {text}")


def _postgres(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")


@event.listens_for(Pool, "checkout")
def _checked_out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if _postgres(dbapi_connection):
        _in_use["now"] += 1
        if _in_use["now"] > 1 and _current["test"] is not None:
            _concurrent.add(_current["test"])


@event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection: Any, _record: Any) -> None:
    if dbapi_connection is not None and _postgres(dbapi_connection):
        _in_use["now"] = max(0, _in_use["now"] - 1)


_popen_init = subprocess.Popen.__init__


def _spawning(self: Any, *args: Any, **kwargs: Any) -> None:
    if _current["test"] is not None:
        _spawns.add(_current["test"])
    _popen_init(self, *args, **kwargs)


subprocess.Popen.__init__ = _spawning  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    _current["test"] = item.nodeid
    _in_use["now"] = 0  # (one a test left checked out is not this test's)
    try:
        return (yield)
    finally:
        _current["test"] = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not OUT:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(OUT).mkdir(parents=True, exist_ok=True)
    (Path(OUT) / f"{worker}.json").write_text(json.dumps({
        "shapes": {test: sorted(keys) for test, keys in _shapes.items()},
        "spawns": sorted(_spawns),
        "concurrent": sorted(_concurrent),
    }))
