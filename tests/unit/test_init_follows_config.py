"""`onetoone init` writes the file the other commands will read: the global --config /
ONETOONE_CONFIG when given (else ./onetoone.toml), so `--config X init` then `--config X
doctor` works instead of "config file not found ... create one with `onetoone init`"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ONETOONE_CONFIG", raising=False)
    return tmp_path


def test_init_writes_the_global_config_path(here: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", "site.toml", "init"])
    assert result.exit_code == 0, result.output
    assert (here / "site.toml").is_file()
    assert not (here / "onetoone.toml").exists()


def test_init_writes_onetoone_config_env(here: Path) -> None:
    target = here / "etc" / "onetoone.toml"
    target.parent.mkdir()
    result = CliRunner().invoke(cli, ["init"], env={"ONETOONE_CONFIG": str(target)})
    assert result.exit_code == 0, result.output
    assert target.is_file()
    assert not (here / "onetoone.toml").exists()


def test_init_defaults_and_path_still_work(here: Path) -> None:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (here / "onetoone.toml").is_file()
    result = CliRunner().invoke(cli, ["--config", "a.toml", "init", "--path", "b.toml"])
    assert result.exit_code == 0, result.output
    assert (here / "b.toml").is_file() and not (here / "a.toml").exists()


def test_init_names_the_doctor_command_that_reads_the_file_written(here: Path) -> None:
    """`init --path X` said "then run onetoone doctor", which reads ./onetoone.toml (or the
    built-in defaults: the sandbox, all green), not X."""
    result = CliRunner().invoke(cli, ["init", "--path", "etc/site one.toml"])
    assert result.exit_code == 1  # (no such folder: said, nothing written)
    (here / "etc").mkdir()
    result = CliRunner().invoke(cli, ["init", "--path", "etc/site one.toml"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "then run onetoone --config 'etc/site one.toml' doctor" in said, said
    result = CliRunner().invoke(cli, ["--config", "site.toml", "init"])
    assert "then run onetoone --config site.toml doctor" in " ".join(result.output.split())
    # Where doctor looks without --config: the plain command.
    result = CliRunner().invoke(cli, ["init"])
    assert "then run onetoone doctor" in " ".join(result.output.split())
    target = here / "etc" / "onetoone.toml"
    result = CliRunner().invoke(cli, ["init"], env={"ONETOONE_CONFIG": str(target)})
    assert "then run onetoone doctor" in " ".join(result.output.split())
