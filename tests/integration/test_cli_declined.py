"""A confirmation the operator declines changes nothing, and every command that asks says so
the same way: exit 1, as `retention` and `mail resend` always did. `forget` exited 0 on "no",
so a script checking the exit code took an erasure that never happened for done."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_env
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_every_declined_confirmation_exits_1_and_changes_nothing(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    cli_env(monkeypatch, tmp_path, 200)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    monkeypatch.setenv("ONETOONE_PRIVACY_RETAIN_MONTHS", "1")
    (row,) = scenario.store.outbox()
    assert row.status == "unconfirmed"
    notes = scenario.store.notes(scenario.occ.id)
    asked = {
        "forget": ["forget", "rob@contoso.example"],
        "retention": ["retention", "--now", "2027-12-01T09:00:00Z"],
        "mail resend": ["mail", "resend", str(row.id)],
    }
    for name, args in asked.items():
        declined = CliRunner().invoke(cli, args, input="n\n")
        assert declined.exit_code == 1, (name, declined.output)
        assert "Traceback" not in declined.output
        said = declined.output.rstrip()
        assert said.endswith(("Nothing erased.", "Nothing changed.")), (name, said)
    assert scenario.store.notes(scenario.occ.id) == notes and notes
    assert [r.status for r in scenario.store.outbox()] == ["unconfirmed"]
