"""A command that only reads (or changes what runs stored), run where there is no database
yet (a wrong folder, a config not given), says so and leaves no empty `onetoone.db` behind;
it used to create one and show an empty table, as if no pair existed. `pairs` and `schedule
--dry-run`, which change nothing, still show what the first run would do, on the sandbox's
organisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_cli_paths import NOW, TOM, refused, runner

__all__ = ["runner"]  # the fixture, as test_cli_paths has it

READ_ONLY = (("status",), ("actions",), ("mail",), ("report", "--now", NOW),
             ("preview", TOM, "--out", "p.html"),
             ("evidence", TOM, "--from", "2026-11-01", "--to", "2026-12-31"))
# Commands that change what runs stored: with no database there is nothing for them to change
# (no pair, no mail, no action), so they are refused the same way, not run on an empty one.
NEEDS_STORED = (("topics", "add", TOM, "Career plans"), ("notes", "add", TOM),
                ("actions", "done", "1"), ("pairs", "reset", TOM), ("mail", "resend", "1"),
                ("mail", "mark-sent", "1"), ("forget", TOM, "--yes"),
                ("retention", "--yes", "--now", NOW))


@pytest.mark.parametrize("args", READ_ONLY + NEEDS_STORED, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_command_refuses_a_database_not_there(
        runner: CliRunner, tmp_path: Path, args: tuple[str, ...],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONETOONE_PRIVACY_RETAIN_MONTHS", "12")  # (retention's own check)
    out = refused(runner, *args)
    assert f"No database at {tmp_path / 'onetoone.db'}" in " ".join(out.split())
    assert "onetoone schedule" in out and "[database] url" in out
    assert not (tmp_path / "onetoone.db").exists()


def test_pairs_and_a_dry_run_show_the_first_run_and_create_no_database(
        runner: CliRunner, tmp_path: Path) -> None:
    for args in (["pairs", "--now", NOW], ["schedule", "--dry-run", "--now", NOW]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "tom.fletcher@contoso.example" in result.output or "Tom Fletcher" in \
            result.output, result.output
    assert not (tmp_path / "onetoone.db").exists()


def test_doctor_names_the_database_it_would_create_by_its_whole_path(
        runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["doctor"], catch_exceptions=False)
    line = next(x for x in result.output.splitlines() if "database:" in x)
    assert f"{tmp_path / 'onetoone.db'} does not exist yet" in line
