"""Dates and instants given on the command line past what the jobs can reach (they look a
year either side; Python's dates stop at years 1 and 9999) are refused naming the option,
never an OverflowError's traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_cli_paths import NOW, TOM, runner  # noqa: F401 (fixture)


@pytest.mark.parametrize("args, option", [
    (["report", "--to", "9999-12-31"], "--to"),
    (["report", "--to", "9999-12-30"], "--to"),
    (["evidence", TOM, "--from", "2026-01-01", "--to", "9999-12-31"], "--to"),
    (["status", "--now", "0001-01-01T00:00Z"], "--now"),
    (["tick", "--dry-run", "--now", "9999-12-01T00:00Z"], "--now"),
    (["pairs", "--now", "9999-01-01"], "--now"),
    (["preview", TOM, "--date", "0001-01-01"], "--date"),
    (["notes", "add", TOM, "--date", "9999-12-31"], "--date"),
])
def test_dates_out_of_range_are_refused_naming_the_option(runner: CliRunner,  # noqa: F811
                                                          tmp_path: Path, args: list[str],
                                                          option: str) -> None:
    assert runner.invoke(cli, ["schedule", "--now", NOW], catch_exceptions=False
                         ).exit_code == 0
    result = runner.invoke(cli, args, input="a note\n", catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "is out of range: use a date in the years 1900–2999" in result.output
