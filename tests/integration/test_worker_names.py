"""Workers given one ``[worker] name`` by mistake (Compose ``--scale``, one env file for two
containers, one config file on two hosts): they never share a lease holder's identity nor
judge each other's pids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain.records import PersonUpdate
from service.store import leases
from service.store.db import make_engine, upgrade
from service.store.leases import holder_is_gone
from service.store.repo import Store
from tests.conftest import gone_worker

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
CLAIM = timedelta(minutes=10)  # a pairing's claim


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
