"""A joiner whose account exists before their mailbox does (Graph gives ``mail`` null until
the licence comes, often on their first day) was booked at once, their user principal name
the attendee: the invitation reached no one, the run said *created*, and nothing sent it
again once the mailbox came. Such a pair waits, said in the run, and is booked on the first
run after users/delta tells of the mail address; likewise a manager without a mailbox
(whose series could not be booked: the run failed it every time)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.sandbox import SandboxTenant
from tests.integration.test_schedule_job import NOW, run, series_in

BOSS, OLD, NEW = "boss@contoso.example", "old@contoso.example", "new@contoso.example"
LEAD, RITA = "lead@contoso.example", "rita@contoso.example"


def _no_mailbox(user: dict[str, Any]) -> None:
    user["mail"], user["proxyAddresses"] = None, []  # as Graph lists them


def _mailbox_comes(user: dict[str, Any], email: str) -> None:
    user["mail"], user["proxyAddresses"] = email, [f"SMTP:{email}"]


def test_a_pair_waits_for_a_mailbox_and_is_booked_once_it_comes(db_url: str, settings_for: Any
                                                                ) -> None:
    """Nothing is sent to an address without a mailbox; once the directory gives the mail
    address, the next run books the series, and the joiner has it in their calendar."""
    tenant = SandboxTenant(seed="joiner-no-mailbox", now=lambda: NOW)
    tenant.add_user("Boss Lady", BOSS, hire_date=date(2019, 1, 1))
    tenant.add_user("Old Hand", OLD, manager=BOSS, hire_date=date(2020, 1, 1))
    _no_mailbox(tenant.add_user("New Joiner", NEW, manager=BOSS,
                                hire_date=(NOW + timedelta(days=14)).date()))
    lead = tenant.add_user("Lee Lead", LEAD, manager=BOSS, hire_date=(NOW + timedelta(
        days=14)).date())
    tenant.add_user("Rita Report", RITA, manager=lead, hire_date=date(2021, 1, 1))
    _no_mailbox(lead)
    settings = settings_for(db_url)

    first = run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert first.schedule.created == ["Boss Lady & Old Hand"], first.schedule.created
    assert first.pairs.counts() == {"join": 1, "waiting": 3}, first.pairs.counts()
    held = {(a.spec.manager.email, a.spec.report.email): a.reason
            for a in first.pairs.actions if a.kind == "waiting" and a.spec is not None}
    assert set(held) == {(BOSS, NEW), (BOSS, LEAD), (LEAD, RITA)}, held
    assert "waiting for New Joiner <new@contoso.example>'s mailbox" in held[BOSS, NEW]
    assert "waiting for Lee Lead <lead@contoso.example>'s mailbox" in held[LEAD, RITA]
    waiting = [w for w in first.pairs.warnings if "mailbox" in w]
    assert sorted(waiting) == sorted(held.values()), first.pairs.warnings
    attendees = {a["emailAddress"]["address"] for s in series_in(tenant, BOSS)
                 for a in s["attendees"]}
    assert attendees == {OLD}, attendees

    # Still waiting (nothing changed): the run says so again, for the cost of the delta.
    again = run(settings, tenant, NOW + timedelta(hours=1))
    assert again.pairs.counts() == {"keep": 1, "waiting": 3}, again.pairs.counts()
    assert [w for w in again.pairs.warnings if "mailbox" in w] == waiting

    # The licences come a week later: the mail addresses arrive with users/delta.
    _mailbox_comes(tenant.user(NEW), NEW)
    _mailbox_comes(lead, LEAD)
    later = run(settings, tenant, NOW + timedelta(days=7))
    assert later.schedule.failed == []
    assert sorted(later.schedule.created) == [
        "Boss Lady & Lee Lead", "Boss Lady & New Joiner", "Lee Lead & Rita Report"]
    assert not [w for w in later.pairs.warnings if "mailbox" in w]
    # The invitation reached the joiner: the series is in their calendar.
    assert any(e.get("type") == "seriesMaster" for e in tenant.events(NEW))
    assert series_in(tenant, LEAD)  # her own reports' series, in her own calendar
