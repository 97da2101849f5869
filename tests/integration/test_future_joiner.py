"""A joiner whose account exists before their first day (employeeHireDate in the future, as
Entra documents it for a future hire) gets their 1-2-1s from that day on, not before it."""

from __future__ import annotations

from datetime import date, timedelta

from service.graph.client import parse_graph_datetime
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from tests.integration.test_schedule_job import NOW, run, series_in


def test_no_one_to_one_before_a_joiners_first_day(settings_for, tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'joiner.db'}")
    tenant = SandboxTenant(seed="future-joiner", now=lambda: NOW)
    tenant.add_user("Boss Lady", "boss@contoso.example", hire_date=date(2019, 1, 1))
    first_day = (NOW + timedelta(days=21)).date()
    tenant.add_user("New Joiner", "new@contoso.example", manager="boss@contoso.example",
                    hire_date=first_day)
    tenant.add_user("Old Hand", "old@contoso.example", manager="boss@contoso.example",
                    hire_date=date(2020, 1, 1))
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 2
    firsts: dict[str, date] = {}
    for master in series_in(tenant, "boss@contoso.example"):
        (invited,) = {a["emailAddress"]["address"] for a in master["attendees"]}
        meetings = occurrences(master, NOW, NOW + timedelta(weeks=8))  # (by start)
        if meetings:  # (the new joiner's follow-on from when their weeks end: later)
            firsts[invited] = parse_graph_datetime(meetings[0]["start"]).date()
    assert firsts["new@contoso.example"] >= first_day
    # (weekly, as a new starter: the first within a week of the first day)
    assert firsts["new@contoso.example"] < first_day + timedelta(days=8)
    assert firsts["old@contoso.example"] < first_day  # the others are not held back
