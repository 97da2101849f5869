"""/readyz and a directory sync that keeps failing.

The sync (every [worker] sync_minutes) always asks Graph at least once; a plain tick with
nothing due asks nothing. So a worker whose client secret expired, or whose pairs file is
gone, still has every plain tick go through: its readiness must come from the sync too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.clock import FixedClock
from service.graph.auth import StaticTokenProvider
from service.sandbox.transport import BAD_TOKEN
from service.worker import Worker

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


class RefusedToken(StaticTokenProvider):
    """A token Graph refuses (401), as after the app's client secret expired."""

    def __init__(self) -> None:
        super().__init__(BAD_TOKEN)


@pytest.fixture(params=["pairs file gone", "sign-in refused"])
def failing_sync(request: pytest.FixtureRequest, tmp_path: Path, settings_for: Any,
                 monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, Callable[[], None]]:
    """Settings whose every directory sync fails, what /readyz says of it (never the
    error's words: they can name people), and the mend."""
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}")
    if request.param == "pairs file gone":
        # A share not mounted: every sync's pairs step fails, the rest of the run goes on.
        share = tmp_path / "share"
        pairs = dataclasses.replace(settings.pairs, source="file", file=share / "pairs.csv")

        def mount() -> None:
            share.mkdir()
            (share / "pairs.csv").write_text("# no pairs\n")

        return dataclasses.replace(settings, pairs=pairs), "step failed: pairs", mount
    monkeypatch.setattr("service.graph.factory.StaticTokenProvider", RefusedToken)
    return settings, "AuthError", monkeypatch.undo


def test_a_directory_sync_failing_for_three_sync_intervals_is_not_ready(
        failing_sync: tuple[Any, str, Callable[[], None]]) -> None:
    settings, error, mend = failing_sync
    clock = FixedClock(T0)
    worker = Worker(settings, clock)
    every, tick = timedelta(minutes=settings.worker.sync_minutes), timedelta(minutes=15)
    worker.run_job(sync=True)
    worker.run_job(sync=False)  # nothing is due: no Graph request, so it goes through
    assert worker.last_ok == T0
    ready, why = worker.ready()
    # One failed sync is no outage, but /readyz says so even after a good plain tick.
    assert ready and error in why, why
    for n in (1, 2, 3):  # three more syncs fail; the plain ticks after them go through
        clock.set(T0 + n * every)
        worker.run_job(sync=True)
        clock.set(T0 + n * every + tick)
        worker.run_job(sync=False)
    assert worker.last_ok == T0 + 3 * every + tick
    ready, why = worker.ready()
    assert not ready, why
    assert "no directory sync has gone through since" in why and error in why, why
    mend()  # a sync that goes through makes it ready again
    worker.run_job(sync=True)
    assert worker.ready() == (True, f"ok, last run {worker.last_ok.isoformat()}"), worker.ready()
