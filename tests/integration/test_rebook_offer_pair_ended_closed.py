"""Mail carrying a rebooking offer, still queued when its pair ends (the report moved to
another manager). The "no notes" reminder still goes, its notes being worth writing, but
without the times: a pick would only be answered "not booked". An offer held back, or taken
out of a reminder, is closed with it: nothing can pick from links never sent, so the
manager's Sent Items are not read for it any more."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import (
    MIA,
    NIA,
    ROB,
    World,
    _held_without_notes,
    _start,
    links,
    reminders,
)
from tests.integration.test_rebook_sent_items import reads, world_with

HOUR = timedelta(hours=1)


def _ended(world: World, pairing_id: int) -> None:
    view = world.store.view_of_pairing(pairing_id)
    assert view is not None and view.pairing.status == "ended", view


def test_a_queued_reminder_goes_without_its_times_once_the_pair_ended(
        tmp_path, settings_for, db_url) -> None:
    """The reminder with times is queued (not sent: Graph refused the token for that run's
    sends); then Rob moves to Nia: Mia is still reminded to write the notes, once, with no
    times to pick, and the offer is closed."""
    world = World(tmp_path, settings_for, db_url=db_url)
    rob, end = _held_without_notes(world)
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.tick(end + 25 * HOUR)
    (row,) = [m for m in world.store.outbox() if m.kind == "reminder"]
    assert row.status == "pending" and reminders(world) == []
    (rebook,) = world.store.rebooks()
    assert rebook.status == "offered" and rebook.token in row.body_html
    world.tenant.set_manager(ROB, NIA)
    for n in range(26, 29):
        world.tick(end + n * HOUR)
    _ended(world, rob.pairing.id)
    (reminder,) = reminders(world)
    assert links(reminder) == [], "times to book went for a pair that no longer meets"
    assert "there's nothing to do" in reminder["body"]["content"]
    assert world.store.rebooks()[0].status == "expired"


def _offer_queued(tmp_path, settings_for, db_url):
    """No service mailbox: Mia cancels Rob's first meeting, and the rebooking offer for it
    is queued but not sent (its sendMail refused once). (world, Rob's view, now, the mail.)"""
    world = world_with(tmp_path, settings_for, db_url=db_url)
    world.tick(START)
    rob = world.view(ROB)
    missed = world.instances(rob.series, START)[0]
    world.tenant.person_cancel(MIA, missed["id"], "Clash")
    now = world.due(rob, _start(missed))
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.tick(now)
    (row,) = [m for m in world.store.outbox() if m.kind == "rebook_offer"]
    return world, rob, now, row


def test_a_held_back_offer_is_closed_and_sent_items_no_longer_read(
        tmp_path, settings_for, db_url) -> None:
    """No service mailbox: the offer for Rob's cancelled meeting is queued, not sent; Rob
    moves to Nia and it is held back. From then on, over the days its times would have
    stayed open, Mia's Sent Items are never read for it."""
    world, rob, now, row = _offer_queued(tmp_path, settings_for, db_url)
    assert row.status == "pending"
    world.tenant.set_manager(ROB, NIA)
    world.tick(now + HOUR)
    _ended(world, rob.pairing.id)
    (row,) = [m for m in world.store.outbox() if m.kind == "rebook_offer"]
    assert row.status == "suppressed", row
    world.tenant.reset_counters()
    for n in range(2, 10 * 24, 6):
        world.tick(now + n * HOUR)
    assert reads(world) == 0, "Sent Items read for an offer that never went"
    assert world.store.rebooks()[0].status == "expired"
    assert world.offers(MIA) == []


def test_an_offer_held_back_by_an_earlier_version_is_closed_by_the_next_run(
        tmp_path, settings_for, db_url) -> None:
    """As above, but the offer was held back by a version that did not close it (its mail
    suppressed, the offer left open): the next run closes it, so Mia's Sent Items are not
    read for it over the days its times would have stayed open."""
    world, rob, now, row = _offer_queued(tmp_path, settings_for, db_url)
    world.tenant.set_manager(ROB, NIA)
    world.store.end_pairing(rob.pairing.key, "moved to Nia Manager", now)
    assert world.store.hold_back_mail(row.id, "not sent: the pair ended before the offer went")
    assert world.store.rebooks()[0].status == "offered"  # as that version left it
    world.tick(now + HOUR)
    assert world.store.rebooks()[0].status == "expired"
    world.tenant.reset_counters()
    for n in range(2, 10 * 24, 6):
        world.tick(now + n * HOUR)
    assert reads(world) == 0, "Sent Items read for an offer that never went"
    assert world.offers(MIA) == []
