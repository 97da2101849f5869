"""A pair onetoone cannot book (no weekday both people work, every shared time taken by other
1-2-1s, a mailbox missing) is refused on every run. The worker logs that with the pairing
key only, and no command shows pairing keys: `onetoone status`, where an admin looks at a
pair with no meetings, says it was not booked and why, and stops saying so once it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant
from tests.cli_env import cli_env
from tests.integration.test_status_display import details_of, row_of

NOW = "2026-11-23T09:00:00Z"
PART = "pat@contoso.example"  # works Thursday and Friday; her manager Monday and Tuesday


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 220)
    tenant = SandboxTenant(seed="not-booked", domain="contoso.example")
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1),
                    working_hours={"daysOfWeek": ["monday", "tuesday"]})
    tenant.add_user("Pat Parttime", PART, manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1),
                    working_hours={"daysOfWeek": ["thursday", "friday"]})
    tenant.add_user("Rob Report", "rob@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1))
    tenant.save(tmp_path / "onetoone-sandbox.json")
    return CliRunner()


def test_status_says_a_pair_was_not_booked_and_why(runner: CliRunner) -> None:
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 1 and "No weekday suits" in ticked.output, ticked.output
    shown = runner.invoke(cli, ["status", "--now", NOW])
    assert shown.exit_code == 0, shown.output
    assert "not booked" in row_of(shown.output, PART), shown.output
    assert "No weekday suits this 1-2-1" in details_of(shown.output, PART), shown.output
    assert "not booked" not in row_of(shown.output, "rob@contoso.example")

    # Fixed in Outlook (she works Tuesdays now): booked by the next run, and no longer said.
    state = SandboxTenant.load("onetoone-sandbox.json")
    state.user(PART)["mailboxSettings"]["workingHours"]["daysOfWeek"] = [
        "tuesday", "thursday", "friday"]
    state.save("onetoone-sandbox.json")
    again = runner.invoke(cli, ["tick", "--now", "2026-11-23T10:00:00Z"])
    assert again.exit_code == 0, again.output
    shown = runner.invoke(cli, ["status", "--now", "2026-11-23T10:00:00Z"])
    assert "not booked" not in shown.output, shown.output


def test_status_stops_saying_not_booked_once_the_pair_has_ended(runner: CliRunner) -> None:
    # A pair never booked, then ended on purpose (the report left): nothing is left to book,
    # so the ended row must not still ask for attention with the old "not booked".
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 1 and "No weekday suits" in ticked.output, ticked.output
    state = SandboxTenant.load("onetoone-sandbox.json")
    state.disable_user(PART)
    state.save("onetoone-sandbox.json")
    again = runner.invoke(cli, ["tick", "--now", "2026-11-23T10:00:00Z"])
    assert again.exit_code == 0, again.output
    shown = runner.invoke(cli, ["status", "--now", "2026-11-23T10:00:00Z"])
    assert shown.exit_code == 0, shown.output
    row = row_of(shown.output, PART)
    assert "ended" in row, shown.output
    assert "not booked" not in row, shown.output
    assert "No weekday suits" not in shown.output, shown.output
