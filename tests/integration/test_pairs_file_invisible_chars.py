"""A pairs file whose address carries an invisible character (a second UTF-8 BOM where two
exports were concatenated, a zero-width space or a left-to-right mark pasted from a web
page or chat) is refused with a message that shows the address as if it were fine: "
ann@contoso.example is not a user in the directory" while she is. The message must show
what is wrong with the address."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.app import job_context
from service.domain.pairs_csv import parse_pairs_csv
from service.errors import PairsFileError
from service.jobs.pairs import sync_pairs
from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW

CEO, ANN, BOB = "ceo@contoso.example", "ann@contoso.example", "bob@contoso.example"
INVISIBLE = ["\ufeff", "\u200b", "\u200e", "\u2060", "\u00ad"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_the_parser_names_an_invisible_character_in_an_address(char: str) -> None:
    text = f"manager,report\n{CEO},{ANN}\n{char}{ANN},{BOB}\n"
    with pytest.raises(PairsFileError) as refused:
        parse_pairs_csv(text, "pairs.csv")
    message = str(refused.value)
    assert message.startswith("pairs.csv:3:"), message
    assert f"U+{ord(char):04X}" in message, message


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_a_sync_refusing_it_does_not_claim_a_real_user_is_missing(settings,
                                                                 tmp_path: Path) -> None:
    tenant = SandboxTenant(seed="invisible", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Ann Able", ANN, manager=CEO, hire_date=date(2020, 1, 1))
    tenant.add_user("Bob Baker", BOB, manager=ANN, hire_date=date(2020, 1, 1))
    pairs = tmp_path / "pairs.csv"
    # Two exports concatenated: the second one's BOM starts line 3.
    pairs.write_bytes(f"\ufeffmanager,report\n{CEO},{ANN}\n\ufeff{ANN},{BOB}\n".encode())
    settings = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))

    async def go() -> Any:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await sync_pairs(ctx, NOW)

    with pytest.raises(PairsFileError) as refused:
        asyncio.run(go())
    message = str(refused.value)
    assert "is not a user in the directory" not in message, message
    assert "pairs.csv:3:" in message and "U+FEFF" in message, message
