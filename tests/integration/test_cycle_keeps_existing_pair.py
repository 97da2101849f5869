"""A directory typo that makes a report their manager's manager (a two-person management
cycle) must not end the pair that already meets: the cycle's warning promises one series
until the directory is fixed, and the one kept should be the one that exists."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from service.app import job_context
from service.domain.status import PairingStatus
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, key
from tests.integration.test_directory_shapes import ANN, BOB, CEO, sync


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def status(settings: Any, tenant: SandboxTenant, manager: str, report: str) -> str | None:
    async def go() -> str | None:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            row = ctx.store.pairing_by_key(key(tenant, manager, report))
            return None if row is None else row.status

    return asyncio.run(go())


def test_a_cycle_typo_keeps_the_pair_that_already_meets(settings) -> None:
    tenant = SandboxTenant(seed="cycle-keep", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=ANN, hire_date=date(2020, 1, 1))
    sync(settings, tenant)
    assert status(settings, tenant, ANN, BOB) == PairingStatus.ACTIVE

    tenant.set_manager(ANN, BOB)  # HR typo: Bob (Ann's report) entered as Ann's manager
    plan = sync(settings, tenant)
    changed = sorted((a.kind, a.reason) for a in plan.actions if a.kind != "keep")
    # Ann has managed Bob all along; the typo must not end that pairing (its series
    # cancelled, Bob mailed) nor put Bob in Ann's manager's seat.
    assert status(settings, tenant, ANN, BOB) == PairingStatus.ACTIVE, changed
    assert status(settings, tenant, BOB, ANN) is None, changed
