"""Times offered for a missed 1-2-1 avoid the public holidays of each person's own region,
also when that region comes from a [holidays.groups] entry: a company whose Bavarian staff
are a group (DE-BY) beside a default of England must not be offered Epiphany (6 January, a
holiday in Bavaria, not in England) to rebook a cancelled meeting, as the absence step
already knows when it moves their meetings."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.app import job_context
from service.config import HolidaySettings
from service.domain.model import CadenceKind
from service.domain.timing import agenda_due_at
from service.graph.client import parse_graph_datetime
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings

BERLIN = "W. Europe Standard Time"
START = datetime(2026, 12, 28, 6, 0, tzinfo=UTC)
EPIPHANY = date(2027, 1, 6)  # Wednesday: Bavaria (DE-BY), not England


def graph_start(event: dict) -> datetime:
    return parse_graph_datetime(event["start"])


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def test_offered_times_skip_a_group_regions_public_holiday(tmp_path, db_url) -> None:
    tenant = SandboxTenant(seed="bavaria", now=lambda: START)
    bavaria = tenant.add_group("Bavaria staff")["id"]
    max_ = tenant.add_user("Max Bauer", "max@contoso.example", time_zone=BERLIN,
                           groups=[bavaria], hire_date=date(2020, 1, 1))
    tenant.add_user("Rita Huber", "rita@contoso.example", manager=max_, time_zone=BERLIN,
                    groups=[bavaria], hire_date=date(2021, 1, 1))
    base = make_settings(tmp_path, db_url, default_cadence=CadenceKind.WEEKLY,
                         weekdays=("thursday",))
    settings = dataclasses.replace(base, holidays=HolidaySettings(
        groups=((bavaria, "DE-BY"),)))
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
    zone = ZoneInfo(view.series.time_zone)
    # Max cancels Thursday 7 January's meeting in Outlook, well before it: he is at a
    # trade fair all that day.
    master = next(e for e in tenant.events("max@contoso.example")
                  if e["id"] == view.series.event_id)
    (thursday,) = (o for o in occurrences(master, START, START + timedelta(days=30))
                   if graph_start(o).astimezone(zone).date() == date(2027, 1, 7))
    tenant.person_cancel("max@contoso.example", thursday["id"], "Trade fair")
    tenant.add_event("max@contoso.example", "Trade fair",
                     datetime(2027, 1, 7, 8, 0, tzinfo=zone),
                     datetime(2027, 1, 7, 18, 0, tzinfo=zone))
    at(agenda_due_at(graph_start(thursday).astimezone(zone), 2, frozenset(range(5)))
       + timedelta(hours=1))
    (rebook,) = store.rebooks()
    days = [datetime.fromisoformat(s).astimezone(zone).date()
            for s, _e in json.loads(rebook.slots)]
    assert days, "no times offered"
    assert EPIPHANY not in days, f"offered on Epiphany (Bavaria): {days}"
