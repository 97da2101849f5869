"""A manager's mailbox whose meetings the app may list but not update (the app was granted
Calendars.Read, not Calendars.ReadWrite, or an access policy or RBAC scope changed after the
series was booked): Graph refuses each agenda's update with 403 ErrorAccessDenied. That was
said only in the worker log, on every run, and `onetoone status` showed nothing. Now status
marks the pair, says since when and what to do, and stops for each of the manager's pairs
once an agenda goes into her calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'refused.db'}"))


def status(scenario: Scenario, now, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["status", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def rob_line(scenario: Scenario) -> str:
    """The start of the pair's lines under status's table."""
    view = scenario.rob
    return f"{view.manager.name} & {view.report.name} <{view.report.email}>:"


def test_an_agenda_graph_refuses_is_marked_in_status_until_one_goes_in(
        scenario: Scenario, monkeypatch, tmp_path) -> None:
    scenario.type_notes()
    scenario.after_meeting()
    pid = scenario.rob.pairing.id
    # Exchange's answer to an update the app's permissions do not cover.
    scenario.tenant.inject_fault(
        "PATCH", rf"/users/{scenario.rob.manager.id}/events/[^/]+$", 403, times=10_000,
        code="ErrorAccessDenied", message="Access is denied. Check credentials and try again.")
    at, failed = scenario.occ.end, []
    while len(failed) < 2 and at < scenario.occ.end + timedelta(days=40):  # the 5 Jan one
        at += timedelta(hours=12)
        failed += [f for f in scenario.at(at).agenda.failed if scenario.rob.report.name in f]
    assert len(failed) == 2  # refused on each run
    # Said with the manager's address, the meeting's day and the pair, never the directory
    # id the request's path (and so Graph's error) carries.
    assert all(f.startswith(f"{scenario.rob.manager.name} & {scenario.rob.report.name} 20")
               and f"({scenario.rob.manager.email}'s calendar)" in f
               and scenario.rob.manager.id.lower() not in f.lower() for f in failed), failed
    second = scenario.store.pairing_occurrences(pid)[1]
    assert second.agenda_state == "pending"
    said = status(scenario, at, monkeypatch, tmp_path)
    assert "agenda refused" in said
    denied = scenario.store.pairing(pid).agenda_denied_at
    assert denied is not None and denied < at  # since the first refusal, not the last
    assert (f"{rob_line(scenario)} Microsoft Graph has refused to let the app read or update "
            f"its meetings in {scenario.rob.manager.email}'s calendar since "
            f"{denied:%a %d %b %H:%M} UTC") in said
    assert "Calendars.ReadWrite" in said and "access policy" in said
    mias = {v.pairing.id for v in scenario.store.views()
            if v.manager.id == scenario.rob.manager.id}
    others = {v.pairing.id for v in scenario.store.views()
              if v.pairing.agenda_denied_at is not None} - {pid}
    assert others and others <= mias  # Mia's other pair was refused too
    # The admin grants the permission: the next run writes the agenda, and the mark goes.
    scenario.tenant.reset_counters()
    at += timedelta(hours=12)
    scenario.at(at)
    assert scenario.store.pairing_occurrences(pid)[1].agenda_state == "injected"
    assert scenario.store.pairing(pid).agenda_denied_at is None
    # Mia's other pair, whose next agenda is not due for weeks, is allowed again too: it
    # is her mailbox the permission covers (it stayed marked until its own next agenda).
    assert all(scenario.store.pairing(other).agenda_denied_at is None for other in others)
    assert f"{rob_line(scenario)} Microsoft Graph has refused" not in status(
        scenario, at, monkeypatch, tmp_path)
