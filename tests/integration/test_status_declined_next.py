"""`onetoone status` showed a next meeting the report has declined as if it would be held:
the manager (or an admin) looking at it had no hint that Rob won't come. It stays the next
meeting (it is still in Mia's calendar) and says it was declined."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_mail import Scenario
from tests.integration.test_meeting_changes import decline

ROB = "rob@contoso.example"


def test_status_says_the_next_meeting_was_declined(tmp_path, settings_for, monkeypatch) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'declined.db'}"))
    occ, series = scenario.occ, scenario.rob.series
    assert series is not None and series.event_id
    decline(scenario.tenant, series.event_id, occ.original_start, ROB)
    at = occ.start - timedelta(hours=20)  # the eve's read of Mia's calendar finds it
    scenario.at(at)
    assert scenario.store.occurrence(occ.id).status == "declined"
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["status", "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "Rob Report" in line)
    assert f"{occ.start:%d %b}" in row or f"{occ.start:%-d %b}" in row, row
    assert "(declined)" in result.output
