"""A rebooking offer queued but not sent yet when its pair ends (the report moved to another
manager) or its series is deleted in Outlook: it would offer the manager times for a 1-2-1
that no longer takes place, and a pick would only be answered "not booked". It is held back
(kept as suppressed, saying why), never sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import MIA, NIA, ROB, World, _start


@pytest.mark.parametrize("ended_by", ["moved", "series deleted"])
def test_a_queued_offer_is_not_sent_once_the_pair_ended(tmp_path, settings_for, db_url,
                                                        ended_by: str) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    world.tick(START)
    rob = world.view(ROB)
    missed = world.instances(rob.series, START)[0]
    world.tenant.person_cancel(MIA, missed["id"], "Clash")
    now = world.due(rob, _start(missed))
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)  # that run's sends wait
    world.tick(now)
    (row,) = [m for m in world.store.outbox() if m.kind == "rebook_offer"]
    assert row.status == "pending" and world.offers(MIA) == []
    if ended_by == "moved":
        world.tenant.set_manager(ROB, NIA)
    else:
        # Mia deletes the series in Outlook; as the calendar read that finds it records it:
        world.tenant.person_cancel(MIA, rob.series.event_id)
        world.store.mark_series_deleted(rob.series.id, now)
    for n in range(1, 4):
        world.tick(now + n * timedelta(hours=1))
    view = world.store.view_of_pairing(rob.pairing.id)
    assert view is not None and view.pairing.status != "active", view
    assert world.offers(MIA) == [], "an offer of times went for a pair that no longer meets"
    (row,) = [m for m in world.store.outbox() if m.kind == "rebook_offer"]
    assert row.status == "suppressed" and "before the offer went" in row.last_error, row
