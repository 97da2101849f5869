"""Replicas on one database: the worker holding the duty lease runs the jobs, the others
stand by at no Graph cost and take over when it stops, dies or stops renewing."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.doctor import _database
from service.duty import DUTY_LOCK, Duty, duty_lease
from service.store.db import make_engine, upgrade
from service.store.leases import worker_identity
from service.store.models import LockRow
from service.store.repo import Store
from service.worker import Worker
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _emptied_postgres, gone_worker

HANG_GUARD_SECONDS = 900  # only a renewal that never comes reaches it
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


class Wall:
    """A wall clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def store_for(url: str) -> Store:
    engine = make_engine(url)
    upgrade(engine)
    return Store(engine)


def lease_end(store: Store) -> datetime | None:
    with store.session() as s:
        return s.scalar(select(LockRow.until).where(LockRow.name == DUTY_LOCK))


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == name]


def on_duty(db_url: str, lease: timedelta) -> tuple[Store, Wall, Duty, Duty]:
    """A store, the wall the leases are kept in, a holder on duty and a standby."""
    store, wall = store_for(db_url), Wall(T0)
    holder, standby = Duty("replica-a:7", lease, wall), Duty("replica-b:7", lease, wall)
    assert holder.take(store)
    return store, wall, holder, standby


def wait_until(done: Any, what: str) -> None:
    """Poll for a state the renewal thread brings about (a hang guard, not a budget)."""
    deadline = datetime.now(UTC) + timedelta(seconds=HANG_GUARD_SECONDS)
    while not done():
        assert datetime.now(UTC) < deadline, f"{what} never happened"
        threading.Event().wait(0.05)


@pytest.fixture
def postgres_url() -> str:
    """Replicas share a PostgreSQL database (SQLite takes one worker per file)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ONETOONE_TEST_REQUIRE_POSTGRES=1 but ONETOONE_TEST_POSTGRES_URL unset")
        pytest.skip("set ONETOONE_TEST_POSTGRES_URL to run the replica tests")
    return _emptied_postgres(POSTGRES_URL)


def test_one_replica_runs_the_jobs_and_the_other_stands_by_until_it_stops(
        postgres_url: str, settings_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for(postgres_url)
    first = Worker(settings, identity="replica-a:7")
    second = Worker(settings, identity="replica-b:7")

    first.run_job(sync=True)  # the rollout
    assert first.counters["ticks"] == 1 and first.counters["series_created"] > 0
    assert first.counters["graph_requests"] > 0 and first.last_error is None

    for sync in (True, False, False):
        second.run_job(sync=sync)
    assert second.counters["standby_runs"] == 3 and second.counters["ticks"] == 0
    assert second.counters["graph_requests"] == 0  # standing by costs no Graph request
    ready, why = second.ready()
    assert ready and "standing by: replica-a:7 runs the jobs" in why, why
    assert len(events(caplog, "worker.standby")) == 1  # said once, not every run
    metrics = second.metrics()
    assert metrics["onetoone_standby_runs_total"][2] == 3

    first.run_job(sync=False)  # the holder keeps the duty run after run
    assert first.counters["ticks"] == 2 and first.ready()[1].startswith("ok, last run")

    assert "worker on duty: replica-a:7" in _database(settings).detail  # `onetoone doctor`

    first.give_up_duty()  # stopping: SIGTERM
    assert events(caplog, "worker.duty_released")
    assert "no worker on duty" in _database(settings).detail
    second.run_job(sync=True)  # (a directory sync: it reads the directory's changes)
    assert second.counters["ticks"] == 1 and second.counters["graph_requests"] > 0
    assert second.last_error is None and second.ready()[1].startswith("ok, last run")
    took = events(caplog, "worker.on_duty")[-1]
    assert took.worker == "replica-b:7" and took.previous == "replica-a:7"
    first.run_job(sync=False)
    assert first.counters["ticks"] == 2 and first.counters["standby_runs"] == 1


def test_a_standby_takes_over_once_the_holders_lease_ends(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A holder killed on another host, or cut off from the database, renews no more."""
    caplog.set_level(logging.INFO)
    store = store_for(db_url)
    wall = Wall(T0)
    lease = timedelta(minutes=31)
    first = Duty("replica-a:7", lease, wall)
    second = Duty("replica-b:7", lease, wall)
    assert first.take(store) and not second.take(store)
    wall.at = T0 + timedelta(minutes=15)
    assert first.take(store)  # its next run renews the lease...
    wall.at = T0 + timedelta(minutes=45)
    assert not second.take(store)  # ...so it still holds it past the first lease's end
    wall.at = T0 + timedelta(minutes=15) + lease + timedelta(seconds=1)
    assert second.take(store) and lease_end(store) == wall.at + lease
    assert not first.take(store) and first.holder == "replica-b:7"
    assert [r.worker for r in events(caplog, "worker.on_duty")] == ["replica-a:7",
                                                                     "replica-b:7"]
    assert [r.holder for r in events(caplog, "worker.standby")] == ["replica-a:7",
                                                                    "replica-b:7"]


def test_a_holder_killed_on_this_host_is_replaced_at_once(db_url: str) -> None:
    """No wait for the lease when the holder's process is gone (a `kill -9`, an OOM kill)."""
    store = store_for(db_url)
    wall = Wall(T0)
    gone = gone_worker()
    dead = Duty(gone, timedelta(minutes=31), wall)
    assert dead.take(store)
    # Judged only by a worker of the same name (this host): another waits for the lease.
    assert not Duty("replica-b:7", timedelta(minutes=31), wall).take(store)
    assert Duty(worker_identity(), timedelta(minutes=31), wall).take(store)
    # A named worker restarted by its service manager (a new pid, this host and pid space)
    # likewise takes over at once from its killed self.
    store.drop_lock(DUTY_LOCK, worker_identity())
    _host, pid, *space = gone.split(":")
    killed = ":".join(["pod-a", pid, *space])
    assert Duty(killed, timedelta(minutes=31), wall, name="pod-a").take(store)
    wall.at += timedelta(seconds=10)
    assert Duty(worker_identity("pod-a"), timedelta(minutes=31), wall, name="pod-a").take(store)


def test_a_runs_pairing_leases_go_by_the_configured_name(tmp_path: Any,
                                                       settings_for: Any) -> None:
    """``[worker] name`` names the run's pairing leases (SQLite too: `onetoone tick`)."""
    import asyncio
    import dataclasses

    from service.app import job_context

    settings = settings_for(f"sqlite:///{tmp_path / 'named.db'}")
    named = dataclasses.replace(settings, worker=dataclasses.replace(settings.worker,
                                                                     name="pod-a"))

    async def run_as(chosen: Any) -> str:
        async with job_context(chosen, T0) as ctx:
            return ctx.worker_id
    assert asyncio.run(run_as(named)) == worker_identity("pod-a")
    assert asyncio.run(run_as(settings)) == worker_identity()


def test_a_worker_goes_by_its_configured_name(postgres_url: str, settings_for: Any) -> None:
    """``[worker] name`` sets replicas apart that share a host name (host networking): the
    duty lease goes by it."""
    import dataclasses

    settings = settings_for(postgres_url)
    named = dataclasses.replace(settings, worker=dataclasses.replace(settings.worker,
                                                                     name="pod-a"))
    worker = Worker(named)
    assert worker.duty is not None and worker.duty.owner == worker_identity("pod-a")
    worker.run_job(sync=True)
    assert worker.counters["ticks"] == 1 and worker.counters["series_created"] > 0
    assert _database(named).detail.count("worker on duty: pod-a:") == 1


def test_the_lease_is_renewed_while_a_long_run_lasts(db_url: str) -> None:
    """A first rollout can outlast a lease: the holder renews it as the run goes on, so no
    standby starts the same work beside it."""
    # A short lease makes the renewals come often; the wall the lease is kept in is the
    # test's, so only the order of events matters, not how fast this machine is.
    lease = timedelta(seconds=0.3)
    store, wall, holder, standby = on_duty(db_url, lease)
    requests = iter(range(1, 10**9))  # a run making Graph requests
    with holder.kept(store, lambda: next(requests)):
        wall.at = T0 + timedelta(hours=1)  # far past the lease taken at the start
        wait_until(lambda: lease_end(store) == wall.at + lease, "a renewal")
        assert not standby.take(store)
    # After the run the renewals stop: the lease ends unless the next run renews it.
    wall.at += lease + timedelta(seconds=1)
    assert standby.take(store)


def test_the_lease_outlives_the_gap_between_runs() -> None:
    from service.config.load import default_settings

    cfg = default_settings().worker
    lease = duty_lease(cfg)
    gap = timedelta(minutes=min(cfg.interval_minutes, cfg.sync_minutes))
    assert 2 * gap < lease <= 2 * gap + timedelta(minutes=1)
    # A simulated clock shortens the gaps in real time, and the lease with them.
    assert duty_lease(cfg, speed=60) == 2 * gap / 60 + timedelta(minutes=1)


def test_a_failed_run_gives_the_duty_up(postgres_url: str, settings_for: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault may be the replica's own (its network, its disk): the next run of any
    replica takes the duty, rather than the standbys waiting behind a failing one."""
    from service.errors import GraphError

    settings = settings_for(postgres_url)
    first = Worker(settings, identity="replica-a:7")
    second = Worker(settings, identity="replica-b:7")
    first.run_job(sync=True)
    second.run_job(sync=False)
    assert second.counters["standby_runs"] == 1

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise GraphError("Graph could not be reached (a test's broken network)")

    monkeypatch.setattr("service.jobs.tick.tick", broken)
    first.run_job(sync=False)
    assert first.counters["tick_failures"] == 1 and first.duty is not None
    assert first.duty.holding is None
    # Still ready (one failed run is no outage), but /readyz says it failed (not the words).
    ready, why = first.ready()
    assert ready and why.startswith("ok, last good run") and "GraphError" in why, why
    monkeypatch.undo()
    second.run_job(sync=False)
    assert second.counters["ticks"] == 1 and second.last_error is None
    assert second.ready()[1].startswith("ok, last run")


def test_on_sqlite_the_only_worker_never_stands_by(tmp_path: Any, settings_for: Any) -> None:
    """One worker per SQLite file (its file lock): a lease left by a worker killed on
    another host (a recreated container) must not keep the jobs from running."""
    url = f"sqlite:///{tmp_path / 'one.db'}"
    store = store_for(url)
    assert Duty("old-container:1", timedelta(days=1)).take(store)
    worker = Worker(settings_for(url), identity="new-container:1")
    worker.run_job(sync=True)
    assert worker.counters["ticks"] == 1 and worker.counters["standby_runs"] == 0
    assert worker.counters["series_created"] > 0 and worker.duty is None


def test_a_stalled_run_stops_renewing_and_a_lost_lease_is_not_kept(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A run with no Graph request for a third of a lease (a hung connection, a database
    lock wait) stops renewing; once a standby has taken over, the old holder knows it."""
    caplog.set_level(logging.INFO)
    lease = timedelta(seconds=0.3)
    store, wall, holder, standby = on_duty(db_url, lease)
    requests = [0]
    with holder.kept(store, lambda: requests[0]):
        wall.at = T0 + timedelta(hours=1)
        wait_until(lambda: events(caplog, "worker.run_stalled"), "noticing the stall")
        assert lease_end(store) == T0 + lease  # not renewed
        assert standby.take(store)  # the lease ended: the standby takes over
        requests[0] += 1  # the stuck run moves again, and tries to renew
        wait_until(lambda: events(caplog, "worker.duty_lost"), "noticing the lost lease")
    assert holder.holding is False
    holder.give_up(store)  # (stopping) gives nothing up: the standby keeps the duty
    assert not events(caplog, "worker.duty_released")
    assert store.lock_holder(DUTY_LOCK, wall.at) == "replica-b:7"
