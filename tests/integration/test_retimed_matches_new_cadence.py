"""A manager who found weekly 1-2-1s with a new starter too many changes the whole series to
monthly in Outlook; onetoone follows her pattern. When the new starter's 90 days pass, the
policy asks for monthly too: her series already is what the policy now wants, so it stays
(before: it was ended, every meeting of hers cancelled with a mail to the report, and a new
monthly series booked at another time, only because the policy "changed")."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.app import job_context
from service.domain.cadence import week_index_of
from service.domain.model import WEEKDAYS
from service.domain.status import SeriesStatus
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MIA, BEN = "mia@contoso.example", "ben@contoso.example"


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def test_a_series_the_manager_made_monthly_stays_when_the_policy_turns_monthly(
        tmp_path: Any, settings_for: Any) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'retimed.db'}")
    tenant = SandboxTenant(seed="retimed-new-cadence", now=lambda: START)
    mia = tenant.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1))
    # 90 days from his hire date end on 3 December: weekly until then, monthly after.
    tenant.add_user("Ben New", BEN, manager=mia, hire_date=date(2026, 9, 4))
    store = Store(make_engine(settings.database.url))
    ended: list[str] = []

    def run(now: datetime) -> None:
        tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        ended.extend(asyncio.run(go()).schedule.ended)

    def ben() -> Any:
        return next(v for v in store.views() if v.report.email == BEN)

    run(START)
    # Booked weekly up to the day before the 90 days end, its monthly follow-on with it.
    follow_on = ben().series
    assert follow_on is not None and follow_on.cadence == "monthly"
    (weekly,) = [s for s in store.pairing_series(ben().pairing.id) if s.cadence == "weekly"]
    # Mia makes the whole series monthly in Outlook, from its first meeting on.
    zone = ZoneInfo(weekly.time_zone)
    hh, mm = (int(x) for x in weekly.start_time.split(":"))
    first = datetime(weekly.first_date.year, weekly.first_date.month, weekly.first_date.day,
                     hh, mm, tzinfo=zone)
    tenant.person_retime_series(MIA, weekly.event_id, first,
                                first + timedelta(minutes=weekly.minutes), recurrence={
        "pattern": {"type": "relativeMonthly", "interval": 1,
                    "daysOfWeek": [WEEKDAYS[first.weekday()]],
                    "index": week_index_of(first.date())},
        "range": {"type": "endDate", "startDate": first.date().isoformat(),
                  "endDate": weekly.range_end.isoformat(),
                  "recurrenceTimeZone": weekly.time_zone}})
    now = START
    while now < datetime(2026, 12, 3, 18, 0, tzinfo=UTC):
        now += timedelta(hours=12)
        run(now)
    followed = store.series(weekly.id)  # the premise: her pattern is followed, the policy
    assert followed is not None  # still weekly
    assert (followed.cadence, followed.policy_cadence) == ("monthly", "weekly")
    while now < datetime(2026, 12, 10, 6, 0, tzinfo=UTC):
        now += timedelta(hours=12)
        run(now)
    view = ben()
    assert view.pairing.cadence == "monthly"  # the policy's, now the 90 days are over
    # The follow-on booked with Ben takes over, as planned; nothing is ended or cancelled.
    assert view.series is not None and view.series.id == follow_on.id, ended
    assert (view.series.cadence, view.series.status) == ("monthly", SeriesStatus.ACTIVE)
    assert ended == []
    assert tenant.meeting_messages(BEN, "cancel") == []
