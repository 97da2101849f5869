"""A first rollout plans each person's own 1-2-1 with their manager before their reports'
1-2-1s with them (managers top-down by depth in the chart), so where a part-time manager's
time runs short it is one of her reports' 1-2-1s that is refused, not her own fortnightly
one (a must in the guidance), and the refusal says whose time is full; it suggests more
weekdays only where the slot policy leaves out a day both people work (orgs review: which
pair lost depended on which manager's object id sorted first, and the advice to allow
more weekdays could not help a manager who works Mondays only)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_schedule_job import run

NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # a Monday
LONG_AGO = date(2020, 1, 1)
CEO, VAL, PAT = "ceo@contoso.example", "valerie@contoso.example", "pat@contoso.example"
MONDAY_MORNINGS = {"daysOfWeek": ["monday"], "startTime": "10:00:00.0000000",
                   "endTime": "12:00:00.0000000", "timeZone": {"name": "GMT Standard Time"}}


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org(starters: int) -> SandboxTenant:
    """Valerie manages Pat, who works Mondays 10:00-12:00 (four 30-minute times a week) and
    has ``starters`` weekly new starters."""
    t = SandboxTenant(seed="own-first", now=lambda: NOW)
    t.add_user("Cara Ceo", CEO, hire_date=LONG_AGO)
    val = t.add_user("Valerie Vance", VAL, manager=CEO, hire_date=LONG_AGO)
    pat = t.add_user("Pat Parttime", PAT, manager=val, hire_date=LONG_AGO,
                     working_hours=MONDAY_MORNINGS)
    # The order a manager's pairs were planned in before: by object id, Pat's first.
    assert pat["id"] < val["id"]
    for n in range(starters):
        t.add_user(f"New {n}", f"new{n}@contoso.example", manager=pat,
                   hire_date=NOW.date() - timedelta(days=7))
    return t


def test_her_own_one_to_one_is_booked_and_a_reports_is_refused_saying_whose(
        settings, caplog: pytest.LogCaptureFixture) -> None:
    """Four weekly new starters for four times a week: Pat's fortnightly 1-2-1 with
    Valerie takes one (planned first), three of them the rest, and the fourth is refused,
    the run's line naming the pair and saying it is Pat's (the manager's) time that is
    full, with no advice to allow more weekdays; the log names the pair by key only."""
    caplog.set_level(logging.INFO)
    tenant = _org(4)
    result = run(settings, tenant, NOW)
    assert "Valerie Vance & Pat Parttime" in result.schedule.created
    assert sum(line.startswith("Pat Parttime & New") for line in result.schedule.created) == 3
    [failed] = result.schedule.failed
    assert failed.startswith("Pat Parttime & New "), failed
    why = failed.split(": ", 1)[1]
    assert why.startswith("The manager's other 1-2-1s (as manager or as report) fill every "
                          "time inside both people's working hours (manager Mon 10:00–12:00 "
                          "Europe/London; report Mon–Fri 09:00–17:00 Europe/London) on Mon "
                          "in the coming year"), why
    # Pat works Mondays only, which the policy allows: more weekdays would change nothing.
    assert why.endswith("Reduce the number or length of the manager's other 1-2-1s."), why
    assert "weekdays" not in why
    [logged] = [r for r in caplog.records if r.getMessage() == "schedule.failed"]
    assert logged.error.startswith("The manager's other 1-2-1s")  # type: ignore[attr-defined]
    assert "Pat" not in logged.error and "New " not in logged.error  # type: ignore[attr-defined]


def test_a_later_run_planning_several_managers_goes_top_down(settings) -> None:
    """The same when the pairs come in a later run (Pat gets a team): her own 1-2-1, now
    fortnightly, is booked anew in the run that books her reports', before theirs."""
    tenant = _org(0)
    run(settings, tenant, NOW)
    for n in range(4):
        tenant.add_user(f"New {n}", f"new{n}@contoso.example", manager=PAT,
                        hire_date=NOW.date() - timedelta(days=7))
    result = run(settings, tenant, NOW + timedelta(hours=1))
    assert "Valerie Vance & Pat Parttime" in result.schedule.created
    assert len(result.schedule.failed) == 1
    assert result.schedule.failed[0].startswith("Pat Parttime & New "), result.schedule.failed
