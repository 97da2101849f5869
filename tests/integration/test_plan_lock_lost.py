"""A run whose planning lock ran out (it stalled) and was taken by another worker stops
planning: choosing slots beside the holder, blind to its choices, would double-book people.
Its pairs are reported as left to the other worker, and the next run books any still due."""

from __future__ import annotations

from datetime import timedelta

import pytest

import service.jobs.series_create as series_create
from service.jobs.series_plan import PLAN_LEASE, PLAN_LOCK, lock_clock
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, org, run, series_in

OTHER = "elsewhere.example:4242"  # another host's worker: never taken for dead


def test_a_lost_planning_lock_stops_planning(settings_for, db_url,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(db_url)
    tenant = org()
    real_take = Store.take_lock
    asked: list[str] = []

    def take_lock(self, name, owner, now, ttl):
        if name == PLAN_LOCK:
            asked.append(owner)
            if len(asked) == 2:  # the first renewal: ours lapsed, and another took it
                assert real_take(self, name, OTHER, lock_clock() + 2 * PLAN_LEASE, PLAN_LEASE)
        return real_take(self, name, owner, now, ttl)

    monkeypatch.setattr(Store, "take_lock", take_lock)
    monkeypatch.setattr(series_create, "RENEW_EVERY", timedelta(microseconds=-1))
    first = run(settings, tenant, NOW)
    assert len(asked) >= 2
    pairs = len(first.schedule.busy)
    assert pairs == 6 and not first.schedule.created  # every pair, none booked
    assert not series_in(tenant, "mia@contoso.example")
    assert not series_in(tenant, "max@contoso.example")

    monkeypatch.setattr(Store, "take_lock", real_take)
    Store(make_engine(settings.database.url)).drop_lock(PLAN_LOCK, OTHER)  # it finished
    second = run(settings, tenant, NOW + timedelta(hours=1))
    assert len(second.schedule.created) == pairs
