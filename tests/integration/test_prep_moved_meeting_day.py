"""A report asked about a meeting on one day is not asked again about another meeting that
day (see test_prep_once_after_cadence_change.py); the day is where each meeting is now, not
the slot of its pattern. The new series' first meeting, on the day of the old series'
meeting the report was asked about, moved by the manager to the next day, is a meeting on
another day: the report is asked about it (before: no prep mail at all, its slot's day
having been asked about)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from service.domain.model import CadenceKind
from service.domain.status import SeriesStatus
from tests.integration.test_agenda_loop import START
from tests.integration.test_prep_once_after_cadence_change import preps
from tests.integration.test_rebook import MIA, ROB, World, _start


def test_a_meeting_moved_off_the_day_asked_about_gets_its_own_prep_mail(
        tmp_path: Any, db_url: str, settings_for: Any) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    now = START
    world.tick(now)
    rob = world.view(ROB)
    first = _start(world.instances(rob.series, START)[0])
    while not preps(world):  # Rob is asked about his first (monthly) meeting
        now += timedelta(hours=3)
        world.tick(now)
    # The policy changes: a new weekly series, its first meeting on that same day.
    world.settings = dataclasses.replace(world.settings, policy=dataclasses.replace(
        world.settings.policy, default_cadence=CadenceKind.WEEKLY))
    now += timedelta(hours=1)
    world.tick(now)
    live = next(s for s in world.store.pairing_series(rob.pairing.id)
                if s.status == SeriesStatus.ACTIVE)
    new_first = world.instances(live, now)[0]
    start = _start(new_first)
    assert start.date() == first.date()
    # Mia moves it to the next working day before its prep mail goes.
    moved = start + timedelta(days=1)
    while moved.weekday() >= 5:
        moved += timedelta(days=1)
    length = _start({"start": new_first["end"]}) - start
    world.tenant.person_move(MIA, new_first["id"], moved, moved + length)
    while now < moved + timedelta(days=1):
        now += timedelta(hours=6)
        world.tick(now)
    day = f"{moved:%A} {moved.day} {moved:%b %Y}"
    assert [s for s in preps(world) if day in s] == [
        f"Your 1-2-1 with Mia Manager on {day}: what would you like to talk about?"], preps(world)
