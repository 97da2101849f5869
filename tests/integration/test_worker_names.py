"""Workers given one ``[worker] name`` by mistake (Compose ``--scale``, one env file for two
containers, one config file on two hosts): they never share a lease holder's identity nor
judge each other's pids, only one runs the jobs and the other says why; a container
restarted after a kill still takes its duty back, once its old instance has gone silent."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.doctor import _database
from service.doctor.duty import name_clash
from service.domain.records import PersonUpdate
from service.duty import BEAT_SECONDS, DUTY_LOCK, SILENT_AFTER, Duty
from service.store import leases
from service.store.db import make_engine, upgrade
from service.store.leases import NAME_CLASH_LOCK, holder_is_gone
from service.store.repo import Store
from service.worker import Worker
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _emptied_postgres, gone_worker

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
LEASE = timedelta(minutes=31)  # the duty lease with the default intervals
CLAIM = timedelta(minutes=10)  # a pairing's claim
HANG_GUARD_SECONDS = 900  # only a beat that never comes reaches it


class Wall:
    """A wall clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def identity_in(monkeypatch: pytest.MonkeyPatch, name: str, space: str,
                pid: int | None = None) -> str:
    """The identity of a worker named ``name`` running as ``pid`` (this process's by
    default) in the pid space ``space``: another container's, or another host's."""
    with monkeypatch.context() as patched:
        patched.setattr(leases, "process_space", lambda: space)
        if pid is not None:
            patched.setattr(leases.os, "getpid", lambda: pid)
        return leases.worker_identity(name)


def store_for(url: str) -> Store:
    engine = make_engine(url)
    upgrade(engine)
    return Store(engine)


def a_pairing(store: Store) -> int:
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True),
                         PersonUpdate("r", "r@x.test", "Rob Report", T0, False)], T0)
    return store.upsert_pairing(key="p-1", manager_id="m", report_id="r", cadence="monthly",
                                minutes=30, reason="default", source="directory", now=T0).id


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == name]


@pytest.fixture
def postgres_url() -> str:
    """Replicas share a PostgreSQL database (SQLite takes one worker per file)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ONETOONE_TEST_REQUIRE_POSTGRES=1 but ONETOONE_TEST_POSTGRES_URL unset")
        pytest.skip("set ONETOONE_TEST_POSTGRES_URL to run the replica tests")
    return _emptied_postgres(POSTGRES_URL)


def test_two_containers_given_one_name_are_two_holders(db_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each container's worker is pid 1 of a pid namespace of its own: given one name, they
    were one holder (``worker-1:1``), each finding the other's claims its own."""
    first = identity_in(monkeypatch, "worker-1", "aaaaaaaa", pid=1)
    second = identity_in(monkeypatch, "worker-1", "bbbbbbbb", pid=1)
    assert first != second and first.startswith("worker-1:1:")
    store = store_for(db_url)
    pairing = a_pairing(store)
    assert store.claim(pairing, first, T0, CLAIM)
    assert not store.claim(pairing, second, T0, CLAIM)
    assert not store.claim_many([pairing], second, T0, CLAIM)
    assert store.take_lock("plan", first, T0, timedelta(minutes=2))
    assert not store.take_lock("plan", second, T0, timedelta(minutes=2))


def test_one_name_on_two_hosts_never_judges_the_other_hosts_pid(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One config file naming the worker on two hosts: a pid of the other host is no process
    here, and its claims were taken over as a killed worker's. On one host (a service
    manager restarting the worker: a new pid) a killed holder's claims still go at once."""
    no_process_here = int(gone_worker().split(":")[1])
    there = identity_in(monkeypatch, "x", "aaaaaaaa", pid=no_process_here)
    here = identity_in(monkeypatch, "x", "bbbbbbbb")
    assert not holder_is_gone(there, here)
    store = store_for(db_url)
    pairing = a_pairing(store)
    assert store.claim(pairing, there, T0, CLAIM)
    assert not store.claim(pairing, here, T0, CLAIM)
    restarted = identity_in(monkeypatch, "x", "aaaaaaaa")  # there, with a new pid
    assert store.claim(pairing, restarted, T0, CLAIM)


def test_a_long_name_and_pid_fit_the_owner_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 64-character name (the most config allows) with a 7-digit pid and the space."""
    identity = identity_in(monkeypatch, "n" * 64, "aaaaaaaa", pid=4_194_304)
    assert len(identity) == 80 and identity.endswith(":4194304:aaaaaaaa")


def test_a_live_namesake_is_a_clash_the_worker_stands_by_for(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A worker finding its name's duty held by another instance heard from since it started
    stands by, logs an ERROR naming the name and the other's host (once), and notes the
    clash for `onetoone doctor`; it takes over only once that one is gone."""
    caplog.set_level(logging.INFO)
    store, wall = store_for(db_url), Wall(T0)
    holder = Duty("worker-1:1:aaaaaaaa", LEASE, wall, name="worker-1", beat_seconds=None)
    assert holder.take(store)
    wall.at = T0 + timedelta(seconds=5)
    twin = Duty("worker-1:1:bbbbbbbb", LEASE, wall, name="worker-1", beat_seconds=None)
    # Heard from before it started: maybe the instance it replaces, killed moments ago.
    assert not twin.take(store) and twin.clash is None
    assert not events(caplog, "worker.name_clash")
    wall.at = T0 + timedelta(seconds=35)
    assert holder.beat(store)  # ...but it runs
    wall.at = T0 + timedelta(seconds=40)
    assert not twin.take(store)
    assert twin.clash is not None and "worker-1" in twin.clash and holder.me.host in twin.clash
    clash = events(caplog, "worker.name_clash")
    assert len(clash) == 1 and clash[0].levelno == logging.ERROR
    assert clash[0].worker_name == "worker-1" and clash[0].host == holder.me.host
    noted = store.lock_record(NAME_CLASH_LOCK)
    assert noted is not None and noted.owner == twin.owner and noted.until == wall.at + LEASE
    for minutes in range(1, 40):  # the holder goes on beating (and renewing at its runs)
        wall.at = T0 + timedelta(minutes=minutes)
        assert holder.beat(store) and not twin.take(store)
        if minutes % 15 == 0:
            assert holder.take(store)
    said = [r for r in events(caplog, "worker.name_clash") if r.worker == twin.owner]
    assert len(said) == 1  # said once, not every run (and once by the holder: see below)
    holder.give_up(store)  # it stops: the twin takes the duty at its next run
    assert twin.take(store) and twin.clash is None


def test_a_restarted_worker_takes_its_duty_back_once_its_old_instance_is_silent(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A container restarted after a kill is a new process in a new pid space, under its
    name again: it waits while its killed instance might still be a live namesake, then
    takes over SILENT_AFTER after that one's last beat, not a lease (31 minutes) after."""
    caplog.set_level(logging.INFO)
    store, wall = store_for(db_url), Wall(T0)
    killed = Duty("worker-1:1:aaaaaaaa", LEASE, wall, name="worker-1", beat_seconds=None)
    assert killed.take(store)
    wall.at = T0 + timedelta(seconds=BEAT_SECONDS)
    assert killed.beat(store)  # its last sign of life: then `docker kill`
    wall.at += timedelta(seconds=3)
    restarted = Duty("worker-1:1:cccccccc", LEASE, wall, name="worker-1", beat_seconds=None)
    assert not restarted.take(store)  # its first runs, at its start
    wall.at += timedelta(seconds=1)
    assert not restarted.take(store)
    assert restarted.clash is None and not events(caplog, "worker.name_clash")
    wall.at = T0 + timedelta(seconds=BEAT_SECONDS) + SILENT_AFTER  # its run after that
    assert restarted.take(store) and restarted.holder == restarted.owner
    replaced = events(caplog, "worker.namesake_replaced")
    assert len(replaced) == 1 and replaced[0].previous == killed.owner
    held = store.lock_record(DUTY_LOCK)
    assert held is not None and held.instance == restarted.me.id
    assert held.until == wall.at + LEASE
    assert not events(caplog, "worker.name_clash")
    # Another worker's name is no namesake: its lease runs out as before.
    other = Duty("worker-2:1:dddddddd", LEASE, wall, name="worker-2", beat_seconds=None)
    wall.at += timedelta(minutes=10)
    assert not other.take(store)


def test_the_holder_beats_whatever_its_runs_do(db_url: str) -> None:
    """From its first run on duty to its stop, the holder says it runs (the duty's ``seen``),
    its lease left as the runs renew it; a lost duty is beaten for no more."""
    store, wall = store_for(db_url), Wall(T0)
    holder = Duty("worker-1:1:aaaaaaaa", LEASE, wall, name="worker-1", beat_seconds=0.02)
    assert holder.take(store)
    wall.at = T0 + timedelta(minutes=5)
    deadline = datetime.now(UTC) + timedelta(seconds=HANG_GUARD_SECONDS)
    while (held := store.lock_record(DUTY_LOCK)) is None or held.seen != wall.at:
        assert datetime.now(UTC) < deadline, "no beat came"
        threading.Event().wait(0.02)
    assert held.until == T0 + LEASE  # the lease is the runs' to renew
    holder.give_up(store)
    assert store.lock_record(DUTY_LOCK) is None


def test_two_workers_of_one_name_run_the_jobs_once_and_the_second_says_so(
        postgres_url: str, settings_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Both containers of `docker compose up --scale worker=2` were ``worker-1:1`` to the
    leases: both ran every job (each agenda written twice, each report mailed a meeting
    update twice), both said they were on duty and ready. The instance tells them apart."""
    import dataclasses

    caplog.set_level(logging.INFO)
    base = settings_for(postgres_url)
    settings = dataclasses.replace(base, worker=dataclasses.replace(base.worker,
                                                                    name="worker-1"))
    first = Worker(settings, identity="worker-1:1")
    second = Worker(settings, identity="worker-1:1")
    first.run_job(sync=True)
    assert first.counters["ticks"] == 1 and first.counters["series_created"] > 0
    for sync in (True, False):
        second.run_job(sync=sync)
    assert second.counters["ticks"] == 0 and second.counters["standby_runs"] == 2
    assert second.counters["graph_requests"] == 0
    ready, why = second.ready()
    assert not ready and why.startswith("name clash: worker-1:1 on host "), why
    assert first.ready()[0]
    clash = events(caplog, "worker.name_clash")
    assert len(clash) == 1 and clash[0].worker_name == "worker-1"
    assert [r.worker for r in events(caplog, "worker.on_duty")] == ["worker-1:1"]
    first.run_job(sync=False)  # the one on duty hears of it at its next run, and works on
    clash = events(caplog, "worker.name_clash")
    assert len(clash) == 2 and clash[1].standby == "worker-1:1" and first.ready()[0]
    assert first.counters["ticks"] == 2
    # `onetoone doctor`: the worker on duty and its host, and the clash as a failure.
    assert "worker on duty: worker-1:1 on host " in _database(settings).detail
    check = name_clash(settings)
    assert check is not None and not check.ok
    assert "two workers go by [worker] name worker-1" in check.detail
    assert "ONETOONE_WORKER_NAME" in check.fix
    first.give_up_duty()  # the first stops (SIGTERM): the second takes over
    second.run_job(sync=False)
    assert second.counters["ticks"] == 1 and second.ready()[0]


def test_a_worker_standing_by_in_a_clash_takes_its_note_with_it_as_it_stops(
        postgres_url: str, settings_for: Any) -> None:
    """Renamed and restarted, as the fix says: `onetoone doctor` is clear at once, not a
    lease later."""
    import dataclasses

    base = settings_for(postgres_url)
    settings = dataclasses.replace(base, worker=dataclasses.replace(base.worker,
                                                                    name="worker-1"))
    first, second = Worker(settings, identity="worker-1:1"), Worker(settings,
                                                                    identity="worker-1:1")
    first.run_job(sync=False)
    second.run_job(sync=False)
    assert name_clash(settings) is not None
    second.give_up_duty()  # SIGTERM
    assert name_clash(settings) is None
    assert "worker on duty: worker-1:1 on host " in _database(settings).detail


def test_the_worker_on_duty_says_so_too_once(db_url: str,
                                             caplog: pytest.LogCaptureFixture) -> None:
    """Only the worker standing by logged the clash: an admin reading the log of the one on
    duty (the container that works) saw nothing. The one on duty hears of it at its next beat
    or run, logs it once per namesake, and goes on running the jobs."""
    caplog.set_level(logging.INFO)
    store, wall = store_for(db_url), Wall(T0)
    holder = Duty("worker-1:1:aaaaaaaa", LEASE, wall, name="worker-1", beat_seconds=None)
    assert holder.take(store)
    wall.at = T0 + timedelta(seconds=5)
    twin = Duty("worker-1:1:bbbbbbbb", LEASE, wall, name="worker-1", beat_seconds=None)
    assert not twin.take(store)
    wall.at = T0 + timedelta(seconds=35)
    assert holder.beat(store)
    assert not events(caplog, "worker.name_clash")  # nobody knows of a clash yet
    wall.at = T0 + timedelta(seconds=40)
    assert not twin.take(store) and twin.clash is not None
    wall.at = T0 + timedelta(seconds=65)
    assert holder.beat(store)
    told = [r for r in events(caplog, "worker.name_clash") if r.worker == holder.owner]
    assert len(told) == 1 and told[0].levelno == logging.ERROR
    assert told[0].standby == twin.owner and told[0].host == twin.me.host
    assert told[0].worker_name == "worker-1"
    for minutes in range(2, 40):  # beats, runs of both: said once, and the holder works on
        wall.at = T0 + timedelta(minutes=minutes)
        assert holder.beat(store) and not twin.take(store)
        if minutes % 15 == 0:
            assert holder.take(store) and holder.holding
    assert len([r for r in events(caplog, "worker.name_clash")
                if r.worker == holder.owner]) == 1
    # Another namesake later (the twin restarted, still misnamed): said again.
    twin.give_up(store)
    again = Duty("worker-1:1:cccccccc", LEASE, wall, name="worker-1", beat_seconds=None)
    assert not again.take(store)
    wall.at += timedelta(seconds=30)
    assert holder.beat(store)
    wall.at += timedelta(seconds=5)
    assert not again.take(store) and again.clash is not None
    assert holder.take(store)
    told = [r for r in events(caplog, "worker.name_clash") if r.worker == holder.owner]
    assert [r.standby for r in told] == [twin.owner, again.owner]
