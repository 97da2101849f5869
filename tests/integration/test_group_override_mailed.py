"""A report put in a group with a cadence override ([policy.groups], say a group for people
who need more support) gets their series re-booked at the group's cadence, and the old
series' cancellation tells them why. That reason must not name the group by its directory
id (before: "cadence changed to weekly (override for group 3b74aa87-…)", an id that means
nothing to the report and that anyone in the directory can look up); the admin's own view
(`onetoone pairs`, the stored reason) keeps it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.app import job_context
from service.domain.model import CadenceKind
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ROB = "rob@contoso.example"


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def test_the_cancellation_for_a_group_override_names_no_group_id(
        tmp_path: Any, settings_for: Any) -> None:
    tenant = SandboxTenant(seed="group-reason", now=lambda: START)
    group = tenant.add_group("Extra support")["id"]
    mia = tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    base = settings_for(f"sqlite:///{tmp_path / 'group.db'}")
    settings = dataclasses.replace(base, policy=dataclasses.replace(
        base.policy, groups=((group, CadenceKind.WEEKLY),)))

    def run(now: datetime) -> Any:
        tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def cancellations() -> list[str]:
        return [m["body"]["content"] for m in tenant.meeting_messages(ROB, "cancel")]

    run(START)
    assert cancellations() == []
    tenant.user(ROB)["groups"].append(group)  # Rob is to meet weekly for a while
    result = run(START + timedelta(days=1))
    assert any("weekly" in line for line in result.schedule.ended)
    store = Store(make_engine(settings.database.url))
    (view,) = [v for v in store.views() if v.report.email == ROB]
    assert view.pairing.cadence == "weekly" and group in view.pairing.cadence_reason
    said = cancellations()
    assert said and all("cadence changed to weekly" in text for text in said)
    assert not any(group in text for text in said), said
    assert all("override for one of their groups" in text for text in said)
