"""An empty ONETOONE_MICROSOFT_TENANT_ID (a Compose `.env` line with nothing after the `=`, an
unset ${VAR} in a Secret) wins over the file's tenant_id and puts onetoone in sandbox mode,
which is refused while credentials are set. The message blamed the file's client_id line and
never named the variable: the admin read a tenant_id that is set, and found nothing to fix.
It names the variable and the line it hides; a `tenant_id = ""` written in the file is named
by its own line, not client_id's."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_env

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "11111111-2222-3333-4444-666666666666"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 1000)  # (one line per error: said as a whole)
    monkeypatch.setenv("ONETOONE_MICROSOFT_CLIENT_SECRET", "s3cret")
    return CliRunner()


def _error(runner: CliRunner, config: str) -> str:
    result = runner.invoke(cli, ["--config", config, "doctor"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "s3cret" not in result.output
    return " ".join(result.output.split())


def test_an_empty_tenant_variable_is_named_with_the_line_it_hides(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable, and the file's line whose tenant it hides, are named; not client_id's."""
    Path("t.toml").write_text(f'[microsoft]\ntenant_id = "{TENANT}"\nclient_id = "{CLIENT}"\n',
                              encoding="utf-8")
    monkeypatch.setenv("ONETOONE_MICROSOFT_TENANT_ID", "")
    said = _error(runner, "t.toml")
    assert said.startswith(
        "error: ONETOONE_MICROSOFT_TENANT_ID: [microsoft] tenant_id is empty (sandbox mode): "
        "the environment variable ONETOONE_MICROSOFT_TENANT_ID is set but empty, and wins over "
        "tenant_id in t.toml:2. But client_id, ONETOONE_MICROSOFT_CLIENT_SECRET are set"), said
    assert said.endswith("Set ONETOONE_MICROSOFT_TENANT_ID to your tenant, or unset it to use "
                         "the tenant_id in t.toml:2 (an empty variable is not an unset one)."), said
    assert "t.toml:3" not in said


def test_an_empty_tenant_variable_over_no_tenant_in_the_file(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank (spaces only) is empty too; with no tenant to fall back on, unsetting is not enough."""
    Path("t.toml").write_text(f'[microsoft]\nclient_id = "{CLIENT}"\n', encoding="utf-8")
    monkeypatch.setenv("ONETOONE_MICROSOFT_TENANT_ID", "  ")
    said = _error(runner, "t.toml")
    assert said.startswith("error: ONETOONE_MICROSOFT_TENANT_ID: [microsoft] tenant_id is "
                           "empty (sandbox mode): the environment variable "
                           "ONETOONE_MICROSOFT_TENANT_ID is set but empty. But"), said
    assert said.endswith("or unset it and remove them to use the sandbox."), said


def test_an_empty_tenant_written_in_the_file_is_named_by_its_line(runner: CliRunner) -> None:
    """`tenant_id = ""` in the file: its own line (2), not client_id's (3)."""
    Path("t.toml").write_text(f'[microsoft]\ntenant_id = ""\nclient_id = "{CLIENT}"\n',
                              encoding="utf-8")
    assert _error(runner, "t.toml").startswith(
        "error: t.toml:2: [microsoft] tenant_id is empty (sandbox mode) but client_id, "
        "ONETOONE_MICROSOFT_CLIENT_SECRET are set, so they would be silently ignored.")


def test_no_tenant_at_all_is_still_named_by_the_credential_set(runner: CliRunner) -> None:
    """(tenant_id left at its default: the line to look at is client_id's.)"""
    Path("t.toml").write_text(f'[microsoft]\nclient_id = "{CLIENT}"\n', encoding="utf-8")
    assert _error(runner, "t.toml").startswith(
        "error: t.toml:2: [microsoft] tenant_id is empty (sandbox mode) but client_id")
