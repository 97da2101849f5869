"""Who counts as a manager of others (fortnightly, not monthly) in a messy directory: only
someone who manages another person in the pairs onetoone makes. A record that names a
person as their own manager, or the half of a "two people manage each other" loop that is
set aside (one series between them, see test_directory_shapes), manages no one, so it
must not double the cadence of that person's own 1-2-1 or say "manages others"."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, key
from tests.integration.test_directory_shapes import sync

CEO, ANN, BOB = "ceo@contoso.example", "ann@contoso.example", "bob@contoso.example"


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _joins(plan) -> dict[str, str]:
    return {a.key: a.reason for a in plan.actions if a.kind == "join"}


def test_the_loop_half_set_aside_does_not_make_a_manager(settings) -> None:
    tenant = SandboxTenant(seed="manages-loop", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=ANN, hire_date=date(2020, 1, 1))
    tenant.set_manager(ANN, BOB)  # each now recorded as the other's manager
    plan = sync(settings, tenant)
    joins = _joins(plan)
    cycle = next(w for w in plan.warnings if "management cycle" in w)
    # Only Bob meets Ann (the warning says so): Ann, the report, manages no one else.
    assert f"Until then only {BOB} meets {ANN}" in cycle, cycle
    assert joins[key(tenant, BOB, ANN)] == "new pair (directory); monthly 30m: default"


def test_own_manager_record_does_not_make_a_manager(settings, tmp_path: Path) -> None:
    """source = "both": the pairs file pairs Sue with her real manager; the directory's
    only word on Sue is that she manages herself."""
    tenant = SandboxTenant(seed="manages-self", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Sue Self", "sue@contoso.example", hire_date=date(2020, 1, 1))
    tenant.set_manager("sue@contoso.example", "sue@contoso.example")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"manager,report\n{CEO},sue@contoso.example\n")
    both = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="both", file=pairs))
    joins = _joins(sync(both, tenant))
    reason = joins[key(tenant, CEO, "sue@contoso.example")]
    assert reason.endswith("monthly 30m: default"), reason
