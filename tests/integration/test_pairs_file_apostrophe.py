"""An address with an apostrophe (sean.o'brien@...) is an ordinary one in Entra ID: Graph's
user resource lists ' among the characters a userPrincipalName may hold (A-Z a-z 0-9
' . - _ ! # ^ ~), and Exchange Online takes it in SMTP addresses. A pairs file or
`[pairs] exclude` naming such a person works like any other, rather than the whole file
being refused (every pair's joiners, movers and leavers held up by one surname)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.config.load import load_config
from service.domain.pairs_csv import FilePair, is_valid_email, parse_pairs_csv
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW
from tests.integration.test_directory_shapes import ANN, CEO, sync

SEAN = "sean.o'brien@contoso.example"


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_an_apostrophe_is_part_of_a_valid_address() -> None:
    assert is_valid_email(SEAN) and is_valid_email("d'angelo@contoso.example")
    assert parse_pairs_csv(f"{CEO},Sean.O'Brien@contoso.example\n", "pairs.csv") == [
        FilePair(CEO, SEAN, None, None, 1)]


@pytest.mark.parametrize("source", ["file", "both"])
def test_a_pairs_file_pairs_someone_whose_address_has_an_apostrophe(
        settings, tmp_path: Path, source: str) -> None:
    tenant = SandboxTenant(seed="file-apostrophe", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Sean O'Brien", SEAN, hire_date=date(2020, 1, 1))
    tenant.add_user("Ann Able", ANN, hire_date=date(2020, 1, 1))
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"manager,report\n{CEO},{SEAN}\n{SEAN},{ANN}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source=source, file=pairs))
    plan = sync(settings, tenant)
    joined = {(a.spec.manager.email, a.spec.report.email)
              for a in plan.actions if a.kind == "join" and a.spec is not None}
    assert joined == {(CEO, SEAN), (SEAN, ANN)}


def test_pairs_exclude_takes_an_address_with_an_apostrophe(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[pairs]\nexclude = ["{SEAN}"]\n')
    assert load_config(config, env={}).pairs.exclude == (SEAN,)
