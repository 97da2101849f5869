"""A joiner whose first day is more than the free/busy look-ahead away: their weekly 1-2-1
must still be placed around the manager's standing commitments, not booked over them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.graph.client import parse_graph_datetime
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from tests.integration.test_schedule_job import NOW, run, series_in

LONDON = ZoneInfo("Europe/London")


def test_future_joiners_series_avoids_the_managers_standing_meetings(settings_for,
                                                                      tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'joiner-busy.db'}")
    tenant = SandboxTenant(seed="future-joiner-busy", now=lambda: NOW)
    tenant.add_user("Boss Lady", "boss@contoso.example", hire_date=date(2019, 1, 1))
    first_day = (NOW + timedelta(weeks=9)).date()  # a graduate intake, accounts made early
    tenant.add_user("New Joiner", "new@contoso.example", manager="boss@contoso.example",
                    hire_date=first_day)
    # The manager is at a client site every Tuesday to Friday, all day, every week.
    tenant.add_event("boss@contoso.example", "Client site",
                     datetime(2026, 11, 24, 9, 0, tzinfo=LONDON),
                     datetime(2026, 11, 24, 17, 0, tzinfo=LONDON),
                     recurrence={"pattern": {"type": "weekly", "interval": 1,
                                             "firstDayOfWeek": "monday",
                                             "daysOfWeek": ["tuesday", "wednesday",
                                                            "thursday", "friday"]},
                                 "range": {"type": "noEnd", "startDate": "2026-11-24"}})
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 1
    (master,) = series_in(tenant, "boss@contoso.example")
    meetings = occurrences(master, NOW, NOW + timedelta(weeks=20))
    first = parse_graph_datetime(meetings[0]["start"]).astimezone(LONDON)
    assert first.date() >= first_day
    # Mondays are free all year: the series belongs there, not on the client-site days.
    assert first.weekday() == 0, (first, result.schedule.needs_a_look)
