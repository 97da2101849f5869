"""`[pairs] exclude` is "Emails never paired, as manager or report" (config/keys.py;
troubleshooting: "anyone in [pairs] exclude [is] never paired"), whatever the source. With a
pairs file as the source, an excluded address listed in the file is paired anyway."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW
from tests.integration.test_directory_shapes import ANN, BOB, CEO, sync


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


@pytest.mark.parametrize("source", ["directory", "file", "both"])
def test_an_excluded_address_is_never_paired(settings, tmp_path: Path, source: str) -> None:
    tenant = SandboxTenant(seed="file-exclude", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=ANN, hire_date=date(2020, 1, 1))
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"manager,report\n{CEO},{ANN}\n{ANN},{BOB}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source=source, file=pairs, exclude=(CEO,)))
    plan = sync(settings, tenant)
    paired = {(a.spec.manager.email, a.spec.report.email)
              for a in plan.actions if a.kind == "join" and a.spec is not None}
    assert (ANN, BOB) in paired
    assert not any(CEO in pair for pair in paired), paired
