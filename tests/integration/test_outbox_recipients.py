"""Outbox recipients are stored as JSON: a display name with a comma is one recipient, and
migration 0006 converts the old comma-joined column as well as it can be parsed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from service.domain.records import MailRecord, Recipient
from service.store.db import current_revision, head_revision, make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START
from tests.integration.test_mail import Scenario
from tests.support.old_rows import insert_old_pair, migrate_to

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
JANE = Recipient("Doe, Jane", "rob@contoso.example")


def test_a_name_with_a_comma_is_one_recipient_end_to_end(tmp_path, settings_for) -> None:
    """"Doe, Jane" <address> round-trips through the outbox, and the mail the sandbox
    received has exactly one recipient, with that display name."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))
    view, occ = scenario.rob, scenario.occ
    mail = MailRecord(key=f"{occ.id}:test", kind="test", pairing_id=view.pairing.id,
                      occurrence_id=occ.id, mailbox=view.manager.id, to=(JANE,),
                      cc=(Recipient("Mia, the manager", view.manager.email),),
                      subject="Comma check", body_html="<p>hi</p>", tag=uuid.uuid4().hex,
                      created_at=START)
    assert scenario.store.enqueue(mail)
    (stored,) = [m for m in scenario.store.outbox() if m.key == mail.key]
    assert stored.to == (JANE,) and stored.cc == mail.cc
    assert stored.recipients == f'"Doe, Jane" <{JANE.address}>'

    scenario.at(START + timedelta(days=5, hours=1))
    assert [m.status for m in scenario.store.outbox() if m.key == mail.key] == ["sent"]
    (got,) = [m for m in scenario.tenant.messages(JANE.address) if m["subject"] == "Comma check"]
    to = got["toRecipients"]
    assert [(r["emailAddress"]["name"], r["emailAddress"]["address"]) for r in to] == [
        (JANE.name, JANE.address)]
    assert [r["emailAddress"]["name"] for r in got["ccRecipients"]] == ["Mia, the manager"]


def test_migration_0006_converts_comma_joined_recipients(empty_db_url: str) -> None:
    """Rows queued before 0006 come back as recipient lists (a comma inside a name stays in
    the name; a bare address is kept); a downgrade writes the comma form back."""
    engine = make_engine(empty_db_url)
    migrate_to(engine, "0005")
    old = {
        "summary": ("Doe, Jane <jane@x.test>,Rob Report <r@x.test>", ""),
        "reminder": ("Mia Manager <m@x.test>", "Doe, Jane <jane@x.test>"),
        "bare": ("plain@x.test", ""),
    }
    with engine.begin() as conn:
        pid = insert_old_pair(conn, NOW)
        for kind, (to, cc) in old.items():
            conn.execute(text(
                "INSERT INTO outbox (key, kind, pairing_id, mailbox, recipients, cc, subject,"
                " body_html, tag, status, attempts, last_error, created_at) VALUES (:k, :k, :p,"
                " 'm', :to, :cc, 's', 'b', :k, 'pending', 0, '', :t)"),
                {"k": kind, "p": pid, "to": to, "cc": cc, "t": NOW})

    migrate_to(engine, "head")
    assert current_revision(engine) == head_revision()
    mails = {m.kind: m for m in Store(engine).outbox()}
    assert mails["summary"].to == (Recipient("Doe, Jane", "jane@x.test"),
                                   Recipient("Rob Report", "r@x.test"))
    assert mails["summary"].cc == ()
    assert mails["reminder"].to == (Recipient("Mia Manager", "m@x.test"),)
    assert mails["reminder"].cc == (Recipient("Doe, Jane", "jane@x.test"),)
    assert mails["bare"].to == (Recipient("", "plain@x.test"),)

    migrate_to(engine, "0005", down=True)
    with engine.connect() as conn:
        back = dict(conn.execute(text("SELECT kind, recipients FROM outbox")).all())
    assert back == {kind: to for kind, (to, _cc) in old.items()}
    engine.dispose()
