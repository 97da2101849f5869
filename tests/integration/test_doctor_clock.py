"""`onetoone doctor` on a server database compares this host's clock with the server's:
replicas on several hosts judge one another's claims by their own clocks, so one well off
takes over work another holds (an agenda written twice, a mail sent twice)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from service.doctor import Check, run_checks
from service.store import db as store_db
from tests.conftest import make_settings


class _Skewed:
    """time, as read on a host whose clock is ``ahead`` seconds fast."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead

    def time(self) -> float:
        return time.time() + self.ahead

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def _checks(tmp_path: Path, url: str) -> dict[str, Check]:
    return {c.name: c for c in asyncio.run(run_checks(make_settings(tmp_path, url)))}


def test_a_host_clock_minutes_off_the_servers_is_warned(db_url: str, tmp_path: Path,
                                                        monkeypatch) -> None:
    if db_url.startswith("sqlite"):
        assert "clock" not in _checks(tmp_path, db_url)  # one host: nothing to compare
        return
    assert "clock" not in _checks(tmp_path, db_url)  # in step
    monkeypatch.setattr(store_db, "time", _Skewed(300.0))
    check = _checks(tmp_path, db_url)["clock"]
    assert check.ok and check.warn
    assert "this host's clock is 300 s ahead of the database server's" in check.detail
    assert "NTP" in check.fix
    monkeypatch.setattr(store_db, "time", _Skewed(-90.0))
    assert "90 s behind" in _checks(tmp_path, db_url)["clock"].detail


@pytest.mark.parametrize("ahead", [5.0])
def test_a_few_seconds_are_not_a_warning(db_url: str, tmp_path: Path, monkeypatch,
                                         ahead: float) -> None:
    monkeypatch.setattr(store_db, "time", _Skewed(ahead))
    assert "clock" not in _checks(tmp_path, db_url)
