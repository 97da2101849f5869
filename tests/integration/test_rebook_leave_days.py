"""A rebooking offer never names a time on a day either person is on leave.

Leave is booked as timed out-of-office events for the office day (09:00–17:00, as leave
systems and most people book it) while Outlook's working hours are Exchange's default
08:00–17:00. The absence step already treats such a day as a day off (the hour left at 08:00
is no time for a 1-2-1); rebooking must too. Before Christmas a manager cancels the weekly
1-2-1 of a report who is off until the new year: offering 08:00 on the report's days of
leave would book a meeting the report cannot attend.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.sandbox.routing import SandboxTenant
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import MIA, ROB, World, _start

LONDON = ZoneInfo("Europe/London")
OUTLOOK_HOURS = {"startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000"}
LEAVE = [date(2026, 12, 14) + timedelta(days=n) for n in range(18)]  # to Thu 31 Dec


def _tenant() -> SandboxTenant:
    t = SandboxTenant(seed="rebook-leave", now=lambda: START)
    mia = t.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1),
                     working_hours=OUTLOOK_HOURS)
    t.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1),
               working_hours=OUTLOOK_HOURS)
    return t


def test_no_time_is_offered_on_a_day_of_the_reports_leave(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    world.settings = settings_for(world.settings.database.url, default_cadence="weekly")
    world.tenant = _tenant()
    world.tick(START)
    rob = world.view(ROB)
    # Rob's leave, booked day by day for the office day, weekdays only.
    for day in LEAVE:
        if day.weekday() < 5:
            world.tenant.add_event(ROB, "Annual leave",
                                   datetime.combine(day, time(9), tzinfo=LONDON),
                                   datetime.combine(day, time(17), tzinfo=LONDON),
                                   show_as="oof")
    meeting = next(i for i in world.instances(rob.series, START)
                   if _start(i).date() >= date(2026, 12, 21))
    world.tenant.person_cancel(MIA, meeting["id"], "Rob's on leave that week")
    world.tick(world.due(rob, _start(meeting)))
    offered = [datetime.fromisoformat(s) for rebook in world.store.rebooks()
               for s, _e in json.loads(rebook.slots)]
    on_leave = [f"{s.astimezone(LONDON):%a %d %b %H:%M}" for s in offered
                if s.astimezone(LONDON).date() in LEAVE]
    assert not on_leave, f"offered on Rob's days of leave: {on_leave}"
    assert all(s.astimezone(UTC).date() not in LEAVE for s in offered)
