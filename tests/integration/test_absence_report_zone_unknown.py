"""A report whose time zone onetoone cannot tell (both of Outlook's zones custom ones, or
mailbox settings it could not read) works 09:00-17:00 in the manager's zone: booking and
rebooking took it so, but the absence check put them in the policy's default zone. A New
York pair's Monday 14:00 on Martin Luther King Jr. Day was moved to Tuesday 11:00: the report
was taken to work 09:00-17:00 London, 04:00-12:00 in New York."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.config.settings import HolidaySettings
from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_custom_time_zone import CUSTOM
from tests.integration.test_schedule_job import run

NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # MLK Day is Monday 18 January 2027


def test_a_holiday_moves_the_meeting_to_the_same_time_of_the_managers_day(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'mlk.db'}"
    tenant = SandboxTenant(seed="mlk", now=lambda: START)
    mia = tenant.add_user("Mia Boss", "mia@contoso.example", hire_date=date(2020, 1, 1),
                          time_zone="Eastern Standard Time")
    tenant.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 1, 1),
                    time_zone="Customized Time Zone",
                    working_hours={"startTime": "09:00:00.0000000",
                                   "endTime": "17:00:00.0000000", "timeZone": CUSTOM})
    # The window pins the booked time to a New York afternoon (the policy's default zone,
    # London, is where the report is not).
    settings = dataclasses.replace(
        make_settings(tmp_path, db, default_cadence=CadenceKind.WEEKLY, weekdays=("monday",),
                      window_start=time(14, 0), window_end=time(15, 0)),
        holidays=HolidaySettings(country="US", subdivision="NY"))
    assert settings.policy.time_zone == "Europe/London"
    for step in range(24):
        run(settings, tenant, START + timedelta(hours=12 * step))

    store = Store(make_engine(db))
    (view,) = store.views()
    assert view.report.time_zone is None  # (no zone onetoone can use)
    series = view.series
    assert series is not None and series.time_zone == "America/New_York"
    booked = time.fromisoformat(series.start_time)
    assert time(14, 0) <= booked, series  # after noon in New York: not in London's day
    (occ,) = [o for o in store.pairing_occurrences(view.pairing.id)
              if o.original_start.astimezone(NEW_YORK).date() == date(2027, 1, 18)]
    assert occ.absence_state == "moved", (occ.absence_state, occ.moved_reason)
    assert "Martin Luther King" in (occ.moved_reason or "")
    moved = occ.start.astimezone(NEW_YORK)
    assert (moved.date(), moved.time()) == (date(2027, 1, 19), booked), moved
