"""The absence check of a meeting falls due on the run its agenda does (its second check, or
its only one when it was stored that run). When that check cannot be made (free/busy
unreadable: a Graph outage, a refused mailbox; or the move's PATCH refused), the absence
step leaves it "for the next run"; the agenda step of the same run must not write the
agenda meanwhile: a written agenda takes the meeting out of the absence step's hands for
good, so the meeting would stay on Christmas Day, its invite naming it, and the manager is
never told."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    ROB,
    Sim,
    before_christmas_check,
    graph_start,
    org,
    run_tick,
    settings_at,
)

FAULTS = {
    # Graph's free/busy down for this run (each try and retry answered 503).
    "free/busy unreadable": ("POST", r"/getSchedule$", 503, 200),
    # The move's PATCH refused once (Exchange's 409 ErrorIrresolvableConflict, say).
    "move refused": ("PATCH", r"/events/[^/]+$", 409, 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_check_not_made_leaves_the_agenda_for_after_it(tmp_path: Path, fault: str) -> None:
    db = f"sqlite:///{tmp_path / 'fb.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    now = before_christmas_check(settings, tenant)  # the run whose check moves Christmas Day
    store = Store(make_engine(db))
    method, path, status, times = FAULTS[fault]
    tenant.inject_fault(method, path, status, times=times)
    run_tick(settings, tenant, now)
    tenant.reset_counters()  # back up for the next runs
    for hours in range(12, 24 * 6, 12):  # the next runs, up to Tuesday 29 December
        run_tick(settings, tenant, now + timedelta(hours=hours))
    rob = next(v for v in store.views() if v.report.email == ROB)
    (occ,) = [o for o in store.pairing_occurrences(rob.pairing.id)
              if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25)]
    sim = Sim.__new__(Sim)
    sim.store, sim.tenant = store, tenant
    in_outlook = graph_start(sim, occ).astimezone(LONDON)
    assert in_outlook.date() != date(2026, 12, 25), (
        "still on Christmas Day: the absence check that failed was never made again "
        f"(absence state {occ.absence_state!r}, agenda {occ.agenda_state!r})")
    assert occ.absence_state == "moved" and occ.agenda_state == "injected"
