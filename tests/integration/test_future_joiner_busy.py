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


def client_site(tenant: SandboxTenant, mailbox: str) -> None:
    """At a client site all day, Tuesday to Friday, every week: only Mondays are free."""
    tenant.add_event(mailbox, "Client site", datetime(2026, 11, 24, 9, 0, tzinfo=LONDON),
                     datetime(2026, 11, 24, 17, 0, tzinfo=LONDON),
                     recurrence={"pattern": {"type": "weekly", "interval": 1,
                                             "firstDayOfWeek": "monday",
                                             "daysOfWeek": ["tuesday", "wednesday",
                                                            "thursday", "friday"]},
                                 "range": {"type": "noEnd", "startDate": "2026-11-24"}})


def test_future_joiners_series_avoids_the_managers_standing_meetings(settings_for,
                                                                      tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'joiner-busy.db'}")
    tenant = SandboxTenant(seed="future-joiner-busy", now=lambda: NOW)
    tenant.add_user("Boss Lady", "boss@contoso.example", hire_date=date(2019, 1, 1))
    first_day = (NOW + timedelta(weeks=9)).date()  # a graduate intake, accounts made early
    tenant.add_user("New Joiner", "new@contoso.example", manager="boss@contoso.example",
                    hire_date=first_day)
    # The manager is at a client site every Tuesday to Friday, all day, every week.
    client_site(tenant, "boss@contoso.example")
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 1
    # The weekly series, and its follow-on from when the joiner's weeks end (the same slot).
    weekly, follow = sorted(series_in(tenant, "boss@contoso.example"),
                            key=lambda s: s["recurrence"]["range"]["startDate"])
    master = weekly
    assert follow["recurrence"]["pattern"]["daysOfWeek"] == ["monday"]
    meetings = occurrences(master, NOW, NOW + timedelta(weeks=20))
    first = parse_graph_datetime(meetings[0]["start"]).astimezone(LONDON)
    assert first.date() >= first_day
    # Mondays are free all year: the series belongs there, not on the client-site days.
    assert first.weekday() == 0, (first, result.schedule.needs_a_look)


def test_a_joiner_starting_in_months_costs_one_more_read_not_one_per_month(
        settings_for, tmp_path) -> None:
    """Their first weeks are read as a window of their own: two getSchedule calls for the
    manager's group (now, and the joiner's first weeks), not one per 61 days up to them."""
    settings = settings_for(f"sqlite:///{tmp_path / 'joiner-reads.db'}")
    tenant = SandboxTenant(seed="future-joiner-reads", now=lambda: NOW)
    tenant.add_user("Boss Lady", "boss@contoso.example", hire_date=date(2019, 1, 1))
    tenant.add_user("Old Hand", "old@contoso.example", manager="boss@contoso.example",
                    hire_date=date(2020, 1, 1))
    tenant.add_user("New Joiner", "new@contoso.example", manager="boss@contoso.example",
                    hire_date=(NOW + timedelta(days=300)).date())
    tenant.reset_counters()
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 2
    calls = [p for m, p, _who in tenant.requests if m == "POST" and p.endswith("/getSchedule")]
    assert len(calls) == 2, calls
