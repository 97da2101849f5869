"""Whether a renamed pair's series still holds a meeting to come goes by the day where it
meets (its zone), not the UTC day. By the UTC day, a Sydney series over since its last
meeting that morning was still updated until midnight UTC (11 hours on), sending the
report a "meeting updated" for a series all past; and a Los Angeles series' last meeting,
at 17:00 that day (already the next day in UTC), kept the old name."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from service.app import job_context
from service.jobs.renames import rename_series
from service.jobs.series_plan import ScheduleReport
from service.store.db import make_engine
from service.store.models import PersonRow, SeriesRow
from tests.integration.test_mail import Scenario, no_sleep

LAST_DAY = date(2027, 3, 10)


def rename_at(scenario: Scenario, zone: str, now: datetime) -> ScheduleReport:
    """Rob renamed, his series with Mia in ``zone`` ending on LAST_DAY, marked at ``now``;
    the rename job run then."""
    series = scenario.rob.series
    assert series is not None
    with make_engine(scenario.settings.database.url).begin() as conn:
        conn.execute(update(SeriesRow).where(SeriesRow.id == series.id).values(
            time_zone=zone, range_end=LAST_DAY, rename_due_at=now))
        conn.execute(update(PersonRow).where(PersonRow.id == scenario.rob.report.id)
                     .values(name="Rob Renamed"))
    scenario.tenant.now = lambda: now
    scenario.tenant.reset_counters()
    report = ScheduleReport()

    async def go() -> None:
        async with job_context(scenario.settings, now, sandbox=scenario.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await rename_series(ctx, now, report)

    asyncio.run(go())
    return report


@pytest.mark.parametrize(("zone", "now", "updated"), [
    # 07:00 on 11 March in Sydney (20:00 on the 10th in UTC): the series is over.
    ("Australia/Sydney", datetime(2027, 3, 10, 20, tzinfo=UTC), False),
    # 16:00 on 10 March in Los Angeles (00:00 on the 11th in UTC): its last day.
    ("America/Los_Angeles", datetime(2027, 3, 11, 0, tzinfo=UTC), True),
])
def test_a_rename_reaches_a_series_until_its_last_local_day_ends(
        tmp_path: Any, settings_for: Any, zone: str, now: datetime, updated: bool) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'rename-day.db'}"))
    series = scenario.rob.series
    assert series is not None and series.event_id
    done = rename_at(scenario, zone, now)
    master = rf"^/users/[^/]+/events/{series.event_id}$"
    assert scenario.tenant.count("PATCH", master) == (1 if updated else 0)
    assert done.renamed == (["Mia Manager & Rob Renamed"] if updated else [])
    assert done.failed == [] and scenario.store.renames_due() == []
