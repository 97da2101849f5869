"""A prep mail queued but not sent yet whose meeting is then called off is held back
(suppressed, saying why). The report was never asked, so a meeting put back on that slot
later, such as the one the manager books in its place from the rebooking offer (it takes
the missed meeting's key), gets its prep mail: exactly one, however often the job runs and
however many workers run it at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.app import job_context
from service.jobs.tick import tick
from tests.integration.test_agenda_loop import START, no_sleep
from tests.integration.test_mail_replies import AGENDA_DAY, PREP_DAY
from tests.integration.test_rebook import MIA, ROB, World, _start, decline, links

MEETING = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # Rob's, a Tuesday
PREP_SUBJECT = "Your 1-2-1 with Mia Manager on"


def _preps(world: World) -> list[str]:
    return [m["subject"] for m in world.tenant.messages(ROB)
            if (m.get("subject") or "").startswith(PREP_SUBJECT)]


def _twice_at_once(world: World, now: datetime) -> None:
    """Two workers run the whole tick at the same instant (a replica beside the worker)."""
    world.tenant.now = lambda: now

    async def go() -> None:
        opts: dict[str, Any] = {"graph_options": {"sleep": no_sleep}, "sandbox": world.tenant}
        async with job_context(world.settings, now, **opts) as one, \
                job_context(world.settings, now, **opts) as two:
            two.worker_id = "other-host:4242"
            await asyncio.gather(tick(one, now), tick(two, now))

    asyncio.run(go())


@pytest.mark.parametrize("how", ["cancelled", "declined"])
def test_a_meeting_booked_in_place_of_one_whose_prep_mail_was_held_back_gets_one(
        tmp_path: Any, settings_for: Any, db_url: str, how: str) -> None:
    """Rob's prep mail for Tuesday is queued (Graph refused that run's sends); Mia cancels
    the meeting, or Rob declines it, before it goes: held back. Mia books a time from the
    rebooking offer: Rob is asked about that meeting once, on its day, and not again by
    the next runs, each made by two workers at once."""
    world, now, booked = _booked(tmp_path, settings_for, db_url, how)
    while now < _start(booked):
        now += timedelta(hours=3)
        world.tick(now)
        _twice_at_once(world, now)
    day = f"{_start(booked):%A} {_start(booked).day} Dec 2026"
    assert _preps(world) == [f"{PREP_SUBJECT} {day}: what would you like to talk about?"], \
        _preps(world)


def _booked(tmp_path: Any, settings_for: Any, db_url: str, how: str
            ) -> tuple[World, datetime, dict[str, Any]]:
    """Rob's Tuesday meeting called off ({how}) after its prep mail was queued and refused,
    and a time booked from the offer in its place: the world, the time, the booked event."""
    world = World(tmp_path, settings_for, db_url=db_url)
    world.tick(START)
    rob = world.view(ROB)
    (first,) = [i for i in world.instances(rob.series, START) if _start(i) == MEETING]
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.tick(PREP_DAY)
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"
              and m.pairing_id == rob.pairing.id]
    assert row.status == "pending" and _preps(world) == []
    if how == "cancelled":
        world.tenant.person_cancel(MIA, first["id"], "Clash")
    else:
        decline(world, rob, first)
    now = AGENDA_DAY  # (the meeting is stored, cancelled, when its agenda falls due)
    while not world.offers(MIA):
        world.tick(now)
        now += timedelta(hours=6)
    assert _preps(world) == [], f"asked about the meeting {how}"
    (held,) = [m for m in world.store.outbox() if m.kind == "prep"]
    assert held.status == "suppressed" and how in held.last_error, held
    (offer,) = world.offers(MIA)
    slots = links(offer)
    world.send(now, MIA, *slots[-1])
    world.tick(now)
    (booked,) = world.rebook_events()
    return world, now, booked


def test_a_deferred_prep_mail_for_a_booked_meeting_deleted_since_is_not_sent(
        tmp_path: Any, settings_for: Any, db_url: str) -> None:
    """The meeting booked in place of the cancelled one gets its prep mail queued, but Graph
    refuses Mia's sends; she then deletes that meeting in Outlook (long before the read-back
    that would tell the store). The next run reads it (one GET of that event, a single
    meeting no series lists) and holds the mail back, saying why: Rob is never asked."""
    world, now, booked = _booked(tmp_path, settings_for, db_url, "cancelled")
    world.tenant.inject_fault("POST", rf"/users/{world.tenant.user(MIA)['id']}/sendMail$", 401,
                              times=10_000)
    while not [m for m in world.store.outbox() if m.kind == "prep" and m.status == "pending"]:
        now += timedelta(hours=3)
        world.tick(now)
    world.tenant.reset_counters()  # (the faults too)
    world.tenant.person_cancel(MIA, booked["id"], "Clash")
    world.tick(now + timedelta(hours=1))
    assert world.tenant.count("GET", rf"/events/{booked['id']}$") == 1, world.tenant.requests
    world.tick(now + timedelta(hours=4))
    assert _preps(world) == []
    held = [m for m in world.store.outbox() if m.kind == "prep"]
    # The first meeting's and the booked one's.
    assert [m.status for m in held] == ["suppressed"] * 2, held
    assert all("cancelled" in m.last_error for m in held), held

