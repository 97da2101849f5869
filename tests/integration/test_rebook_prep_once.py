"""A meeting booked to replace a missed one is that 1-2-1 at a new time: the report, asked
already what they would like to talk about, is not asked again (soak: a report who declined
got a second "Your 1-2-1 with ... on <the same day>" for the meeting booked in its place)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import MIA, NIA, World, _start, decline, links

HALF_DAY = timedelta(hours=12)


def preps(world: World) -> list[dict[str, Any]]:
    return [m for m in world.tenant.messages(NIA)
            if "what would you like to talk about" in (m.get("subject") or "")]


def test_a_rebooked_meeting_gets_no_second_prep_mail(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    now = START
    world.tick(now)
    nia = world.view(NIA)
    first = world.instances(nia.series, START)[0]
    while not preps(world):  # Nia is asked about her first meeting
        now += HALF_DAY
        world.tick(now)
    assert now < _start(first)
    decline(world, nia, first)  # ... and then can't make it
    while not world.offers(MIA):
        now += HALF_DAY
        world.tick(now)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    now += timedelta(minutes=5)
    world.tick(now)
    (booked,) = world.rebook_events()
    while now < _start(booked):
        now += timedelta(hours=1)
        world.tick(now)
    subjects = [m["subject"] for m in preps(world)]
    assert len(subjects) == 1, subjects
