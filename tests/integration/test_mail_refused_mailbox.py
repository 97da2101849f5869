"""A sendMail refused for one manager's mailbox (an application access policy or RBAC scope
leaving it out, or its mailbox gone from Exchange Online) fails that mail only, for good: the
worker never sends it again by itself. What the tick and `onetoone mail` say about it must
name the mailbox by its address (Graph's paths, and so its errors, carry the directory id,
which tells an admin nothing) and say how to send it once the mailbox is put right."""

from __future__ import annotations

import pytest

from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
REFUSALS = {
    "access policy": (403, "ErrorAccessDenied", "Access to OData is disabled."),
    "no mailbox": (404, "MailboxNotEnabledForRESTAPI",
                   "The mailbox is either inactive, soft-deleted, or is hosted on-premise."),
    "mailbox REST cannot serve": (404, "MailboxNotSupportedForRESTAPI",
                                  "REST API is not yet supported for this mailbox."),
}


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_send_names_the_mailbox_and_how_to_send_it(scenario: Scenario,
                                                             case: str) -> None:
    status, code, message = REFUSALS[case]
    mia_id = scenario.rob.manager.id
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", status, times=50, code=code,
                                 message=message)
    result = scenario.after_meeting()
    assert result.mail is not None and result.failed_steps == []
    (row,) = [r for r in scenario.store.outbox() if r.kind == "summary"]
    assert row.status == "failed" and scenario.summaries() == []
    (line,) = result.mail.failed
    for said in (line, row.last_error):
        assert MIA in said and mia_id not in said, said
        assert f"onetoone mail resend {row.id}" in said, said
