"""A cadence change ends the pair's series and books a new one whose first meeting is often
on the day the old series' next meeting was, at another time. The report, asked already
what they would like to talk about for that day, is not asked again (before: a second
"Your 1-2-1 with Mia Manager on Tuesday 1 Dec 2026: what would you like to talk about?",
keyed by the new series' own slot); the meetings after it get theirs as usual."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from service.domain.model import CadenceKind
from service.domain.status import SeriesStatus
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import ROB, World, _start


def preps(world: World) -> list[str]:
    return [m["subject"] for m in world.tenant.messages(ROB)
            if "what would you like to talk about" in (m.get("subject") or "")]


def test_a_new_series_first_meeting_on_the_day_asked_about_gets_no_second_prep_mail(
        tmp_path: Any, db_url: str, settings_for: Any) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    now = START
    world.tick(now)
    rob = world.view(ROB)
    first = _start(world.instances(rob.series, START)[0])
    while not preps(world):  # Rob is asked about his first (monthly) meeting
        now += timedelta(hours=3)
        world.tick(now)
    assert now < first
    # The policy changes: Rob's pair meets weekly from now on.
    world.settings = dataclasses.replace(world.settings, policy=dataclasses.replace(
        world.settings.policy, default_cadence=CadenceKind.WEEKLY))
    now += timedelta(hours=1)
    world.tick(now)
    live = [s for s in world.store.pairing_series(rob.pairing.id)
            if s.status == SeriesStatus.ACTIVE]
    assert [s.cadence for s in live] == [CadenceKind.WEEKLY]
    new_first = _start(world.instances(live[0], now)[0])
    assert new_first.date() == first.date() and new_first != first  # the case at hand
    while now < first + timedelta(days=8):
        now += timedelta(hours=6)
        world.tick(now)
    day = f"{first:%A} {first.day} {first:%b %Y}"
    assert [s for s in preps(world) if day in s] == [
        f"Your 1-2-1 with Mia Manager on {day}: what would you like to talk about?"]
    later = first + timedelta(days=7)
    assert any(f"{later:%A} {later.day} {later:%b %Y}" in s for s in preps(world))
