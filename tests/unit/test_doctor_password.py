"""`onetoone doctor` fails a config file that holds the database password where other users
of the machine can read it ([database] url's help asks for ONETOONE_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import load_config
from service.doctor import _password_exposed

URL = "postgresql+psycopg://onetoone:s3cret@db.example:5432/onetoone"


@pytest.mark.parametrize(("mode", "url", "flagged"), [
    (0o644, URL, True), (0o640, URL, True), (0o600, URL, False),
    (0o644, "postgresql+psycopg://onetoone@db.example/onetoone?password=s3cret", True),
    (0o644, "postgresql+psycopg://onetoone@db.example/onetoone", False),
    (0o644, "sqlite:///onetoone.db", False)])
def test_a_readable_config_file_holding_the_password_fails(
        tmp_path: Path, mode: int, url: str, flagged: bool) -> None:
    path = tmp_path / "onetoone.toml"
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    path.chmod(mode)
    check = _password_exposed(load_config(path, env={}))
    assert (check is not None) == flagged, check
    if check is not None:
        assert not check.ok and str(path) in check.detail and f"{mode:04o}" in check.detail
        assert "s3cret" not in check.detail + check.fix
        assert "ONETOONE_DATABASE_URL" in check.fix and f"chmod 600 {path}" in check.fix


def test_a_password_from_the_environment_is_not_the_files(tmp_path: Path) -> None:
    path = tmp_path / "onetoone.toml"
    path.write_text("[pairs]\n", encoding="utf-8")
    path.chmod(0o644)
    assert _password_exposed(load_config(path, env={"ONETOONE_DATABASE_URL": URL})) is None
