"""Guests are never paired, "whichever the source" (docs/how-it-decides.md, troubleshooting):
in Entra ID a guest (userType Guest, an #EXT# user principal name) has no mailbox in this
organisation, so a series can't be organised in their calendar, and the directory source
already leaves them out. A pairs file naming one is refused at that line, as one naming a
disabled account is, rather than a pairing made that no run can book."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from service.errors import PairsFileError
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW
from tests.integration.test_directory_shapes import ANN, CEO, sync

GUS = "gus@partner.example"


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org() -> SandboxTenant:
    tenant = SandboxTenant(seed="file-guests", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, hire_date=date(2020, 1, 1))
    # As Entra ID invites one: userType Guest, the UPN the invitation gave them.
    tenant.add_user("Gus Guest", GUS, user_type="Guest",
                    upn="gus_partner.example#EXT#@contoso.example")
    return tenant


@pytest.mark.parametrize(("line", "number"), [(f"{GUS},{ANN}", 2), (f"{CEO},{GUS}", 2)])
@pytest.mark.parametrize("source", ["file", "both"])
def test_a_guest_in_the_pairs_file_is_refused_at_its_line(
        settings, tmp_path: Path, source: str, line: str, number: int) -> None:
    tenant = _org()
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"manager,report\n{line}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source=source, file=pairs))
    with pytest.raises(PairsFileError) as refused:
        sync(settings, tenant)
    message = str(refused.value)
    assert message.startswith(f"{pairs}:{number}: {GUS} is a guest account"), message
    assert "Remove the line" in message


def test_a_guest_named_by_their_ext_upn_is_refused_too(settings, tmp_path: Path) -> None:
    """Named by the #EXT# user principal name an invitation gives (no one's mail)."""
    tenant = _org()
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"{CEO},gus_partner.example#ext#@contoso.example\n{CEO},{ANN}\n")
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    with pytest.raises(PairsFileError, match=r"pairs\.csv:1: .* is a guest account"):
        sync(settings, tenant)
