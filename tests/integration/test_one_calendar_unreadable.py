"""When Graph can tell the manager's free/busy but not the report's (the report's mailbox
outside the app's scope, on-premises, or otherwise refused), the manager's calendar is still
known and must still be worked around: the series must not go over the manager's standing
commitments."""

from __future__ import annotations

from datetime import date, timedelta

from service.graph.client import parse_graph_datetime
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences
from tests.integration.test_future_joiner_busy import LONDON, client_site
from tests.integration.test_schedule_job import NOW, run, series_in


def test_an_unreadable_report_calendar_does_not_hide_the_managers(settings_for,
                                                                   tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'one-unreadable.db'}")
    tenant = SandboxTenant(seed="one-unreadable", now=lambda: NOW)
    tenant.add_user("Boss Lady", "boss@contoso.example", hire_date=date(2019, 1, 1))
    tenant.add_user("Far Report", "far@contoso.example", manager="boss@contoso.example",
                    hire_date=date(2020, 1, 1))
    tenant.block_mailbox("far@contoso.example")  # getSchedule: an error for this address
    client_site(tenant, "boss@contoso.example")
    result = run(settings, tenant, NOW)
    assert len(result.schedule.created) == 1, result.schedule
    (master,) = series_in(tenant, "boss@contoso.example")
    meetings = occurrences(master, NOW, NOW + timedelta(weeks=8))
    first = parse_graph_datetime(meetings[0]["start"]).astimezone(LONDON)
    # The manager's calendar was readable: Monday is the only day they are free.
    assert first.weekday() == 0, (first, result.schedule.needs_a_look)
    # The series' note says whose calendar went unchecked (a role, never a name).
    from service.store.db import make_engine
    from service.store.repo import Store

    (view,) = Store(make_engine(settings.database.url)).views()
    assert view.series is not None
    assert "The report's free/busy was unavailable" in view.series.slot_note
