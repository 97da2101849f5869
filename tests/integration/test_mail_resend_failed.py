"""`onetoone mail resend --failed [--since T]`: once what refused them is put right (a
mailbox back in scope, a permission granted), every failed mail is queued again in one
command, after saying how many, of what kind and from how many mailboxes; not hundreds of
`mail resend ID`. Unconfirmed mail (it may have gone) is never part of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.domain.records import MailRecord, Recipient
from tests.cli_env import cli_env
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def test_every_failed_mail_is_queued_again_at_once(scenario: Scenario, tmp_path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two mails failed for one blocked mailbox: counted and asked about, --since filters,
    and once the mailbox is back in scope one command sends both."""
    scenario.type_notes()
    nia = next(v for v in scenario.store.views() if v.report.email == "nia@contoso.example")
    scenario.store.enqueue(MailRecord(
        key="nia:reminder", kind="reminder", pairing_id=nia.pairing.id, occurrence_id=None,
        mailbox=nia.manager.id, to=(Recipient("Nia York", "nia@contoso.example"),),
        subject="Notes for your 1-2-1", body_html="<p>Add notes</p>", tag="nia-tag",
        created_at=scenario.occ.end))
    # Mia's mailbox left out of the app's access policy: both her mails fail.
    scenario.tenant.inject_fault("POST", r"/sendMail$", 403, times=50,
                                 code="ErrorAccessDenied", message="Access to OData is disabled.")
    scenario.after_meeting()
    assert {r.status for r in scenario.store.outbox()} == {"failed"}
    cli_env(monkeypatch, tmp_path, 200)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)

    asked = CliRunner().invoke(cli, ["mail", "resend", "--failed"], input="n\n")
    assert asked.exit_code == 1 and asked.output.rstrip().endswith("Nothing changed.")
    said = " ".join(asked.output.split())
    assert "2 failed mail(s) (1 reminder, 1 summary) from 1 mailbox(es)" in said, said
    assert {r.status for r in scenario.store.outbox()} == {"failed"}

    later = (scenario.occ.end + timedelta(days=1)).strftime("%Y-%m-%dT%H:%MZ")
    none = CliRunner().invoke(cli, ["mail", "resend", "--failed", "--since", later])
    assert none.exit_code == 0 and "No failed mail since" in none.output

    for wrong in (["mail", "resend"], ["mail", "resend", "1", "--failed"],
                  ["mail", "resend", "1", "--since", later],
                  ["mail", "resend", "--failed", "--since", "yesterday"]):
        refused = CliRunner().invoke(cli, wrong)
        assert refused.exit_code == 2, (wrong, refused.output)

    scenario.tenant.reset_counters()  # the mailbox is put back in scope
    since = scenario.occ.end.strftime("%Y-%m-%dT%H:%MZ")
    queued = CliRunner().invoke(cli, ["mail", "resend", "--failed", "--since", since, "--yes"])
    assert queued.exit_code == 0, queued.output
    assert "2 failed mail(s) will be sent at the next run." in queued.output
    assert {r.status for r in scenario.store.outbox()} == {"pending"}
    scenario.after_meeting(hours=2)
    assert {r.status for r in scenario.store.outbox()} == {"sent"}
    assert len(scenario.summaries()) == 1


def test_unconfirmed_mail_is_not_part_of_it(scenario: Scenario, tmp_path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A send whose outcome is unknown (Sent Items unreadable) may be in the report's
    inbox: it is settled one by one, after a look in Sent Items, never in bulk."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 504, times=1)
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=10)
    scenario.after_meeting()
    assert [r.status for r in scenario.store.outbox()] == ["unconfirmed"]
    cli_env(monkeypatch, tmp_path, 200)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", scenario.settings.database.url)
    result = CliRunner().invoke(cli, ["mail", "resend", "--failed", "--yes"])
    assert result.exit_code == 0 and "No failed mail." in result.output
    assert [r.status for r in scenario.store.outbox()] == ["unconfirmed"]
