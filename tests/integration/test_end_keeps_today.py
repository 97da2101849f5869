"""A series ended while the pair goes on (a cadence change here) keeps a meeting later the
same day: its agenda is in, the report was asked what to talk about, and both expect it.
The new series begins after it, never with a second meeting that day. When the pair itself
ends (the report leaves), the meeting later today is cancelled as every one to come is.
(Before: the cadence change cancelled the meeting an hour before it began.)"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.domain.model import CadenceKind
from service.domain.status import OccurrenceStatus, SeriesStatus
from service.errors import NotFound
from tests.integration.test_agenda_loop import START, person_types
from tests.integration.test_rebook import ROB, World, _start


def _meeting_morning(world: World, nth: int = 0) -> tuple[Any, datetime, datetime]:
    """Ticks up to two hours before Rob's ``nth`` meeting (from 0): its agenda is in and his
    prep mail went. (Rob's view, the meeting's start, now.) A tick a day: the agenda is due
    from the start of the working day two working days ahead, the prep mail three, so
    neither is missed."""
    now = START
    world.tick(now)
    rob = world.view(ROB)
    first = _start(world.instances(rob.series, START)[nth])
    while now + timedelta(days=1) < first - timedelta(hours=2):
        now += timedelta(days=1)
        world.tick(now)
    now = first - timedelta(hours=2)
    world.tick(now)
    assert now.date() == first.date()
    occ = next(o for o in world.store.pairing_occurrences(rob.pairing.id)
               if o.original_start == first)
    assert occ.agenda_state == "injected"
    day = f"{first:%A} {first.day} {first:%b %Y}"
    assert any(day in (m.get("subject") or "") and "what would you like to talk about"
               in (m.get("subject") or "") for m in world.tenant.messages(ROB))
    return rob, first, now


def _cadence(settings: Any, kind: CadenceKind) -> Any:
    return dataclasses.replace(settings, policy=dataclasses.replace(
        settings.policy, default_cadence=kind))


def _standing(world: World, series: Any, now: datetime) -> list[datetime]:
    """The starts of the series' meetings Outlook lists from ``now`` (cancelled ones are gone
    from the organizer's calendar; a series cancelled whole is gone)."""
    try:
        listed = world.instances(series, now)
    except NotFound:
        return []
    return [_start(i) for i in listed if not i.get("isCancelled")]


@pytest.mark.parametrize(("nth", "before", "after"), [
    (0, CadenceKind.MONTHLY, CadenceKind.WEEKLY),  # the series' first meeting
    # One after meetings held. (A step up: a rarer cadence keeps the running series to its
    # end, its follow-on at the new cadence, and so ends nothing today: test_step_down.)
    (1, CadenceKind.FORTNIGHTLY, CadenceKind.WEEKLY),
], ids=["first-meeting", "later-meeting"])
def test_a_cadence_change_keeps_the_meeting_later_today(
        tmp_path: Any, db_url: str, settings_for: Any, nth: int, before: CadenceKind,
        after: CadenceKind) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    world.settings = _cadence(world.settings, before)
    rob, first, now = _meeting_morning(world, nth)
    world.settings = _cadence(world.settings, after)
    world.tick(now + timedelta(minutes=10))
    series = world.store.pairing_series(rob.pairing.id)
    old = next(s for s in series if s.id == rob.series.id)
    [new] = [s for s in series if s.status == SeriesStatus.ACTIVE]
    assert old.status == SeriesStatus.ENDED and new.cadence == after
    # Today's meeting stands, in Outlook and in the store; nothing after it does.
    assert _standing(world, old, now) == [first]
    occ = next(o for o in world.store.pairing_occurrences(rob.pairing.id)
               if o.original_start == first)
    assert occ.status == OccurrenceStatus.SCHEDULED
    # The new series begins on a later day: one meeting today, not two.
    new_starts = _standing(world, new, now)
    assert new_starts and min(new_starts).date() > first.date()
    # Held, its notes are read back and Rob gets the summary, as for any meeting.
    person_types(world.tenant, occ, ["Talked through the weekly rhythm"],
                 ["Rob: draft the plan"], tick_all=False)
    world.tick(first + timedelta(hours=3))
    held = world.store.occurrence(occ.id)
    assert held is not None and held.status == OccurrenceStatus.HELD
    assert world.store.has_mail(f"{occ.id}:summary")


def test_a_leaver_loses_the_meeting_later_today(
        tmp_path: Any, db_url: str, settings_for: Any) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    world.settings = _cadence(world.settings, CadenceKind.WEEKLY)
    rob, first, now = _meeting_morning(world, 1)
    world.tenant.disable_user(ROB)
    world.tick(now + timedelta(minutes=10))
    assert world.store.pairing(rob.pairing.id).status == "ended"
    old = world.store.series(rob.series.id)
    assert old is not None and old.status == SeriesStatus.ENDED
    assert _standing(world, old, now) == []
    # Withdrawn in the store (left out here): not a meeting to come, nor a missed one.
    assert all(o.original_start != first
               for o in world.store.pairing_occurrences(rob.pairing.id))
