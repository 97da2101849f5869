"""The `moved:` lines `tick` prints for meetings moved off a holiday or an absence give the
old day and the new time in the series' own time zone, and name it. A pair in Sydney whose
Friday 09:30 falls on Christmas Day is on Thursday 24 December in UTC: the line said its
meeting of the 24th was moved to the 24th (UTC's date beside the series' own time, no zone
named), so an admin east or west of UTC read the wrong day."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from service.app import job_context
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from tests.integration.test_absences import MIA, ROB, START, no_sleep, settings_at

SYDNEY = "AUS Eastern Standard Time"
# 09:00-10:30 in Sydney: every slot in the window is on the day before in UTC.
MORNINGS = {"startTime": "09:00:00.0000000", "endTime": "10:30:00.0000000"}


def _sydney_pair() -> SandboxTenant:
    tenant = SandboxTenant(seed="absences-sydney", now=lambda: START)
    mia = tenant.add_user("Mia Boss", MIA, time_zone=SYDNEY, working_hours=MORNINGS,
                          hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, time_zone=SYDNEY, working_hours=MORNINGS,
                    hire_date=date(2021, 1, 1))
    return tenant


def test_a_moved_line_gives_the_old_day_and_new_time_in_the_series_zone(
        tmp_path: Path) -> None:
    settings = settings_at(tmp_path, f"sqlite:///{tmp_path / 'sydney.db'}")
    tenant = _sydney_pair()
    moved: list[str] = []

    async def run(now) -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            report = await tick(ctx, now, sync=now == START)
            moved.extend(report.absences.moved if report.absences else [])

    for step in range(0, 48):  # every 12 hours to Christmas Eve
        now = START + timedelta(hours=12 * step)
        tenant.now = lambda now=now: now
        asyncio.run(run(now))
    assert len(moved) == 1, moved
    line = moved[0]
    assert line.startswith("Mia Boss & Rob Report 2026-12-25 → 2026-12-24 "), line
    assert "Australia/Sydney" in line and "Christmas Day (England)" in line, line
