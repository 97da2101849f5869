"""The database connection lost mid-capture (PostgreSQL: the server restarted, or the
backend was terminated, between two statements of the read-back): the meeting's first
read-back is recorded, but its next look (``read_back_at``) was a separate statement. Left
unset, the meeting is never re-read on schedule: notes the manager types after the meeting
(the usual case) are not read the day after, the manager is told "No notes yet" and offered
a rebooking, and the report gets no summary until some later calendar read happens to list
the event (never, for a manager with no other 1-2-1 in the next days)."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

import pytest
from sqlalchemy import create_engine, event, text

from service.store import db
from tests.integration.test_mail import Scenario


class KillAfterCapture:
    """Cut the worker's database connection at the first statement after a read-back is
    recorded (the UPDATE that sets ``captured_fingerprint``): on PostgreSQL its backend is
    terminated (as by a restart or pg_terminate_backend), on SQLite the statement fails."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = db.shared_engine(url)  # the engine every run of the worker uses
        self.armed = False
        self.fired = False
        self.admin = (create_engine(url, isolation_level="AUTOCOMMIT")
                      if url.startswith("postgresql") else None)
        event.listen(self.engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, params, context, executemany) -> None:
        if self.fired:
            return
        if self.armed:
            self.fired = True
            if self.admin is None:
                raise sqlite3.OperationalError("disk I/O error")
            pid = conn.connection.dbapi_connection.info.backend_pid
            with self.admin.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            return
        if statement.lstrip().upper().startswith("UPDATE OCCURRENCES") and (
                "captured_fingerprint" in statement):
            self.armed = True

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        if self.admin is not None:
            self.admin.dispose()


@pytest.fixture
def scenario(db_url, settings_for, monkeypatch) -> Scenario:
    monkeypatch.setattr(db, "_engines", OrderedDict())  # this test's own kept engine
    return Scenario(settings_for(db_url))


def test_notes_typed_after_a_capture_cut_short_are_still_read_the_day_after(
        scenario: Scenario, db_url: str) -> None:
    occ = scenario.occ
    kill = KillAfterCapture(db_url)
    try:
        first = scenario.after_meeting()  # read back at once: nothing typed yet
    finally:
        kill.close()
    assert kill.fired
    assert first.capture.failed  # this meeting's read-back failed for this run...
    read = scenario.store.occurrence(occ.id)
    assert read.captured_at is not None  # ...after its record was committed
    # Mia writes her notes that evening, as managers do.
    scenario.type_notes()
    later = scenario.after_meeting(hours=26)  # the day-after re-read is due (end + 24 h)
    after = scenario.store.occurrence(occ.id)
    assert after.status == "held", (
        "the notes typed after the meeting were not read the day after: the lost "
        f"connection left read_back_at={after.read_back_at} (status {after.status})")
    assert not later.mail.failed
    kinds = sorted(m.kind for m in scenario.store.outbox() if m.occurrence_id == occ.id)
    assert kinds == ["summary"]  # no "No notes yet" reminder for notes that exist
    assert len(scenario.summaries()) == 1
