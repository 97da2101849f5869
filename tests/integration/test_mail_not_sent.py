"""A sendMail that never left this machine (no connection could be made to Graph: the
network or DNS down, a proxy restarting) was certainly not sent. It is not an unknown
outcome: without the optional Mail.Read (Sent Items unreadable) an unknown outcome is marked
"unconfirmed" and waits for an operator, so a few minutes' outage while summaries were going
out would leave every one of them unsent until someone runs `onetoone mail resend` for each."""

from __future__ import annotations

import re

import httpx
import pytest

from service.sandbox.routing import strip_version
from service.sandbox.transport import SandboxTransport
from tests.integration.test_mail import Scenario


def refuse_connections(monkeypatch: pytest.MonkeyPatch, method: str, path: str,
                       error: type[httpx.TransportError], times: int) -> list[int]:
    """The next ``times`` ``method`` requests to a path matching ``path`` fail before any
    byte reaches Graph (``error``: a refused connection, a connect timeout, a proxy's
    refusal). Returns a one-item list counting the refusals made."""
    real = SandboxTransport.handle_async_request
    made = [0]

    async def handle(self: SandboxTransport, request: httpx.Request) -> httpx.Response:
        raw = strip_version(request.url.raw_path.decode("ascii").split("?")[0])
        if made[0] < times and request.method == method and re.search(path, raw):
            made[0] += 1
            raise error("[Errno 111] Connection refused")
        return await real(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_async_request", handle)
    return made


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError])
def test_a_send_that_never_reached_graph_is_sent_again_not_left_unconfirmed(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch,
        error: type[httpx.TransportError]) -> None:
    scenario.type_notes()
    # No Mail.Read: Sent Items can't be read (the documented least-privilege set-up).
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=50)
    made = refuse_connections(monkeypatch, "POST", r"/sendMail$", error, times=1)
    scenario.after_meeting()
    scenario.after_meeting(hours=5)
    assert made == [1]
    rows = scenario.store.outbox()
    assert [r.status for r in rows] == ["sent"], (
        f"a summary whose sendMail never reached Graph ended {rows[0].status!r} "
        f"({rows[0].last_error})")
    assert len(scenario.summaries()) == 1


def test_a_run_while_graph_cannot_be_reached_leaves_the_mail_for_the_next_run(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario.type_notes()
    scenario.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 403, times=50)
    made = refuse_connections(monkeypatch, "POST", r"/sendMail$", httpx.ConnectError,
                              times=100)
    result = scenario.after_meeting()
    assert made[0] >= 1 and scenario.summaries() == []
    assert result.mail is not None and result.mail.deferred == 1
    assert [r.status for r in scenario.store.outbox()] == ["pending"]
    made[0] = 100  # the network is back
    scenario.after_meeting(hours=2)
    scenario.after_meeting(hours=5)
    assert [r.status for r in scenario.store.outbox()] == ["sent"]
    assert len(scenario.summaries()) == 1
