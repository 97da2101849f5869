"""Whether a manager's calendar offers Teams is read before their series are booked. A read
that fails only for now (throttled past its retries, a 503 or 504) says nothing about
Teams: the series wait for the next run rather than being booked, for months, without a
Teams link. (A calendar that does not offer Teams still gets series without one.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_schedule_job import NOW, org, run, series_in

MIA = "mia@contoso.example"


@pytest.fixture
def settings(tmp_path, settings_for):
    return settings_for(f"sqlite:///{tmp_path / 'teams.db'}")


@pytest.mark.parametrize("status", [429, 503, 504])
def test_a_teams_check_failing_for_now_books_nothing_without_teams(settings, status) -> None:
    tenant = org()
    mia = tenant.user(MIA)["id"]
    tenant.inject_fault("GET", rf"/users/{mia}/calendar$", status, times=100,
                        retry_after=1 if status == 429 else None)
    first = run(settings, tenant, NOW)
    assert all(s.get("isOnlineMeeting") for s in series_in(tenant, MIA))
    assert len([f for f in first.schedule.failed if "Mia Manager &" in f]) == 4
    tenant.reset_counters()
    second = run(settings, tenant, NOW + timedelta(minutes=15))
    assert second.schedule.failed == []
    booked = series_in(tenant, MIA)
    # (Four pairs; Ben's, a new starter's, has a follow-on booked with it.)
    assert len(booked) == 5 and all(s.get("isOnlineMeeting") for s in booked)
    # The other managers' series were booked in the first run, with Teams.
    assert all(s.get("isOnlineMeeting") for m in ("ceo@contoso.example", "max@contoso.example")
               for s in series_in(tenant, m))
