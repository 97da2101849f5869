"""`[pairs] exclude` named a person only by their primary address: an entry holding their
user principal name (a service account's sign-in name) excluded nobody, and someone
excluded whose address changed with their name (Exchange keeps the old one as an alias)
was paired, with their manager and with each of their reports, at the next sync. An entry
names someone by any address of theirs or their object id; one that names nobody is said
(the sync's warnings, `onetoone doctor`)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, run_graph
from tests.integration.test_directory_shapes import sync

CHAIR, JANE, ROB = "chair@contoso.example", "jane.doe@contoso.example", "rob@contoso.example"


def _joins(plan: Any) -> set[tuple[str, str]]:
    return {(a.spec.manager.email, a.spec.report.email) for a in plan.actions
            if a.kind == "join" and a.spec is not None}


def _excluding(settings: Any, *entries: str) -> Any:
    return dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, exclude=entries))


def _org(seed: str) -> SandboxTenant:
    tenant = SandboxTenant(seed=seed, now=lambda: NOW)
    tenant.add_user("Chair Person", CHAIR, hire_date=date(2015, 1, 1))
    jane = tenant.add_user("Jane Doe", JANE, manager=CHAIR, hire_date=date(2015, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=jane, hire_date=date(2016, 1, 1))
    return tenant


def test_someone_excluded_stays_excluded_when_their_address_changes(db_url, settings_for
                                                                    ) -> None:
    """Renamed, Jane's old address is an alias of her mailbox: it still names her."""
    tenant = _org("exclude-rename")
    settings = _excluding(settings_for(db_url), JANE.upper())
    first = sync(settings, tenant)
    assert _joins(first) == set() and first.warnings == []
    jane = tenant.user(JANE)
    jane["mail"] = jane["userPrincipalName"] = "jane.smith@contoso.example"
    jane["displayName"] = "Jane Smith"
    jane["proxyAddresses"] = ["SMTP:jane.smith@contoso.example", f"smtp:{JANE}"]
    renamed = sync(settings, tenant)
    assert _joins(renamed) == set() and renamed.warnings == []
    assert not [a for a in renamed.actions if a.kind != "keep"], renamed.actions


def test_an_entry_may_be_a_user_principal_name_or_an_object_id(db_url, settings_for) -> None:
    """A service account excluded by its sign-in name, another by its object id."""
    tenant = _org("exclude-upn")
    tenant.add_user("Svc Backup", "backup@contoso.example", manager=CHAIR,
                    upn="svc-backup@contoso.example", hire_date=date(2015, 1, 1))
    robot = tenant.add_user("Svc Print", "print@contoso.example", manager=CHAIR,
                            hire_date=date(2015, 1, 1))
    settings = _excluding(settings_for(db_url), "SVC-Backup@contoso.example",
                          robot["id"].upper())
    plan = sync(settings, tenant)
    assert _joins(plan) == {(CHAIR, JANE), (JANE, ROB)}, _joins(plan)
    assert plan.warnings == []


def test_an_entry_that_names_nobody_is_said(db_url, settings_for) -> None:
    """A typo (or a leaver's address) excludes no one: the sync and doctor say so."""
    from service.doctor.pairs import exclude_entries

    tenant = _org("exclude-nobody")
    settings = _excluding(settings_for(db_url), "jane.do@contoso.example", CHAIR)
    plan = sync(settings, tenant)
    assert _joins(plan) == {(JANE, ROB)}
    [warning] = plan.warnings
    assert warning.startswith("[pairs] exclude: jane.do@contoso.example is nobody in the "
                              "directory"), warning
    check = run_graph(tenant, settings, lambda graph: exclude_entries(graph, settings))
    assert check.ok and check.warn and "jane.do@contoso.example" in check.detail, check
    assert CHAIR not in check.detail
    fine = _excluding(settings, CHAIR)
    check = run_graph(tenant, fine, lambda graph: exclude_entries(graph, fine))
    assert check.ok and not check.warn, check
