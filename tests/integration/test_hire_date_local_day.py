"""A person's first day is their day where they work. employeeHireDate is a DateTimeOffset,
which Graph gives in UTC: an HR feed writing a Sydney joiner's first day as midnight there
(2026-12-15T00:00:00+11:00) is read back as 2026-12-14T13:00:00Z, and onetoone took that
UTC day, 14 December, as their first day: a day early for the new-starter weeks, the
first meeting and `onetoone pairs`' "starts" date. The instant is now kept and its day
taken in the person's mailbox zone once that is known. A date written with no zone (UTC
midnight, as Graph's own examples do) stays that date, wherever the person works."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from service.graph.client import parse_graph_datetime
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run, series_in

SYDNEY = "AUS Eastern Standard Time"
FIRST_DAY = date(2026, 12, 15)  # a Tuesday


def test_a_sydney_joiner_starts_on_their_sydney_first_day(settings_for, tmp_path) -> None:
    """Both in Sydney; the joiner's first day written as midnight there."""
    settings = settings_for(f"sqlite:///{tmp_path / 'sydney.db'}")
    tenant = SandboxTenant(seed="sydney-joiner", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@contoso.example", time_zone=SYDNEY,
                    hire_date=date(2019, 1, 1))
    tenant.add_user("Sam Starter", "sam@contoso.example", manager="mia@contoso.example",
                    time_zone=SYDNEY, hire_date=f"{FIRST_DAY}T00:00:00+11:00")
    assert tenant.user("sam@contoso.example")["employeeHireDate"] == "2026-12-14T13:00:00Z"
    run(settings, tenant, NOW)
    run(settings, tenant, NOW + timedelta(hours=1))  # (the sync after the mailbox is read)
    (view,) = Store(make_engine(settings.database.url)).views()
    assert view.report.hire_date == FIRST_DAY
    assert view.pairing.cadence_reason == f"new starter (starts {FIRST_DAY})"
    sydney = ZoneInfo("Australia/Sydney")
    firsts = [parse_graph_datetime(m["start"]).astimezone(sydney).date()
              for master in series_in(tenant, "mia@contoso.example")
              for m in occurrences(master, NOW, NOW + timedelta(weeks=8))[:1]]
    assert firsts and min(firsts) >= FIRST_DAY
