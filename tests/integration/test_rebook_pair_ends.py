"""A replacement meeting booked for a missed 1-2-1 is a single event, not one of the series'
meetings: when the pair ends (the report leaves) before it takes place, it goes with the
series' meetings to come, in Outlook and in the store, and is never left in both calendars
of a pair that no longer exists."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.domain.records import OccurrenceRecord
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import MIA, ROB, World, _start, links


def replacement_booked(world: World, begun: bool) -> tuple[OccurrenceRecord, datetime]:
    """Mia cancels one of Rob's meetings (the second, a month on, when ``begun``: the series
    has met before; else the first), then books the time offered first. Returns the booked
    replacement and the time of that booking."""
    world.tick(START)
    rob = world.view(ROB)
    items = world.instances(rob.series, START)
    missed = items[1] if begun else items[0]  # Rob meets monthly: the second, a month on
    world.tenant.person_cancel(MIA, missed["id"], "Clash")
    now = world.due(rob, _start(missed))
    world.tick(now)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    world.tick(now + timedelta(minutes=10))
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    return booked, now


@pytest.mark.parametrize("begun", [False, True])
def test_a_replacement_to_come_is_cancelled_when_the_report_leaves(tmp_path, settings_for,
                                                                   db_url, begun: bool) -> None:
    """``begun``: the series has met before (its meetings to come are cancelled one by one),
    else it is cancelled whole."""
    world = World(tmp_path, settings_for, db_url=db_url)
    booked, now = replacement_booked(world, begun)
    assert world.store.rebooks()[0].status == "booked"
    assert len(world.rebook_events()) == 1
    assert booked.start > now + timedelta(minutes=20)

    world.tenant.disable_user(ROB)  # Rob leaves before the replacement takes place
    result = world.tick(now + timedelta(minutes=20))
    assert [e.split(":")[0] for e in result.schedule.ended] == ["Mia Manager & Rob Report"]
    assert [e for e in world.rebook_events() if not e.get("isCancelled")] == []
    row = world.store.occurrence(booked.id)
    assert row is not None and row.status == "withdrawn"
    # The next run has nothing left to do.
    world.tick(now + timedelta(minutes=30))
    assert [e for e in world.rebook_events() if not e.get("isCancelled")] == []
    assert world.store.occurrence(booked.id).status == "withdrawn"
