"""A worker whose runs came due while it could not run them (the laptop asleep, the VM
paused, the process stopped) runs each job once as it wakes: not once per missed interval,
and not never until the next interval. Nor does a wall clock set back leave it idle."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from service.worker import Worker, _run_worker

# Three hours asleep, and seven minutes: the last run time missed is minutes old, not now.
ASLEEP = timedelta(hours=3, minutes=7)


class WokenAfterASleep(BackgroundScheduler):
    """The worker's scheduler, its every job's run time passed three hours ago: as it finds
    its jobs once the machine it runs on wakes up."""

    def start(self, paused: bool = False) -> None:
        super().start(paused=True)
        for job in self.get_jobs():
            self.modify_job(job.id, next_run_time=datetime.now(UTC) - ASLEEP)
        self.resume()


class SetBackAnHour(BackgroundScheduler):
    """The worker's scheduler once the wall clock was set back an hour (NTP correcting a
    clock that ran ahead), its jobs due a second later in real time: their next run times
    are an hour and a second away on the clock."""

    def start(self, paused: bool = False) -> None:
        super().start(paused=True)
        for job in self.get_jobs():
            self.modify_job(job.id, next_run_time=datetime.now(UTC) + timedelta(hours=1,
                                                                               seconds=1))
        self.resume()


class WallClockSetBack:
    """The ``time`` module as the worker sees it: the wall clock an hour back after its
    first reading, the monotonic clock going on."""

    def __init__(self) -> None:
        self.readings = 0

    def time(self) -> float:
        self.readings += 1
        return time.time() - (3600 if self.readings > 1 else 0)

    def monotonic(self) -> float:
        return time.monotonic()


def run_worker_for_a_moment(tmp_path: Path, settings_for: Any,
                            monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the worker until its first two runs (or five seconds), then SIGTERM it: the runs
    it made, by job."""
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}")
    settings = dataclasses.replace(
        settings, worker=dataclasses.replace(settings.worker, health_port=0))
    ran: list[str] = []

    def run_job(self: Worker, sync: bool) -> None:
        ran.append("sync" if sync else "tick")

    monkeypatch.setattr(Worker, "run_job", run_job)

    returned = threading.Event()  # (a worker that failed to start: no signal for pytest)

    def stop_soon() -> None:
        end = time.monotonic() + 5  # far less than an interval: only catch-up runs fit
        while time.monotonic() < end and len(ran) < 2:
            time.sleep(0.05)
        time.sleep(0.5)  # room for a run too many
        if not returned.is_set():
            os.kill(os.getpid(), signal.SIGTERM)

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    stopper = threading.Thread(target=stop_soon, daemon=True)
    stopper.start()
    try:
        _run_worker(settings, None, None)
    finally:
        returned.set()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        stopper.join(10)
    return ran


def test_runs_missed_while_asleep_are_run_once_on_waking(
        tmp_path: Path, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("service.worker.BackgroundScheduler", WokenAfterASleep)
    ran = run_worker_for_a_moment(tmp_path, settings_for, monkeypatch)
    assert sorted(ran) == ["sync", "tick"], (
        f"runs on waking: {ran}; a run missed while asleep must run once at once, not wait "
        "for the next interval")


def test_a_wall_clock_set_back_does_not_stop_the_runs(
        tmp_path: Path, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("service.worker.BackgroundScheduler", SetBackAnHour)
    monkeypatch.setattr("service.worker.time", WallClockSetBack(), raising=False)
    monkeypatch.setattr("service.worker.CLOCK_CHECK_SECONDS", 0.2, raising=False)
    ran = run_worker_for_a_moment(tmp_path, settings_for, monkeypatch)
    assert sorted(ran) == ["sync", "tick"], (
        f"runs after the clock was set back an hour: {ran}; each job must run when due in "
        "real time, not an hour later")
