"""A SQLite database holds every note, private ones included, and is created readable by its
owner only. One restored from a backup or copied into place keeps whatever mode it had
(`sqlite3 … ".backup …"` and `cp` without the documented umask write 0644): `onetoone doctor`
says so, and the next run makes it owner-only again."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from service.app import open_store
from tests.conftest import make_settings
from tests.integration.test_doctor_first_run import _checks, _tenant


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _restored(tmp_path: Path):
    """Settings over a database file that, as restored, every user of the machine can read."""
    path = tmp_path / "onetoone.db"
    settings = make_settings(tmp_path, f"sqlite:///{path}")
    open_store(settings)
    assert _mode(path) == 0o600
    files = [p for p in (path, tmp_path / "onetoone.db-wal", tmp_path / "onetoone.db-shm")
             if p.exists()]
    for one in files:
        one.chmod(0o644)
    return settings, path, files


def test_doctor_says_a_database_others_can_read(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings, path, _files = _restored(tmp_path)
    checks = _checks(settings, _tenant(), monkeypatch)
    exposed = [c for c in checks.values() if not c.ok and str(path) in c.detail]
    assert exposed, {name: (c.ok, c.detail) for name, c in checks.items()}
    assert "chmod 600" in exposed[0].fix, exposed[0]
    assert _mode(path) == 0o644, "a check changes nothing"


def test_the_next_run_makes_it_owner_only(tmp_path: Path) -> None:
    settings, path, files = _restored(tmp_path)
    assert path in files
    open_store(settings)
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): oct(0o600) for p in files}
