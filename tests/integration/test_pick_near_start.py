"""A pick made less than two hours before its time is checked against free/busy
that covers the time itself (the recheck asked only from now + 2 hours)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.integration.test_rebook import MIA, NIA, World, _start, declined_nia, links


def test_a_pick_an_hour_before_its_time_is_not_booked_over_a_new_meeting(
        tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    _nia, now, offer, rebook = declined_nia(world)
    slots = links(offer)
    start, end = (datetime.fromisoformat(t) for t in json.loads(rebook.slots)[0])
    # An hour before the first offered time (inside the 30 minutes' pick notice), Nia
    # has accepted another meeting at exactly that time; Mia then picks it.
    pick_at = start - timedelta(hours=1)
    assert pick_at > now
    world.tenant.add_event(NIA, "Dentist", start, end)
    world.send(pick_at, MIA, *slots[0])
    world.tick(pick_at + timedelta(minutes=1))
    booked = [e for e in world.rebook_events() if _start(e) == start]
    assert not booked, "booked over Nia's meeting: the recheck did not look at that time"
