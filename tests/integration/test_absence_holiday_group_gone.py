"""A [holidays.groups] entry whose group is gone from Entra ID (deleted by hand, or by a
Microsoft 365 group expiry policy; or an id pasted from another tenant) has no members: its
override applies to nobody. It must not stop every other meeting's absence check, or nobody's
meeting moves off Christmas Day, for want of a group that only changes a few people's
holidays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.app import job_context
from service.jobs.absences import AbsenceReport, check_absences
from service.jobs.occurrences import sync_occurrences
from tests.integration.test_absences import (
    START,
    no_sleep,
    org,
    run_tick,
    settings_at,
)

GONE = "99999999-8888-7777-6666-555555555555"


def test_a_holiday_group_that_no_longer_exists_stops_no_move(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gone.db'}"
    settings = settings_at(tmp_path, db, groups=((GONE, "GB-SCT"),))
    tenant = org()
    for step in range(0, 44):  # up to Tue 22 Dec 18:00: nothing for the 25th checked yet
        run_tick(settings, tenant, START + timedelta(hours=12 * step))
    now = datetime(2026, 12, 23, 6, 0, tzinfo=UTC)
    tenant.now = lambda: now

    async def go() -> AbsenceReport:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, now)
            return await check_absences(ctx, now)

    report = asyncio.run(go())
    # The four Christmas Day meetings move as without the override (England for all)...
    assert len(report.moved) == 4, report.failed
    assert all("Christmas Day (England)" in m for m in report.moved)
    # ... and the missing group is named, so the setting gets fixed.
    assert any(GONE in f for f in report.failed)
