"""`onetoone doctor` run from a shell on the service's host, without its configuration
(no --config, no ONETOONE_CONFIG: the systemd unit and the containers set that variable for
the service only) checked the built-in sandbox tenant and passed every line, while the
service runs on the real tenant from /etc/onetoone/onetoone.toml. It now says so."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from service.doctor import run_checks
from tests.conftest import make_settings


def _config_check(tmp_path: Path, deployed: Path, **changes):
    settings = dataclasses.replace(
        make_settings(tmp_path, f"sqlite:///{tmp_path / 'doctor.db'}"), **changes)
    checks = asyncio.run(run_checks(settings, deployed=str(deployed)))
    return next(c for c in checks if c.name == "config")


def test_defaults_on_a_host_with_the_service_file_fail_and_name_it(tmp_path: Path) -> None:
    deployed = tmp_path / "etc" / "onetoone.toml"
    deployed.parent.mkdir()
    deployed.write_text("[microsoft]\ntenant_id = \"contoso.onmicrosoft.com\"\n")
    check = _config_check(tmp_path, deployed, source="defaults")
    assert not check.ok, check
    assert str(deployed) in check.detail and "sandbox" in check.detail
    assert f"--config {deployed} doctor" in check.fix


def test_defaults_elsewhere_pass_and_say_where_they_were_looked_for(tmp_path: Path) -> None:
    check = _config_check(tmp_path, tmp_path / "absent.toml", source="defaults")
    assert check.ok and "ONETOONE_CONFIG" in check.detail and "onetoone.toml" in check.detail


def test_a_config_file_given_is_what_is_checked(tmp_path: Path) -> None:
    deployed = tmp_path / "onetoone.toml"
    deployed.write_text("")
    check = _config_check(tmp_path, deployed, source=str(deployed))
    assert check.ok and check.detail == f"loaded from {deployed}"
