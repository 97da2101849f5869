"""A mail's claim is committed to disk before its sendMail goes (SQLite files are otherwise
written with synchronous=NORMAL, where a power cut may lose the last commits): a claim lost
after the send would leave the mail pending, to be sent again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from service.domain.status import OutboxStatus
from tests.integration.test_mail import Scenario


def test_a_claim_is_committed_with_full_sync_and_normal_is_restored(tmp_path,
                                                                     settings_for) -> None:
    s = Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 429, times=1)  # queued, not sent
    s.after_meeting()
    [row] = s.store.outbox()
    assert row.status == OutboxStatus.PENDING
    engine = s.store.engine
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0].upper() + " " + statement.split()[1].upper())

    @event.listens_for(engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        seen.append("COMMIT")

    claim = s.occ.end + timedelta(hours=2)
    assert s.store.claim_mail(row.id, claim)
    assert not s.store.claim_mail(row.id, claim)  # once only
    assert s.store.renew_claim(row.id, claim, claim + timedelta(seconds=1))
    assert not s.store.renew_claim(row.id, claim, claim + timedelta(seconds=2))  # not ours
    first = seen[:seen.index("COMMIT") + 1]
    assert first == ["PRAGMA SYNCHRONOUS=FULL", "UPDATE OUTBOX", "COMMIT"]
    event.remove(engine, "before_cursor_execute", _statement)
    with engine.connect() as conn:  # the pooled connection is back to NORMAL (1)
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1
