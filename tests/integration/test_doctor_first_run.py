"""`onetoone doctor` on a tenant connected for the first time: no pair is booked yet, so its
mailbox checks must try a mailbox onetoone will use — a manager it would pair, and the
service mailbox when ``[mail] topics_mailbox`` is set — not whoever the directory lists
first (with mailbox access scoped to the people onetoone serves, as the guide recommends,
that user is outside the scope, and the check failed while every run would work)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.doctor import Check, run_checks
from service.sandbox import SandboxTenant
from tests.conftest import make_settings

BOX = "onetoone@contoso.example"


def _tenant() -> SandboxTenant:
    """A directory listing first someone onetoone never pairs (IT's account, outside the
    Exchange RBAC scope), then a manager and her report (inside it)."""
    tenant = SandboxTenant(seed="doctor-first-run")
    tenant.add_user("IT Admin", "it.admin@contoso.example", hire_date=date(2019, 1, 1))
    tenant.block_mailbox("it.admin@contoso.example")
    mia = tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", "rob@contoso.example", manager=mia,
                    hire_date=date(2021, 1, 1))
    return tenant


def _checks(settings, tenant: SandboxTenant, monkeypatch: pytest.MonkeyPatch
            ) -> dict[str, Check]:
    # Doctor's sandbox is this tenant (its injected faults too), not one from a file.
    monkeypatch.setattr("service.doctor._sandbox", lambda _settings, _now: tenant)
    return {c.name: c for c in asyncio.run(run_checks(settings))}


def _mailbox_checks(checks: dict[str, Check]) -> dict[str, Check]:
    return {name: c for name, c in checks.items() if name.startswith("Graph: ")
            and ("mailbox settings" in name or "calendar" in name or "mail of" in name)}


def test_before_any_pair_the_mailbox_checks_try_a_manager_it_will_pair(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'none-yet.db'}")
    checks = _checks(base, _tenant(), monkeypatch)
    mailbox = _mailbox_checks(checks)
    assert mailbox, "no mailbox was checked"
    assert all("mia@contoso.example" in name for name in mailbox), list(mailbox)
    assert all(c.ok for c in mailbox.values()), [c.detail for c in mailbox.values()]

    # With [pairs] group_id, a member's manager (in the group or not: the organizer).
    tenant = _tenant()
    pilot = tenant.add_group("Pilot")["id"]
    lee = tenant.add_user("Lee Lead", "lee@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Sam Pilot", "sam@contoso.example", hire_date=date(2021, 1, 1),
                    manager=lee, groups=[pilot])
    grouped = dataclasses.replace(base, pairs=dataclasses.replace(base.pairs, group_id=pilot))
    mailbox = _mailbox_checks(_checks(grouped, tenant, monkeypatch))
    assert mailbox and all("lee@contoso.example" in name and c.ok
                           for name, c in mailbox.items()), list(mailbox)

    # With a pairs file as the source, its first manager is the one tried.
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\nmia@contoso.example,rob@contoso.example\n",
                     encoding="utf-8")
    from_file = dataclasses.replace(base, pairs=dataclasses.replace(
        base.pairs, source="file", file=pairs))
    mailbox = _mailbox_checks(_checks(from_file, _tenant(), monkeypatch))
    assert mailbox and all("mia@contoso.example" in name and c.ok
                           for name, c in mailbox.items()), list(mailbox)

    # A directory where nobody has a manager yet: said, not passed with no mailbox tried.
    alone = SandboxTenant(seed="doctor-no-managers")
    alone.add_user("Sol Alone", "sol@contoso.example", hire_date=date(2020, 1, 1))
    nobody = _checks(base, alone, monkeypatch)["Graph: a manager's mailbox"]
    assert not nobody.ok and "--dry-run" in nobody.fix


def test_a_refused_pairs_file_is_named_as_why_no_mailbox_was_tried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pairs file that lists its pairs but is refused for one bad line (here a self-pair)
    leaves doctor no manager to try; the mailbox line says the file is why, not that the
    managers should be set in Entra ID or the pairs listed in the file, which they are."""
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'none-yet.db'}")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\nmia@contoso.example,rob@contoso.example\n"
                     "rob@contoso.example,rob@contoso.example\n", encoding="utf-8")
    settings = dataclasses.replace(base, pairs=dataclasses.replace(
        base.pairs, source="file", file=pairs))
    checks = _checks(settings, _tenant(), monkeypatch)
    assert not checks["pairs file"].ok
    untried = checks["Graph: a manager's mailbox"]
    assert not untried.ok
    assert f"{pairs}" in untried.detail and "refused" in untried.detail, untried.detail
    assert "Entra ID" not in untried.fix and "list the pairs" not in untried.fix, untried.fix


def test_the_topics_mailbox_is_checked_and_a_refusal_asks_for_mail_readwrite(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'topics.db'}")
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = _tenant()
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    checks = _checks(settings, tenant, monkeypatch)
    name = f"Graph: mail of {BOX} ([mail] topics_mailbox; Mail.ReadWrite)"
    assert checks[name].ok, checks[name].detail

    # Exchange refuses the service mailbox's Inbox (Mail.ReadWrite not granted for it):
    # doctor fails, and what it asks for is what the topics job needs there — reading
    # the mail and marking it read — not Mail.Read, which would leave every mail unread.
    tenant.inject_fault("GET", f"/users/{BOX}/mailFolders/inbox/messages", 403, times=5)
    refused = _checks(settings, tenant, monkeypatch)[name]
    assert not refused.ok
    assert "Mail.ReadWrite" in refused.detail and "lacks the Mail.Read " not in refused.detail
