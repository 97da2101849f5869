"""Mail.Send missing from the app's admin consent while its other mailbox permissions are
consented in Entra ID (removed by mistake, forgotten on a new app registration): Graph
refuses sendMail for every sender. That is no one mailbox's refusal, and the mail must not
end *failed* for an operator to resend one by one: it waits, pending, the run says once
which permission to grant, and it goes at the first run after consent is granted. A refusal
for one mailbox (outside an Exchange RBAC scope, or left out by an access policy) still
fails that mail only, as before."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import pytest
import respx

from service.domain.records import MailRecord, Recipient
from service.graph.factory import SANDBOX_GRAPH_URL, build_client
from service.jobs.context import JobContext
from service.jobs.tick import tick
from service.sandbox.transport import SandboxTransport
from tests.integration.test_agenda_loop import no_sleep
from tests.integration.test_mail import Scenario
from tests.support.entra import EVERY_ROLE, SendingChecked, entra, signed_in

LEE = "lee@contoso.example"
WITHOUT_MAIL_SEND = [r for r in EVERY_ROLE if r != "Mail.Send"]


class SignedIn(Scenario):
    """Rob's 1-2-1 with Mia on the production sign-in path: msal asks Entra for a token
    carrying what is consented now (``consented``), and Graph checks the app's right to
    send (tests/support/entra.py). Lee, a manager in another part of the tenant, has a
    summary of his own to send in the same run."""

    def __init__(self, settings, consented: list[str]) -> None:
        self.consented = consented
        self.graph: dict[str, list[str]] = {}  # SendingChecked's grants, as they are now
        super().__init__(settings)

    def at(self, now):
        self.tenant.now = lambda: now

        async def go():
            client = build_client(
                graph_url=SANDBOX_GRAPH_URL, token_provider=signed_in(SANDBOX_GRAPH_URL),
                inner=SendingChecked(SandboxTransport(self.tenant), **self.graph),
                sleep=no_sleep)
            try:
                return await tick(JobContext(settings=self.settings, store=self.store,
                                             graph=client), now)
            finally:
                await client.aclose()

        with respx.mock(assert_all_called=False) as router:
            entra(router, lambda: self.consented)
            return asyncio.run(go())

    def lee_has_a_summary_to_send(self) -> str:
        """Queues Lee's summary (to Rob, his former report); Lee's directory id."""
        lee = self.tenant.add_user("Lee Lead", LEE, hire_date=date(2019, 1, 1))["id"]
        self.store.enqueue(MailRecord(
            key="lee:summary", kind="summary", pairing_id=self.rob.pairing.id,
            occurrence_id=None, mailbox=lee,
            to=(Recipient("Rob Report", "rob@contoso.example"),), subject="Notes from Lee",
            body_html="<p>Notes</p>", tag="lee-tag", created_at=self.occ.end))
        return lee

    def status(self) -> dict[str, str]:
        return {r.key.split(":")[-1] if r.key != "lee:summary" else "lee": r.status
                for r in self.store.outbox()}


def _scenario(settings_for, tmp_path, consented: list[str]) -> SignedIn:
    return SignedIn(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"), consented)


def test_mail_send_not_consented_leaves_every_mail_pending_until_it_is(
        settings_for, tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    """Refused for want of Mail.Send: both senders' mail waits, said once; consent granted,
    both go."""
    scenario = _scenario(settings_for, tmp_path, WITHOUT_MAIL_SEND)
    scenario.type_notes()
    scenario.lee_has_a_summary_to_send()
    with caplog.at_level(logging.ERROR, logger="service.jobs.mail"):
        result = scenario.after_meeting()
    assert scenario.status() == {"lee": "pending", "summary": "pending"}
    assert scenario.summaries() == [] and result.mail.deferred == 2
    # Said once for the run, naming the permission and how to grant it, by address.
    (line,) = result.mail.failed
    assert "Mail.Send" in line and "Grant admin consent" in line, line
    assert scenario.rob.manager.id not in line
    said = [r for r in caplog.records if r.name == "service.jobs.mail"]
    assert [r.getMessage() for r in said] == ["mail.not_consented"]
    assert said[0].permission == "Mail.Send"
    assert any("Mail.Send" in r.last_error for r in scenario.store.outbox())

    scenario.consented = list(EVERY_ROLE)  # the admin grants consent
    result = scenario.after_meeting(hours=2)
    assert scenario.status() == {"lee": "sent", "summary": "sent"}
    assert result.mail.failed == [] and len(scenario.summaries()) == 1


@pytest.mark.parametrize("grant", ["exchange rbac scope", "access policy"])
def test_one_mailbox_refused_fails_that_mail_only(settings_for, tmp_path, grant: str) -> None:
    """Mia outside what the app may send as: in the scoped set-up (only the directory
    permissions in the token, Mail.Send granted through Exchange for Lee's mailbox), or with
    Mail.Send consented and an application access policy leaving Mia out."""
    consented = ["User.Read.All"] if grant == "exchange rbac scope" else list(EVERY_ROLE)
    scenario = _scenario(settings_for, tmp_path, consented)
    scenario.type_notes()
    lee = scenario.lee_has_a_summary_to_send()
    if grant == "exchange rbac scope":  # (by directory id: the outbox sends as that)
        scenario.graph["rbac_scope"] = [lee]
    else:
        scenario.graph["policy_out"] = [scenario.rob.manager.id]
    result = scenario.after_meeting()
    assert scenario.status() == {"lee": "sent", "summary": "failed"}
    (line,) = result.mail.failed
    assert "mia@contoso.example" in line and "onetoone mail resend" in line, line
