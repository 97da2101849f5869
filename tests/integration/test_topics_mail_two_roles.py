"""Topics by email from a middle manager: the report of their own manager in one pair and
the manager of their reports in others. Each acknowledgement says whose 1-2-1 the topics went
to, not only its date: the agenda's "add a topic" link gives every pair the same subject, and
such a person often has both 1-2-1s on the same day."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import date, datetime, timedelta
from typing import Any

from service.app import job_context
from service.domain.topics import topics_address
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep

BOX = "onetoone@contoso.example"
DAN, MO, IVY = "dan@contoso.example", "mo@contoso.example", "ivy@contoso.example"
LINK_SUBJECT = "Topic for our 1-2-1"  # what the agenda's mailto link fills in, for every pair


def _run(settings: Any, tenant: SandboxTenant, now: datetime) -> None:
    tenant.now = lambda: now

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await tick(ctx, now)

    asyncio.run(go())


def _said(tenant: SandboxTenant, email: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", m["body"]["content"]).split())
            for m in tenant.messages(email) if m["subject"] == "Re: " + LINK_SUBJECT]


def test_a_middle_managers_acknowledgements_name_whose_1_2_1(db_url, settings_for) -> None:
    base = settings_for(db_url)
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = SandboxTenant(seed="two-roles", now=lambda: START)
    dan = tenant.add_user("Dan Director", DAN, hire_date=date(2020, 1, 1))
    mo = tenant.add_user("Mo Middle", MO, manager=dan, hire_date=date(2020, 1, 1))
    tenant.add_user("Ivy Ic", IVY, manager=mo, hire_date=date(2021, 1, 1))
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    _run(settings, tenant, START)
    store = Store(make_engine(settings.database.url))
    pairs = {(v.manager.email, v.report.email): v for v in store.views()}
    above, below = pairs[(DAN, MO)], pairs[(MO, IVY)]

    # Mo uses the link in each invite: one mail as Dan's report, one as Ivy's manager.
    compose(tenant, MO, [topics_address(BOX, above.pairing.key)], LINK_SUBJECT,
            "<p>Headcount for Q1</p>")
    compose(tenant, MO, [topics_address(BOX, below.pairing.key)], LINK_SUBJECT,
            "<p>Team offsite</p>")
    _run(settings, tenant, START + timedelta(minutes=10))
    assert [(t.text, t.by) for t in store.open_topics(above.pairing.id)] == [
        ("Headcount for Q1", "report")]
    assert [(t.text, t.by) for t in store.open_topics(below.pairing.id)] == [
        ("Team offsite", "manager")]

    said = _said(tenant, MO)
    assert len(said) == 2, said
    (to_dan,) = [s for s in said if "Headcount for Q1" in s]
    (to_ivy,) = [s for s in said if "Team offsite" in s]
    assert "on the agenda for your 1-2-1 with Dan Director on" in to_dan, to_dan
    assert "on the agenda for your 1-2-1 with Ivy Ic on" in to_ivy, to_ivy

    # Sent again to Ivy's pair: already on that list, and the reply says which list.
    compose(tenant, MO, [topics_address(BOX, below.pairing.key)], LINK_SUBJECT,
            "<p>team offsite</p>")
    _run(settings, tenant, START + timedelta(minutes=20))
    again = [s for s in _said(tenant, MO) if s not in said]
    assert len(again) == 1 and (
        "already on the list for your next 1-2-1 with Ivy Ic, so nothing was added"
        in again[0]), again
