"""An action due "end of week" in a Sunday-Thursday organisation (the Gulf, Israel) is due
on the Thursday that ends the manager's working week, not on the Friday after it: a Friday
there is the weekend, and the summary and next agenda would show the action as due a day
nobody works (and overdue only a day late)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from service.app import job_context
from service.domain.model import CadenceKind
from service.domain.slot_text import describe_days
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, person_types

SUN_TO_THU = ["sunday", "monday", "tuesday", "wednesday", "thursday"]
DUBAI = ZoneInfo("Asia/Dubai")


def test_end_of_week_is_the_last_day_of_a_sunday_to_thursday_week(tmp_path,
                                                                 settings_for) -> None:
    db = f"sqlite:///{tmp_path / 'eow.db'}"
    settings = settings_for(db, weekdays=tuple(SUN_TO_THU), default_cadence=CadenceKind.WEEKLY)
    tenant = SandboxTenant(seed="eow", now=lambda: START)
    hours = {"daysOfWeek": SUN_TO_THU, "startTime": "08:00:00.0000000",
             "endTime": "16:00:00.0000000",
             "timeZone": {"name": "Arabian Standard Time"}}
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1),
                    time_zone="Arabian Standard Time", working_hours=hours)
    tenant.add_user("Rob Report", "rob@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 3, 1), time_zone="Arabian Standard Time",
                    working_hours=hours)
    store = Store(make_engine(db))

    def at(now):
        tenant.now = lambda: now

        async def go():
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)
        return asyncio.run(go())

    at(START)
    now = START + timedelta(hours=12)
    while not store.pairing_occurrences(store.views()[0].pairing.id):
        at(now)  # until the first meeting is stored
        now += timedelta(hours=12)
    (view,) = store.views()
    occ = store.pairing_occurrences(view.pairing.id)[0]
    person_types(tenant, occ, ["Went well."], ["Rob: send the plan by end of week"],
                 tick_all=False)
    at(occ.end + timedelta(hours=1))
    (action,) = store.actions(view.pairing.id)
    meeting = occ.start.astimezone(DUBAI).date()
    assert action.due is not None
    assert action.due.weekday() == 3 and 0 <= (action.due - meeting).days < 7, (
        f"meeting {meeting:%a %d %b}, due {action.due:%a %d %b}")
    # The week as the admin reads it, where a working week is named (needs a look, errors).
    assert describe_days(range(7)) == "Mon–Sun"
    assert describe_days({6, 0, 1, 2, 3}) == "Sun–Thu"
