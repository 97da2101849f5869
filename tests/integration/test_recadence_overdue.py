"""A report who becomes a manager late in their monthly cycle: the pair is overdue at the
new (fortnightly) cadence already, since they last met five weeks ago. Their monthly series
ends and the fortnightly one's first meeting must come in the first week it can, not a whole
fortnight out (before: the old series' next meeting, days away, was cancelled and the new
series started eleven days after the change, the pair going 35 days without a 1-2-1)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.app import job_context
from service.domain.status import SeriesStatus
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ROB = "rob@contoso.example"


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def test_a_report_turned_manager_late_in_the_month_meets_within_a_week(
        tmp_path: Any, settings_for: Any) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'overdue.db'}")
    tenant = SandboxTenant(seed="overdue", now=lambda: START)
    mia = tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    store = Store(make_engine(settings.database.url))

    def run(now: datetime) -> Any:
        tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def rob() -> Any:
        return next(v for v in store.views() if v.report.email == ROB)

    now = START
    run(now)
    first = rob().series
    assert first is not None and first.cadence == "monthly"
    # Two monthly meetings go by; the change comes three days before the third.
    while True:
        now += timedelta(days=1)
        run(now)
        held = [o for o in store.pairing_occurrences(rob().pairing.id) if o.end <= now]
        if len(held) == 2:
            break
    coming = [o for o in store.pairing_occurrences(rob().pairing.id) if o.start > now]
    change = (coming[0].start - timedelta(days=3)) if coming else now + timedelta(days=25)
    while now < change:
        now += timedelta(days=1)
        run(now)
    last_met = max(o.start for o in held)
    assert (now - last_met).days > 14  # overdue at the new cadence already
    tenant.add_user("Zed Junior", "zed@contoso.example", manager=ROB,
                    hire_date=date(2023, 1, 1))
    run(now)

    view = rob()
    assert view.pairing.cadence == "fortnightly"
    assert view.series is not None and view.series.cadence == "fortnightly"
    assert [s.status for s in store.pairing_series(view.pairing.id)] == [
        SeriesStatus.ENDED, SeriesStatus.ACTIVE]
    # Two days' notice, then the first week: no later than the old series' own next would
    # have been, give or take a few days, rather than a fortnight on.
    earliest = now.date() + timedelta(days=2)
    assert view.series.first_date <= earliest + timedelta(days=6), (
        f"last met {last_met:%a %d %b}, changed {now:%a %d %b}, "
        f"first fortnightly meeting {view.series.first_date:%a %d %b}")
