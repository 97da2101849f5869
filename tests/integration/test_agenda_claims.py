"""Agendas are written for pairs claimed a chunk at a time, their history read in bulk after
the claim: a pair another live worker holds is left to it (no second update), and gets its
agenda on a later run once the lease is gone; the other pairs are written as usual."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from service.app import job_context
from service.domain.status import AgendaState
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
OTHER = "another-host.example:4242"  # a live worker elsewhere: its lease is never taken over


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def _run(settings, tenant: SandboxTenant, now: datetime):
    tenant.now = lambda: now

    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


def test_a_pair_held_elsewhere_waits_and_the_others_are_written(tmp_path, settings_for
                                                                ) -> None:
    db = f"sqlite:///{tmp_path / 'claims.db'}"
    settings = settings_for(db)
    tenant = SandboxTenant(seed="agenda-claims", now=lambda: START)
    mia = tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    for name in ("Rob Report", "Nia York", "Ola Smith"):
        tenant.add_user(name, f"{name.split()[0].lower()}@contoso.example", manager=mia,
                        hire_date=date(2021, 3, 1))
    store = Store(make_engine(db))
    assert _run(settings, tenant, START).schedule.failed == []
    views = {v.report.email: v for v in store.views(["active"])}
    assert len(views) == 3
    held = views["nia@contoso.example"].pairing.id
    now = START

    def injected(pairing_id: int) -> list:
        return [o for o in store.pairing_occurrences(pairing_id)
                if o.agenda_state == AgendaState.INJECTED]

    # Another worker holds Nia's pair (its lease renewed each run) until her first meeting,
    # listed once its agenda fell due, is a day away.
    while True:
        now += timedelta(hours=12)
        assert now < START + timedelta(days=60)
        listed = store.pairing_occurrences(held)
        if listed and listed[0].start - now <= timedelta(hours=24):
            break
        assert store.claim(held, OTHER, now, timedelta(hours=13))
        assert _run(settings, tenant, now).agenda.failed == []
        assert injected(held) == []
    assert listed[0].agenda_state == AgendaState.PENDING  # due, and left to its holder
    store.release(held, OTHER)
    assert _run(settings, tenant, now).agenda.failed == []
    assert injected(held)
    while not all(injected(v.pairing.id) for v in views.values()):
        now += timedelta(hours=12)
        assert now < START + timedelta(days=60)
        assert _run(settings, tenant, now).agenda.failed == []
    # Each agenda once: one PATCH per injected meeting.
    for occ in (o for v in views.values() for o in injected(v.pairing.id)):
        assert occ.agenda_updates == 1
        assert sum(1 for m, p, _ in tenant.requests
                   if m == "PATCH" and p.endswith("/events/" + occ.event_id)) == 1
