"""A pair whose series the manager deleted keeps its cadence current while it waits for
`pairs reset`: the report became a manager meanwhile, so the reset pair is booked at the new
(fortnightly) cadence, not the old monthly one that the next pairs sync would end and book
again (an invitation, a cancellation and a second invitation for the report)."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from service.app import job_context
from service.jobs.tick import tick
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, holds_meetings, org, run, series_in


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def tick_without_sync(settings, tenant, now):
    """The worker's 15-minute tick (the pairs sync runs only every sync_minutes)."""
    tenant.now = lambda: now

    async def go():
        async with job_context(settings, now, sandbox=tenant) as ctx:
            return await tick(ctx, now, sync=False)

    return asyncio.run(go())


def rob_series(tenant, when):
    return [s for s in series_in(tenant, "mia@contoso.example")
            if s["attendees"][0]["emailAddress"]["address"] == "rob@contoso.example"
            and holds_meetings(s, when)]


def test_reset_pair_is_booked_at_the_cadence_it_has_now(settings) -> None:
    tenant = org()
    run(settings, tenant, NOW)
    store = Store(make_engine(settings.database.url))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    assert rob.pairing.cadence == "monthly"

    # Mia deletes the series in Outlook; the calendar read records it.
    event_id = rob.series.event_id

    async def delete():
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            await ctx.graph.request("DELETE", f"/users/mia@contoso.example/events/{event_id}")

    asyncio.run(delete())
    store.mark_series_deleted(rob.series.id, NOW)

    # Meanwhile Rob becomes a manager of others: the sync sees it.
    day = NOW + timedelta(days=3)
    tenant.add_user("Ann Hire", "ann@contoso.example", manager="rob@contoso.example",
                    hire_date=date(2020, 1, 1))
    run(settings, tenant, day)

    # The admin resets the pair; the worker's next tick (no sync due) books it.
    view = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    assert store.reset_pairing(view.pairing.key, day)
    later = day + timedelta(minutes=15)
    tick_without_sync(settings, tenant, later)
    booked = rob_series(tenant, later)
    assert len(booked) == 1
    assert booked[0]["recurrence"]["pattern"]["interval"] == 2, booked[0]["recurrence"]

    # ... and the next sync leaves it alone (no cancel and re-book).
    again = run(settings, tenant, later + timedelta(hours=1))
    assert again.schedule.ended == []
