"""A display name holding a right-to-left mark, a zero-width space or another invisible
format character (pasted into Entra ID, or put there on purpose) made the terminal lay out
the rest of its `pairs` or `status` row right to left, or count a column the table did not:
the columns no longer lined up. Names are shown without them."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.cli.output import person_cell
from service.sandbox import SandboxTenant
from tests.cli_env import cli_env

NOW = "2026-11-23T09:00:00Z"
# Names as the directory holds them (Graph drops bidi overrides and isolates on the way in,
# not marks or zero-width characters).
HOSTILE = {"mia@contoso.example": "Mia\u200f Manager",
           "rob@contoso.example": "\u200bRob\u2060 Report\ufeff",
           "ali@contoso.example": "Ali\u061c Amin\u200e"}


def _invisible(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text
            if unicodedata.category(c) == "Cf" and c not in "\u200c\u200d"]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 220)
    tenant = SandboxTenant(seed="hostile-names", domain="contoso.example")
    tenant.add_user(HOSTILE["mia@contoso.example"], "mia@contoso.example",
                    hire_date=date(2020, 1, 1))
    for email in ("rob@contoso.example", "ali@contoso.example"):
        tenant.add_user(HOSTILE[email], email, manager="mia@contoso.example",
                        hire_date=date(2021, 1, 1))
    tenant.save(tmp_path / "onetoone-sandbox.json")
    return CliRunner()


def test_pairs_and_status_show_names_without_invisible_characters(runner: CliRunner) -> None:
    listed = runner.invoke(cli, ["pairs", "--now", NOW])
    assert listed.exit_code == 0, listed.output
    assert runner.invoke(cli, ["tick", "--now", NOW]).exit_code == 0
    shown = runner.invoke(cli, ["status", "--now", NOW])
    assert shown.exit_code == 0, shown.output
    for output in (listed.output, shown.output):
        table = output.split("\n\n")[0]  # (the table; lines below it are not cells)
        assert _invisible(table) == [], (table, _invisible(table))
        for name in ("Mia Manager", "Rob Report", "Ali Amin"):
            assert name in table, table


@pytest.mark.parametrize("name", [
    "Eve\u202e nosliW", "\u2066Eve\u2069 Wilson", "Eve\u200f\u200e Wilson", "Eve\u00ad Wilson",
    "Eve\x1b[2J Wilson", "Eve\nWilson", "Eve \x85Wilson"])
def test_a_name_cell_holds_no_control_or_format_character(name: str) -> None:
    cell = person_cell(SimpleNamespace(name=name, email="eve@contoso.example"))
    shown = cell.split("\n")[0]
    assert _invisible(shown) == [] and shown.isprintable(), repr(shown)
    assert " ".join(shown.replace("[2J", "").split()) in ("Eve nosliW", "Eve Wilson"), shown
    assert cell.endswith("\neve@contoso.example")


def test_letters_shaped_by_a_joiner_keep_it() -> None:
    name = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb"
    assert person_cell(SimpleNamespace(name=name, email="x@contoso.example")).split(
        "\n")[0] == name
