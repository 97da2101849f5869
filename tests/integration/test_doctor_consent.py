"""`onetoone doctor`'s permission lines, on the production sign-in path (msal asking Entra,
Graph checking the token: tests/support/entra.py and the handler below).

Mailbox permissions are consented in Entra ID (in the token) or granted through Exchange
RBAC for Applications (never in it), not both. So Mail.Send missing from a token that
carries Calendars.ReadWrite is a consent to grant (every summary would be refused), not a
scoped set-up; in the scoped set-up (only the directory permissions in the token) the
missing mailbox permissions stay fine. With consent revoked the token carries nothing:
doctor says so once, ticks no permission it never checked, still tries the mailbox of a
manager already paired, and never says a directory permission can come from Exchange."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Collection
from pathlib import Path

import httpx
import pytest
import respx

from service.config import Settings
from service.doctor import Check, run_checks
from tests.conftest import make_settings
from tests.integration.test_mail import Scenario
from tests.support.entra import ACCESS_DENIED, EVERY_ROLE, entra, graph_error, roles_of, signed_in

GRAPH = "https://graph.microsoft.com/v1.0"
MIA = "mia@contoso.example"
# What each request doctor makes needs, by path.
NEEDS = ((re.compile(r"/users/[^/]+/mailboxSettings$"), "MailboxSettings.Read"),
         (re.compile(r"/users/[^/]+/calendar$"), "Calendars.ReadWrite"),
         (re.compile(r"/users$"), "User.Read.All"))


def graph(exchange: Collection[str]):
    """Graph answering doctor's reads: allowed by the token's roles, or for a mailbox
    permission by an Exchange RBAC assignment (``exchange``, scoped to everyone here);
    refused as Graph refuses them otherwise."""
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1.0")
        need = next((perm for pattern, perm in NEEDS if pattern.search(path)), None)
        if need is None:
            return graph_error(404, "ResourceNotFound", f"Not found: {path}")
        if need not in roles_of(request) and need not in exchange:
            if need == "User.Read.All":
                return graph_error(403, "Authorization_RequestDenied",
                                   "Insufficient privileges to complete the operation.")
            return graph_error(*ACCESS_DENIED)
        if need == "User.Read.All":
            return httpx.Response(200, json={"value": [{"id": "u1"}]})
        return httpx.Response(200, json={"id": "x", "timeZone": "GMT Standard Time"})
    return answer


@pytest.fixture
def paired(tmp_path: Path, settings_for) -> Scenario:
    """A database where Mia's pair with Rob is booked (doctor's mailbox checks try her)."""
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'doctor.db'}"))


def doctor(paired: Scenario | Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           consented: Collection[str], exchange: Collection[str] = ()) -> dict[str, Check]:
    """Doctor's lines on the real tenant, by name: ``consented`` in Entra ID, ``exchange``
    granted through Exchange RBAC for Applications."""
    base = paired.settings if isinstance(paired, Scenario) else paired
    settings = dataclasses.replace(base, microsoft=dataclasses.replace(
        base.microsoft, tenant_id="contoso.onmicrosoft.com", authority="https://login.example.test",
        client_id="11111111-1111-1111-1111-111111111111", graph_url=GRAPH, client_secret="s3cret"))
    monkeypatch.setattr("service.graph.factory.token_provider_for",
                        lambda ms: signed_in(ms.graph_url))
    with respx.mock(assert_all_called=False) as router:
        entra(router, lambda: consented)
        router.route(host="graph.microsoft.com").mock(side_effect=graph(exchange))
        checks = asyncio.run(run_checks(settings, deployed=str(tmp_path / "none.toml")))
    return {c.name: c for c in checks}


def test_mail_send_missing_beside_consented_mailbox_permissions_fails(
        paired: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calendars.ReadWrite and MailboxSettings.Read consented, Mail.Send not: a failure,
    with the consent to grant, not a tick 'fine if granted through Exchange'."""
    checks = doctor(paired, tmp_path, monkeypatch,
                    [r for r in EVERY_ROLE if r != "Mail.Send"])
    send = checks["permission Mail.Send"]
    assert not send.ok, send
    assert "Calendars.ReadWrite" in send.detail and "Grant admin consent for Mail.Send" in send.fix
    assert all(checks[f"permission {r}"].ok for r in
               ("User.Read.All", "Calendars.ReadWrite", "MailboxSettings.Read"))


def test_scoped_set_up_keeps_passing(paired: Scenario, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the directory permission in Entra ID, the mailbox ones through Exchange."""
    checks = doctor(paired, tmp_path, monkeypatch, ["User.Read.All"],
                    exchange=["Calendars.ReadWrite", "MailboxSettings.Read", "Mail.Send"])
    failed = [f"{c.name}: {c.detail}" for c in checks.values() if not c.ok]
    assert failed == []
    assert "Exchange RBAC" in checks["permission Mail.Send"].detail
    assert checks[f"Graph: calendar of {MIA} (Calendars.ReadWrite)"].ok


def test_consent_revoked_is_said_once_and_the_mailboxes_are_still_tried(
        paired: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token carrying no permission: one failure saying consent was revoked, no
    permission ticked, and the paired manager's mailbox still tried."""
    checks = doctor(paired, tmp_path, monkeypatch, [])
    revoked = checks["permissions"]
    assert not revoked.ok and "revoked or never granted" in revoked.detail
    assert "Grant admin consent" in revoked.fix
    assert not [name for name in checks if name.startswith("permission ")]  # none ticked
    users = checks["Graph: list users (User.Read.All)"]
    assert not users.ok and "RBAC" not in users.detail
    mailbox = checks[f"Graph: mailbox settings of {MIA} (MailboxSettings.Read)"]
    assert not mailbox.ok and "MailboxSettings.Read" in mailbox.detail


def test_a_directory_permission_is_never_said_to_come_from_exchange(
        paired: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """User.Read.All alone missing: its line fails without the Exchange clause, and the
    mailbox checks on the manager already paired still run (and pass)."""
    checks = doctor(paired, tmp_path, monkeypatch,
                    [r for r in EVERY_ROLE if r != "User.Read.All"])
    directory = checks["permission User.Read.All"]
    assert not directory.ok and "RBAC" not in directory.detail
    assert not checks["Graph: list users (User.Read.All)"].ok
    assert checks[f"Graph: mailbox settings of {MIA} (MailboxSettings.Read)"].ok
    assert checks[f"Graph: calendar of {MIA} (Calendars.ReadWrite)"].ok


def test_before_any_pair_a_directory_refused_says_why_no_mailbox_was_tried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pair booked yet, so the manager to try comes from the directory, which refuses."""
    fresh = make_settings(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}")
    checks = doctor(fresh, tmp_path, monkeypatch, [r for r in EVERY_ROLE if r != "User.Read.All"])
    untried = checks["Graph: a manager's mailbox"]
    assert not untried.ok and "directory can't be read" in untried.detail, untried
