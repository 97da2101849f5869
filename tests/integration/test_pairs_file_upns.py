"""A pairs file may name people by user principal name, which in many organisations is not
their mail (sign-in ana.silva@corp.example, mail ana.silva@contoso.example): HR exports often
key on the sign-in name. The copy of the directory kept with users/delta already holds each
user's UPN, so such a file costs no lookup per person on a sync, as a file of primary
addresses doesn't (test_directory_delta): not 10,000 GETs, batched 20 at a time, on every
sync that has a directory change to gather."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW, kinds, sync

LOOKUPS = r"^/users/(?!delta$)[^/?]+$"  # GET /users/{id or UPN}, batched or not
REPORTS = 30


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_a_pairs_file_of_upns_is_resolved_from_the_delta(settings, tmp_path: Path) -> None:
    tenant = SandboxTenant(seed="file-upns", now=lambda: NOW)
    tenant.add_user("Ceo Boss", "ceo@contoso.example", upn="c.boss@corp.example",
                    hire_date=date(2015, 1, 1))
    for n in range(REPORTS):
        tenant.add_user(f"Person {n}", f"person{n}@contoso.example", upn=f"P{n}@corp.example",
                        hire_date=date(2020, 1, 1))
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\n" + "".join(f"c.boss@corp.example,P{n}@corp.example\n"
                                                  for n in range(REPORTS)))
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))

    first, _ = sync(settings, tenant)
    assert [kind for kind, _ in kinds(first)] == ["join"] * REPORTS
    # A change elsewhere in the directory: the file is resolved again, from the delta.
    tenant.add_user("Ned New", "ned@contoso.example", hire_date=date(2026, 1, 1))
    again, requests = sync(settings, tenant)
    assert kinds(again) == [] and requests == 1
    assert tenant.count("GET", LOOKUPS) == 0
