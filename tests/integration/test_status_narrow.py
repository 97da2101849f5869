"""`onetoone status` and `onetoone pairs` on an ordinary terminal (100 to 140 columns): rich
fits a table to any width by cutting cells to "…" and squeezing whole columns to nothing,
so a pair's open actions and mail (failed mail included), its status and the emails PAIR
arguments take went missing. Too narrow for the table, each pair is a few lines instead,
with every value whole; wide enough, the table is as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_env
from tests.integration.test_status_display import EMAIL, store

NOW = "2026-11-23T10:00:00Z"


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, [*args, "--now", NOW])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The demo organisation scheduled as of Mon 23 Nov 2026, on a 120-column terminal."""
    cli_env(monkeypatch, tmp_path, 120)
    runner = CliRunner()
    run(runner, "tick")
    return runner


def test_status_on_a_120_column_terminal_cuts_nothing(runner: CliRunner) -> None:
    shown = run(runner, "status")
    assert "…" not in shown, shown
    views = store().views()
    # Every email whole (a PAIR argument is pasted from here), and each pair's figures.
    assert {e for v in views for e in (v.manager.email, v.report.email)} <= set(
        EMAIL.findall(shown))
    assert len(re.findall(r"open actions: \d+", shown)) == len(views), shown
    assert len(re.findall(r"  mail: ", shown)) == len(views), shown


def test_pairs_on_a_100_column_terminal_cuts_nothing(runner: CliRunner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    listed = run(runner, "pairs")
    assert "…" not in listed, listed
    assert "why: " in listed


def test_a_wide_terminal_still_gets_the_table(runner: CliRunner,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    shown = run(runner, "status")
    assert "┃ manager" in shown and "open actions" in shown and "…" not in shown
