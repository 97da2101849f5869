"""Meeting after meeting called off (the report declining them, or the manager cancelling
them) gets the manager one rebooking offer, for the first, not one per meeting; once a
replacement is booked, a later decline is offered again (sandbox, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.test_rebook import MIA, ROB, World, _start, decline, links


def _declined(world: World, rob: Any, items: list[dict[str, Any]]) -> None:
    for item in items:
        decline(world, rob, item)


def test_a_run_of_declines_is_offered_once(tmp_path: Any, settings_for: Any,
                                           db_url: str) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    start = _start_of(world)
    rob = world.view(ROB)
    items = world.instances(rob.series, start)[:2]  # Rob meets monthly: 70 days hold two
    assert len(items) == 2
    _declined(world, rob, items)
    # Each meeting's agenda falls due in turn (the sync records it declined), and runs
    # carry on past the second.
    for item in items:
        world.tick(world.due(rob, _start(item)))
    world.tick(world.due(rob, _start(items[-1])) + timedelta(days=2))
    offers = world.offers(MIA)
    assert len(offers) == 1 and links(offers[0])
    stored = {o.id: o for o in world.store.pairing_occurrences(rob.pairing.id)}
    by_start = {o.start: o for o in stored.values()}
    rows = {r.missed_occurrence_id: r for r in world.store.rebooks()}
    first, *later = (by_start[_start(i)] for i in items)
    # The first offer had times (lapsed by now, unpicked); the later decline none, no mail.
    assert first.status == "declined" and rows[first.id].slots != "[]"
    for occ in later:
        assert occ.status == "declined" and rows[occ.id].status == "expired"
        assert rows[occ.id].slots == "[]"


def test_a_decline_after_a_booked_replacement_is_offered(tmp_path: Any, settings_for: Any,
                                                         db_url: str) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    start = _start_of(world)
    rob = world.view(ROB)
    first, second = world.instances(rob.series, start)[:2]
    decline(world, rob, first)
    now = world.due(rob, _start(first))
    world.tick(now)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])  # Mia books the first time offered
    world.tick(now + timedelta(minutes=10))
    assert [r.status for r in world.store.rebooks()] == ["booked"]
    decline(world, rob, second)
    world.tick(world.due(rob, _start(second)))
    assert len(world.offers(MIA)) == 2


def test_a_stretch_of_cancelled_meetings_is_offered_once(tmp_path: Any, settings_for: Any,
                                                         db_url: str) -> None:
    """Mia cancels Rob's next two meetings in Outlook at once (weeks ahead): one offer, for
    the first; the second is settled without a mail."""
    world = World(tmp_path, settings_for, db_url=db_url)
    start = _start_of(world)
    rob = world.view(ROB)
    items = world.instances(rob.series, start)[:2]
    assert len(items) == 2
    for item in items:
        world.tenant.person_cancel(MIA, item["id"], "Away on a project")
    for item in items:
        world.tick(world.due(rob, _start(item)))
    assert len(world.offers(MIA)) == 1
    rows = sorted(world.store.rebooks(), key=lambda r: r.missed_occurrence_id)
    assert [r.reason for r in rows] == ["cancelled", "cancelled"]
    assert rows[0].slots != "[]" and (rows[1].status, rows[1].slots) == ("expired", "[]")


def _start_of(world: World) -> Any:
    from tests.integration.test_agenda_loop import START
    world.tick(START)
    return START
