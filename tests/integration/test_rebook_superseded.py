"""A series that was extended (the schedule's follow-on: every series once fewer than
`months_ahead` months remain, so about three months after it was booked) is "superseded"
but still holds its meetings up to its range end: months of them. One of those missed is
offered for rebooking as any other, and the pick books."""

from __future__ import annotations

from datetime import timedelta

from service.jobs.schedule import follow_on
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import MIA, ROB, World, _start, links


def test_a_missed_meeting_of_an_extended_series_is_offered_and_booked(tmp_path, settings_for
                                                                      ) -> None:
    world = World(tmp_path, settings_for)
    world.tick(START)
    rob = world.view(ROB)
    old = rob.series
    assert old is not None
    # The schedule step's extension, as it records it (the next run creates it in Outlook).
    pol = world.settings.series_policy()
    assert world.store.begin_follow_on(old.id, follow_on(old, START, pol.months_ahead,
                                                          pol.extend_months, rob.pairing.key))
    first = world.instances(old, START)[0]
    world.tenant.person_cancel(MIA, first["id"], "Clash")
    now = world.due(rob, _start(first))
    world.tick(now)
    statuses = {s.id: s.status for s in world.store.pairing_series(rob.pairing.id)}
    assert statuses[old.id] == "superseded" and "active" in statuses.values()
    (missed,) = [o for o in world.store.pairing_occurrences(rob.pairing.id)
                 if o.original_start == _start(first)]
    assert missed.series_id == old.id and missed.status == "cancelled"
    (offer,) = world.offers(MIA)
    (rebook,) = world.store.rebooks()
    assert rebook.missed_occurrence_id == missed.id and rebook.status == "offered"
    world.send(now, MIA, *links(offer)[0])
    world.tick(now + timedelta(minutes=10))
    assert world.store.rebooks()[0].status == "booked" and len(world.rebook_events()) == 1
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    assert booked.rebook_of == missed.id and booked.series_id == old.id
