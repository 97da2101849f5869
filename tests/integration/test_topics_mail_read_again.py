"""A topics mail (or a private note) read a second time after it was kept (the run failed
before the reply was queued: the database away for a moment, the worker killed; or a second
process read the same unread mail at once) must still get the reply saying where its topics
went. It was told instead that they were "already on the list, so nothing was added": true of
the list, false of the mail, which added them, and the report is left thinking their topics
were lost. A private note read again got no reply at all: the manager never heard it was kept.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from service.domain.topics import private_address, topics_address
from service.errors import StoreError
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.outbox import OutboxRepository
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, org
from tests.integration.test_schedule_job import run
from tests.integration.test_topics_mail import BOX


def _with_service_mailbox(settings):
    """The demo organisation with a service mailbox, scheduled as of START: its tenant, its
    store, a tick as of an instant, and Rob's pairing."""
    settings = dataclasses.replace(settings, mail=dataclasses.replace(settings.mail,
                                                                      topics_mailbox=BOX))
    tenant = org()
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    store = Store(make_engine(settings.database.url))

    def run_at(now):
        return run(settings, tenant, now)

    run_at(START)
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    return tenant, store, run_at, rob


def _reply_queue_fails_once(monkeypatch: pytest.MonkeyPatch, kind: str) -> list[str]:
    """The database goes away just as the first reply of ``kind`` is queued."""
    real = OutboxRepository.enqueue
    failed: list[str] = []

    def enqueue(self, mail):
        if mail.kind == kind and not failed:
            failed.append(mail.key)
            raise StoreError("The database could not be reached (connection reset).")
        return real(self, mail)

    monkeypatch.setattr(OutboxRepository, "enqueue", enqueue)
    return failed


def test_a_topics_mail_read_again_gets_the_reply_for_the_topics_it_added(
        db_url, settings_for, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, store, run_at, rob = _with_service_mailbox(settings_for(db_url))
    later = START + timedelta(days=1)
    tenant.now = lambda: later
    compose(tenant, "rob@contoso.example", [topics_address(BOX, rob.pairing.key)],
            "Career chat", "<p>The team lead role</p>")
    failed = _reply_queue_fails_once(monkeypatch, "topic_reply")
    first = run_at(later)
    assert failed and first.topics is not None and first.topics.failed
    assert [t.text for t in store.open_topics(rob.pairing.id)] == [
        "Career chat: The team lead role"]
    run_at(later + timedelta(minutes=15))  # the mail, still unread, read again
    run_at(later + timedelta(minutes=30))
    (reply,) = [m for m in tenant.messages("rob@contoso.example")
                if m["subject"] == "Re: Career chat"]
    text = reply["body"]["content"]
    assert "nothing was added" not in text, (
        "the reply to a mail whose topic was added says nothing was added: " + text)
    assert "Career chat: The team lead role" in text
    assert len(store.open_topics(rob.pairing.id)) == 1


def test_a_private_note_read_again_still_gets_its_reply(
        tmp_path, settings_for, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, _store, run_at, rob = _with_service_mailbox(
        settings_for(f"sqlite:///{tmp_path / 't.db'}"))
    later = START + timedelta(days=1)
    tenant.now = lambda: later
    compose(tenant, "mia@contoso.example", [private_address(BOX, rob.pairing.key)],
            "Private note", "<p>Check his workload quietly</p>")
    failed = _reply_queue_fails_once(monkeypatch, "private_reply")
    run_at(later)
    assert failed
    run_at(later + timedelta(minutes=15))
    run_at(later + timedelta(minutes=30))
    kept = [m for m in tenant.messages("mia@contoso.example")
            if m["subject"].startswith("Private note kept")]
    assert len(kept) == 1, f"{len(kept)} replies to a private note kept on its second read"
