"""Two workers settling the same mail (the duty worker and a `onetoone tick` from cron, or a
replica whose duty lapsed mid-run): a decision taken on an outbox row read earlier never
overwrites what the other did since, so the report gets the summary once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from service.app import job_context
from service.domain.status import OutboxStatus
from service.graph.wire import mail_message
from service.jobs.outbox import MailReport, _settle, send_outbox
from tests.integration.test_agenda_loop import no_sleep
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    """On SQLite and PostgreSQL: the claim is compared in the database."""
    return Scenario(settings_for(db_url))


def test_a_stale_settle_leaves_a_mail_another_worker_is_sending(scenario) -> None:
    s = scenario
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)  # not accepted
    s.after_meeting()
    [row] = s.store.outbox()
    assert row.status == OutboxStatus.SENDING
    now = s.occ.end + timedelta(hours=2)  # well past SETTLE_AFTER
    s.tenant.now = lambda: now

    # Runner B (a `onetoone tick` beside the worker, or a replica whose duty lapsed) lists
    # the rows in 'sending' at the start of its send step ...
    stale = s.store.outbox([OutboxStatus.SENDING])[0]

    async def go():
        async with job_context(s.settings, now, sandbox=s.tenant,
                               graph_options={"sleep": no_sleep}) as a, \
                job_context(s.settings, now, sandbox=s.tenant,
                            graph_options={"sleep": no_sleep}) as b:
            # ... runner A settles the same row (not in Sent Items: pending again) and
            # claims it; its sendMail is in flight.
            await _settle(a, s.store.mail(row.id), now, MailReport())
            assert s.store.mail(row.id).status == OutboxStatus.PENDING
            assert s.store.claim_mail(row.id, a.moved_on(now))
            # B now settles from its stale copy: Sent Items does not have it yet, and the
            # stale claimed_at is old, so B writes 'pending' over A's claim ...
            await _settle(b, stale, now, MailReport())
            # ... and B's send step claims and sends it.
            await send_outbox(b, now)
            # A's send completes.
            m = s.store.mail(row.id)
            await a.graph.send_mail(m.mailbox, mail_message(
                subject=m.subject, body_html=m.body_html, to=[(r.address, r.name) for r in m.to],
                cc=[], tag=m.tag, key=m.key, reply_to=[], automatic=True))
            s.store.finish_mail(row.id, OutboxStatus.SENT, now)

    asyncio.run(go())
    assert len(s.summaries()) == 1, f"summary delivered {len(s.summaries())} times"


def test_a_stale_settle_leaves_a_mail_sent_meanwhile(scenario) -> None:
    """The same race where A has already sent and recorded 'sent', and Sent Items does not
    show a message a second old yet: B's stale decision must not make it pending again."""
    s = scenario
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 503, times=1)
    s.after_meeting()
    [row] = s.store.outbox()
    now = s.occ.end + timedelta(hours=2)
    s.tenant.now = lambda: now
    stale = s.store.outbox([OutboxStatus.SENDING])[0]  # B's list

    async def go():
        async with job_context(s.settings, now, sandbox=s.tenant,
                               graph_options={"sleep": no_sleep}) as a, \
                job_context(s.settings, now, sandbox=s.tenant,
                            graph_options={"sleep": no_sleep}) as b:
            await send_outbox(a, now)  # A: settle -> pending -> claim -> send -> sent
            assert s.store.mail(row.id).status == OutboxStatus.SENT

            async def lagging(*_a, **_k):  # Sent Items does not list it yet
                return False
            b.graph.find_sent = lagging
            await _settle(b, stale, now, MailReport())
            await send_outbox(b, now)

    asyncio.run(go())
    assert len(s.summaries()) == 1, f"summary delivered {len(s.summaries())} times"
