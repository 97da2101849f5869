"""One manager's mailbox throttled for long (another app using it: 429 with a Retry-After of
an hour, on every request) holds no run up: her work fails at once, as throttled, and is
left for the next run; everyone else's agendas and mail go out in the same run; and once
Graph lets her mailbox be, the next run does her work. Nothing is failed for good."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

from service.app import job_context
from service.domain.records import MailRecord, Recipient
from service.domain.status import AgendaState, OutboxStatus
from service.graph.waits import THROTTLE_BUDGET
from service.jobs.tick import TickReport, tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
# The longest a mailbox is left alone for one Retry-After (jobs/held_mailboxes.py HOLD_MAX).
HOLD_MAX = timedelta(hours=1)


def org() -> SandboxTenant:
    t = SandboxTenant(seed="throttled-mailbox", now=lambda: START)
    mia = t.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1))
    ola = t.add_user("Ola Olsen", "ola@contoso.example", hire_date=date(2020, 1, 1))
    t.add_user("Sam Smith", "sam@contoso.example", manager=ola, hire_date=date(2021, 3, 1))
    return t


def run(settings, tenant: SandboxTenant, now: datetime, slept: list[float]) -> TickReport:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)  # what the run would have waited

    async def go() -> TickReport:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": sleep}) as ctx:
            return await tick(ctx, now)

    tenant.now = lambda: now
    return asyncio.run(go())


def test_a_mailbox_throttled_for_long_holds_no_one_else_up(db_url, settings_for) -> None:
    settings = settings_for(db_url)
    tenant = org()
    slept: list[float] = []
    assert run(settings, tenant, START, slept).failed_steps == []
    store = Store(make_engine(db_url))
    views = {v.manager.email: v for v in store.views()}
    mails = {}
    for email, view in views.items():  # a mail from each manager, waiting to go
        mails[email] = MailRecord(
            key=f"p{view.pairing.id}:summary", kind="summary", pairing_id=view.pairing.id,
            occurrence_id=None, mailbox=view.manager.id,
            to=(Recipient(name=view.report.name, address=view.report.email),),
            subject="Your 1-2-1", body_html="<p>notes</p>", tag=f"tag-{view.pairing.id}",
            created_at=START)
        assert store.enqueue(mails[email])
    mia = views["mia@contoso.example"].manager.id
    tenant.inject_fault("*", rf"^/users/({re.escape(mia)}|mia@contoso\.example)/", 429,
                        times=10**6, retry_after=3600, code="ApplicationThrottled")
    tenant.requests.clear()

    later = START + timedelta(days=7)  # agendas due for both pairs (1 and 2 December)
    slept.clear()
    result = run(settings, tenant, later, slept)

    assert sum(slept) <= THROTTLE_BUDGET  # (waited out, Graph's hour held the run 20 min)
    assert result.failed_steps == []
    # Mia's mailbox was asked once or so (a few in flight at once), then left alone.
    asked_mia = [p for _m, p, who in tenant.requests if who == mia]
    assert len(asked_mia) <= settings.microsoft.max_in_flight_per_mailbox, asked_mia

    def sent(email: str) -> str:
        return next(m.status for m in store.outbox() if m.key == mails[email].key)

    def agendas(email: str) -> list[str]:
        return [o.agenda_state for o in store.pairing_occurrences(views[email].pairing.id)
                if o.start < later + timedelta(days=7)]

    assert sent("ola@contoso.example") == OutboxStatus.SENT
    assert AgendaState.INJECTED in agendas("ola@contoso.example")
    held = next(m for m in store.outbox() if m.key == mails["mia@contoso.example"].key)
    assert held.status == OutboxStatus.PENDING, held  # not failed: sent later
    assert "left for the next run" in held.last_error
    assert "max_in_flight_per_mailbox" in held.last_error
    assert AgendaState.INJECTED not in agendas("mia@contoso.example")

    tenant.reset_counters()  # Graph lets her mailbox be, and the hour it asked for is over
    again = run(settings, tenant, later + HOLD_MAX + timedelta(minutes=1), slept)
    assert again.failed_steps == []
    assert sent("mia@contoso.example") == OutboxStatus.SENT
    assert AgendaState.INJECTED in agendas("mia@contoso.example")
