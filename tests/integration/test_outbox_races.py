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


def test_a_sender_held_up_after_its_claim_sends_nothing_once_another_took_over(
        scenario) -> None:
    """Worker A claims the summary and is then held up before its sendMail leaves (a paused
    VM, a long throttle); another runner, 16 minutes on, finds it not in Sent Items, makes it
    pending again and sends it. When A goes on, its request does not leave: its claim is no
    longer the row's."""
    s = scenario
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 429, times=1)  # queued, not sent this run
    s.after_meeting()
    [row] = s.store.outbox()
    assert row.status == OutboxStatus.PENDING
    now = s.occ.end + timedelta(hours=2)
    later = now + timedelta(minutes=16)

    async def go():
        held, gate = asyncio.Event(), asyncio.Event()
        async with job_context(s.settings, now, sandbox=s.tenant,
                               graph_options={"sleep": no_sleep}) as a, \
                job_context(s.settings, later, sandbox=s.tenant,
                            graph_options={"sleep": no_sleep}) as b:
            send = a.graph.send_mail

            async def held_up(mailbox, payload, **kw):
                held.set()
                await gate.wait()  # A is held up here, after its claim
                return await send(mailbox, payload, **kw)

            a.graph.send_mail = held_up
            s.tenant.now = lambda: now
            task = asyncio.create_task(send_outbox(a, now))
            await held.wait()
            assert s.store.mail(row.id).status == OutboxStatus.SENDING
            s.tenant.now = lambda: later
            assert (await send_outbox(b, later)).sent == [row.key]
            gate.set()
            return await task

    a_report = asyncio.run(go())
    assert a_report.sent == []
    assert len(s.summaries()) == 1, f"summary delivered {len(s.summaries())} times"
    assert s.store.mail(row.id).status == OutboxStatus.SENT


def test_a_claim_is_stamped_anew_as_its_mail_leaves(scenario) -> None:
    """The claim's time is when the sendMail left, not when the row was claimed: Sent Items
    is given its whole SETTLE_AFTER from the send."""
    s = scenario
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 429, times=1)
    s.after_meeting()
    [row] = s.store.outbox()
    now = s.occ.end + timedelta(hours=2)
    stamps = []

    async def go():
        async with job_context(s.settings, now, sandbox=s.tenant,
                               graph_options={"sleep": no_sleep}) as a:
            send = a.graph.send_mail

            async def watched(mailbox, payload, fence=None):
                stamps.append(s.store.mail(row.id).claimed_at)

                def fence_seen() -> bool:
                    ok = fence()
                    stamps.append(s.store.mail(row.id).claimed_at)
                    return ok
                return await send(mailbox, payload, fence=fence_seen)

            a.graph.send_mail = watched
            s.tenant.now = lambda: now
            return await send_outbox(a, now)

    assert asyncio.run(go()).sent == [row.key]
    claimed, renewed = stamps
    assert renewed > claimed
    assert len(s.summaries()) == 1
