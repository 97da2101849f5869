"""A user without an Exchange Online mailbox (no licence, or kept on-premises): Graph lists
them with ``mail`` null, finds them by id or UPN, and refuses their calendar and mail with a
404 ``MailboxNotEnabledForRESTAPI``. The sandbox did not take such a user from its state
file: every look-up that scanned the users raised AttributeError, so a tick over that
tenant died in a traceback. onetoone holds a new pair of such a person until the directory
gives them a mail address (test_joiner_without_mailbox.py), and a pair already paired whose
manager has lost the mailbox is named as failed; the rest of the run carries on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from service.app import job_context
from service.jobs.pairs import sync_pairs
from service.sandbox import SandboxTenant, SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, org, run

BASE = "https://graph.sandbox.invalid/v1.0"
UNA, NOM = "una.n@contoso.example", "nom.b@contoso.example"  # UPNs; no mailbox either


def tenant_from_file(tmp_path: Path) -> SandboxTenant:
    """Mia's report Una and the CEO's report Nom (who manages Kid) have no mailbox."""
    tenant = org()
    tenant.add_user("Una Nomail", "una@contoso.example", manager="mia@contoso.example",
                    upn=UNA)
    tenant.add_user("Nom Boss", "nom@contoso.example", manager="ceo@contoso.example", upn=NOM)
    tenant.add_user("Kid Report", "kid@contoso.example", manager=NOM)
    path = tmp_path / "sandbox.json"
    tenant.save(path)
    state = json.loads(path.read_text(encoding="utf-8"))
    for user in state["users"].values():
        if user["userPrincipalName"] in (UNA, NOM):
            user["mail"], user["proxyAddresses"] = None, []  # as Graph lists them
    path.write_text(json.dumps(state), encoding="utf-8")
    return SandboxTenant.load(path, now=lambda: NOW)


def test_the_sandbox_finds_a_user_without_a_mailbox_and_refuses_the_mailbox(
        tmp_path: Path) -> None:
    tenant = tenant_from_file(tmp_path)

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            return [
                await c.get(f"/users/{UNA}", params={"$select": "id,mail,userPrincipalName"}),
                await c.get(f"/users/{UNA}/calendar/events"),
                await c.get(f"/users/{UNA}/mailboxSettings"),
                await c.post(f"/users/{UNA}/sendMail", json={"message": {
                    "subject": "hi", "toRecipients": [
                        {"emailAddress": {"address": "rob@contoso.example"}}]}}),
                await c.post("/users/mia@contoso.example/sendMail", json={"message": {
                    "subject": "hello Una", "toRecipients": [
                        {"emailAddress": {"address": UNA}}]}}),
                await c.post("/users/mia@contoso.example/calendar/getSchedule", json={
                    "schedules": [UNA],
                    "startTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
                    "endTime": {"dateTime": "2026-12-02T00:00:00", "timeZone": "UTC"}}),
            ]

    user, events, settings, send, to_una, schedule = asyncio.run(calls())
    assert user.status_code == 200, user.text
    assert user.json()["mail"] is None and user.json()["userPrincipalName"] == UNA
    assert tenant.find_user(user.json()["id"]) is not None
    for refused in (events, settings, send):
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
    assert to_una.status_code == 202 and tenant.messages(UNA) == []  # nowhere to land
    (answer,) = schedule.json()["value"]
    assert answer["error"]["responseCode"] == "ErrorMailRecipientNotFound"


def test_a_tick_holds_their_new_pairs_and_books_the_rest(tmp_path: Path, settings_for
                                                         ) -> None:
    """Their pairs wait for a mailbox (said in the run), none fails; the rest are booked."""
    tenant = tenant_from_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = run(settings_for(url), tenant, NOW)
    assert result.failed_steps == [] and result.schedule.failed == []
    held = {(a.spec.manager.email, a.spec.report.email) for a in result.pairs.actions
            if a.kind == "waiting" and a.spec is not None}
    assert held == {("mia@contoso.example", UNA), ("ceo@contoso.example", NOM),
                    (NOM, "kid@contoso.example")}, held
    assert not [c for c in result.schedule.created if "Una" in c or "Nom Boss" in c]
    assert "Max Lead & Zed Junior" in result.schedule.created  # the rest carried on


def test_the_pair_it_cannot_book_names_the_mailbox_by_address_not_directory_id(
        tmp_path: Path, settings_for) -> None:
    """Graph's 404 quotes the path, which names the manager's mailbox by the directory id
    the request used; the run's line and the pair's note in `onetoone status` said only
    that id ("mailbox bdf03f9d-… was not found"), which tells an admin nothing. (Nom's
    mailbox goes after the pair was made, before it was booked.)"""
    tenant = tenant_from_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    settings = settings_for(url)
    nom = tenant.find_user(NOM)
    nom["mail"], nom["proxyAddresses"] = "nom@contoso.example", ["SMTP:nom@contoso.example"]

    async def pairs_only() -> None:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            await sync_pairs(ctx, NOW)

    asyncio.run(pairs_only())
    nom["mail"], nom["proxyAddresses"] = None, []
    nom_id = nom["id"]
    (failed,) = run(settings, tenant, NOW).schedule.failed
    assert failed.startswith("Nom Boss & Kid Report: ")
    assert f"mailbox {NOM} was not found" in failed, failed
    assert nom_id.lower() not in failed.lower(), failed
    (kid,) = [v for v in Store(make_engine(url)).views() if v.report.email == "kid@contoso.example"]
    assert f"mailbox {NOM} was not found" in kid.pairing.note, kid.pairing.note
    assert nom_id.lower() not in kid.pairing.note.lower()
