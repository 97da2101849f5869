"""[mail] topics_mailbox switched on while a rebooking offer made without it is still open:
the offer's links address the manager's own plus-address, so the pick is a mail in their Sent
Items. It must still be read and booked, not ignored until the offer lapses."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta

from tests.integration.test_rebook import BOX, MIA, World, cancelled_rob, links


def test_a_pick_of_an_offer_made_before_the_service_mailbox_was_set_still_books(
        tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for, box="")
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    slots = links(offer)
    assert slots[0][0].startswith("mia+book.")
    # The admin adds a service mailbox; then Mia picks a time from the offer she has.
    world.tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, topics_mailbox=BOX))
    world.send(now, MIA, *slots[0])
    (rebook,) = world.store.rebooks()
    first_slot = min(datetime.fromisoformat(s) for s, _e in json.loads(rebook.slots))
    at = now + timedelta(minutes=10)
    booked = []
    while at < first_slot and not booked:
        booked = world.tick(at).rebook.booked
        at += timedelta(hours=3)
    assert booked, "Mia's pick was never read: no meeting booked"
    assert len(world.rebook_events()) == 1
    assert world.store.rebooks()[0].status == "booked"


def test_a_pick_sent_to_a_service_mailbox_since_removed_still_books(
        tmp_path, settings_for) -> None:
    """The other way round: the offer's links address the service mailbox, which the admin
    then removes from the settings (nothing reads it any more). Mia's pick is in her Sent
    Items, and is booked from there."""
    world = World(tmp_path, settings_for)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    slots = links(offer)
    assert slots[0][0].startswith("onetoone+book.")
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, topics_mailbox=""))
    world.send(now, MIA, *slots[0])
    (rebook,) = world.store.rebooks()
    first_slot = min(datetime.fromisoformat(s) for s, _e in json.loads(rebook.slots))
    at = now + timedelta(minutes=10)
    booked = []
    while at < first_slot and not booked:
        booked = world.tick(at).rebook.booked
        at += timedelta(hours=3)
    assert booked, "Mia's pick was never read: no meeting booked"
    assert len(world.rebook_events()) == 1
