"""Times offered for a missed 1-2-1 avoid the report's public holiday also when it falls on
the day after (or before) the cadence window's last (first) day in the manager's zone: a New
York manager's Monday 16:30 is Tuesday 08:30 in Sydney, so for a Sydney report the Monday at
the window's end lands on Australia Day (Tuesday 26 January), which the offer must not
name. (Holidays were gathered only for the window's own manager-local days.)"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.app import job_context
from service.config import HolidaySettings
from service.domain.model import CadenceKind
from service.graph.client import parse_graph_datetime
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings

START = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
SYDNEY = ZoneInfo("Australia/Sydney")
AUSTRALIA_DAY = date(2027, 1, 26)  # a Tuesday: New South Wales, not New York


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def test_offered_times_skip_the_reports_holiday_across_the_date_line(tmp_path,
                                                                     db_url) -> None:
    tenant = SandboxTenant(seed="sydney", now=lambda: START)
    mia = tenant.add_user("Mia Hart", "mia@contoso.example", time_zone="Eastern Standard Time",
                          hire_date=date(2020, 1, 1), working_hours={
                              "startTime": "08:00:00.0000000", "endTime": "18:00:00.0000000"})
    tenant.add_user("Rob Lane", "rob@contoso.example", manager=mia,
                    time_zone="AUS Eastern Standard Time", hire_date=date(2021, 1, 1),
                    working_hours={"startTime": "08:00:00.0000000"})
    base = make_settings(tmp_path, db_url, default_cadence=CadenceKind.WEEKLY)
    settings = dataclasses.replace(base, holidays=HolidaySettings(
        people=(("rob@contoso.example", "AU-NSW"),)))
    store = Store(make_engine(db_url))

    def at(now: datetime) -> None:
        tenant.now = lambda: now

        async def go() -> None:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                await tick(ctx, now)

        asyncio.run(go())

    at(START)
    (view,) = store.views()
    assert view.series is not None
    master = next(e for e in tenant.events("mia@contoso.example")
                  if e["id"] == view.series.event_id)
    zone = ZoneInfo(view.series.time_zone)
    # On Monday 18th Mia cancels Wednesday 20 January's meeting (New York) in Outlook, and
    # onetoone next runs on Saturday 23rd (its worker was down): what is left of the
    # weekly window (± 3 working days) is Monday 25th.
    (wednesday,) = (o for o in occurrences(master, START, START + timedelta(days=30))
                    if parse_graph_datetime(o["start"]).astimezone(zone).date()
                    == date(2027, 1, 20))
    now = START
    while now < datetime(2027, 1, 18, 6, 0, tzinfo=UTC):  # daily runs: meetings mirrored
        now += timedelta(days=1)
        at(now)
    tenant.person_cancel("mia@contoso.example", wednesday["id"], "Off sick")
    at(datetime(2027, 1, 23, 8, 0, tzinfo=UTC))
    (rebook,) = [r for r in store.rebooks() if r.missed_occurrence_id == next(
        o.id for o in store.pairing_occurrences(view.pairing.id)
        if o.original_start.astimezone(zone).date() == date(2027, 1, 20))]
    days = [datetime.fromisoformat(s).astimezone(SYDNEY).date()
            for s, _e in json.loads(rebook.slots)]
    assert AUSTRALIA_DAY not in days, f"offered on Australia Day in Sydney: {days}"
