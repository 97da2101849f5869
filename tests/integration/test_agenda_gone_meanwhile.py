"""A meeting gone from the calendar between the run's read of it and its agenda write (the
manager cancelled it a moment before; or a read already out of date): the PATCH answers 404.
A read of it then says it is gone too, so it is settled as cancelled, not tried (and failed)
again on every run (found by benchmarks/soak.py --seed 22: five runs in a row failed on one
meeting's agenda)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from service.app import job_context
from service.domain.status import AgendaState, OccurrenceStatus
from service.jobs.tick import tick
from service.sandbox.occurrences import occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org


def _at(settings, tenant, now):  # type: ignore[no-untyped-def]
    tenant.now = lambda: now

    async def go():  # type: ignore[no-untyped-def]
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


def _booked(settings):  # type: ignore[no-untyped-def]
    """The organisation booked at START: (settings, tenant, store, Rob's pair, his first
    meeting as the sandbox lists it, a path pattern for requests about it)."""
    tenant = org()
    _at(settings, tenant, START)
    store = Store(make_engine(settings.database.url))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    assert rob.series is not None and rob.series.event_id is not None
    master = tenant.state["events"][rob.manager.id][rob.series.event_id]
    first = occurrences(master, START, START + timedelta(days=30))[0]
    return settings, tenant, store, rob, first, rf"/events/{re.escape(first['id'])}$"


def test_an_agenda_write_answered_404_settles_the_meeting_as_cancelled(tmp_path,
                                                                       settings_for) -> None:
    settings, tenant, store, rob, first, path = _booked(settings_for(
        f"sqlite:///{tmp_path / 'gone.db'}"))
    # Its agenda falls due in the run five days on: the write is refused as not found, and
    # so is the read that follows it.
    tenant.inject_fault("PATCH", path, 404)
    tenant.inject_fault("GET", path, 404)
    done = _at(settings, tenant, START + timedelta(days=5))
    assert tenant.count("PATCH", path) == 1, "the write was tried"
    assert not [f for f in done.agenda.failed if "Rob" in f], done.agenda.failed
    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.event_id == first["id"])
    assert (occ.status, occ.agenda_state) == (OccurrenceStatus.CANCELLED, AgendaState.SKIPPED)
    # Settled: the next runs leave it alone.
    for hours in (12, 24):
        _at(settings, tenant, START + timedelta(days=5, hours=hours))
    assert tenant.count("PATCH", path) == 1


def test_an_agenda_write_answered_404_for_a_meeting_still_there_is_a_failure(
        tmp_path, settings_for) -> None:
    """A 404 on the write while a read still finds the meeting is not taken for a
    cancellation (nothing is settled on one refused request): it fails, and is tried again."""
    settings, tenant, store, rob, first, path = _booked(settings_for(
        f"sqlite:///{tmp_path / 'there.db'}"))
    tenant.inject_fault("PATCH", path, 404)
    done = _at(settings, tenant, START + timedelta(days=5))
    assert [f for f in done.agenda.failed if "Rob" in f], done.agenda.failed
    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.event_id == first["id"])
    assert occ.status == OccurrenceStatus.SCHEDULED
    _at(settings, tenant, START + timedelta(days=5, hours=12))
    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.event_id == first["id"])
    assert occ.agenda_state == AgendaState.INJECTED
