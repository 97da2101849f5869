"""Working hours in a custom time zone (Graph's customTimeZone, named "Customized Time
Zone", as Microsoft's own getSchedule example returns it): the person's hours are read in
their mailbox's zone, not in the policy's fallback zone (a New York report's 09:00 must not
become 09:00 in London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import run

NOW = datetime(2027, 2, 22, 8, 0, tzinfo=UTC)
CUSTOM = {"@odata.type": "#microsoft.graph.customTimeZone", "name": "Customized Time Zone",
          "bias": 300,
          "standardOffset": {"time": "02:00:00.0000000", "dayOccurrence": 1,
                             "dayOfWeek": "sunday", "month": 11, "year": 0},
          "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000",
                             "dayOccurrence": 2, "dayOfWeek": "sunday", "month": 3, "year": 0}}


def test_hours_in_a_custom_zone_are_read_in_the_mailboxs_zone(tmp_path, settings_for) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'custom.db'}")
    tenant = SandboxTenant(seed="tz2", now=lambda: NOW)
    mia = tenant.add_user("Mia Manager", "mia@x.example", hire_date=date(2020, 1, 1),
                          time_zone="Eastern Standard Time")
    tenant.add_user("Nia York", "nia@x.example", manager=mia, hire_date=date(2020, 1, 1),
                    time_zone="Eastern Standard Time",
                    working_hours={"startTime": "09:00:00.0000000",
                                   "endTime": "17:00:00.0000000", "timeZone": CUSTOM})
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 1 and not result.schedule.needs_a_look
    store = Store(make_engine(settings.database.url))
    (view,) = store.views()
    assert view.report.time_zone == "America/New_York"
    series = view.series
    assert series is not None
    start = time.fromisoformat(series.start_time)
    local = datetime.combine(series.first_date, start, ZoneInfo(series.time_zone)).astimezone(
        ZoneInfo("America/New_York"))
    assert time(9) <= local.time() <= time(16, 30)  # inside Nia's day in New York
