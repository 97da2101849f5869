"""SIGTERM while the run in hand waits on Graph (a Retry-After): the worker's stop ends the
wait, so the run finishes and the worker exits within the supervisor's grace period (systemd,
Compose and Kubernetes give 120 s, then SIGKILL, which leaves the duty lease held)."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

import service.app as app
from service.config.load import default_settings
from service.worker import Worker

HANG_GUARD_SECONDS = 60  # only reached when the stop does not end the wait


def test_the_stop_ends_the_runs_wait_on_graph_and_the_run_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Every manager's free/busy read is throttled, and the transport's wait never ends by
    itself: the stop (what the SIGTERM handler calls) ends it, nothing more is retried, and
    the run goes on to its end, its pairs left for the next run."""
    caplog.set_level(logging.INFO, logger="service.worker")
    monkeypatch.chdir(tmp_path)  # the default settings' database and sandbox files
    worker = Worker(default_settings())
    waiting = threading.Event()

    async def never_wakes(_seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    load, graph_for = app.load_sandbox, app.graph_for

    def throttled(settings: Any, today: Any) -> Any:
        tenant = load(settings, today)
        tenant.inject_fault("POST", r"/calendar/getSchedule$", 429, times=10**6,
                            retry_after=5, code="ApplicationThrottled")
        return tenant

    def sleeping(settings: Any, **options: Any) -> Any:
        return graph_for(settings, **options, sleep=never_wakes)

    monkeypatch.setattr(app, "load_sandbox", throttled)
    monkeypatch.setattr(app, "graph_for", sleeping)
    run = threading.Thread(target=worker.run_job, kwargs={"sync": True}, daemon=True)
    run.start()
    assert waiting.wait(HANG_GUARD_SECONDS), "the run never waited on Graph"
    assert worker.stop() and worker.busy
    run.join(HANG_GUARD_SECONDS)
    assert not run.is_alive(), "the run still waits on Graph after the stop"
    assert worker.counters["ticks"] == 1 and worker.counters["tick_failures"] == 0
    assert worker.counters["series_created"] == 0  # every pair left for the next run
    assert "worker.tick" in [r.getMessage() for r in caplog.records]
