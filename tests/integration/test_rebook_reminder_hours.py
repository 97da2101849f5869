"""The reminder about missing notes goes ``[mail] reminder_hours`` after the meeting, also
when it carries the rebooking offer: the offer waits for it rather than sending it early."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.integration.test_rebook import (
    World,
    _held_without_notes,
    links,
    reminders,
)


def test_the_reminder_with_times_waits_for_reminder_hours(tmp_path, settings_for) -> None:
    """An organisation gives managers two days to write their notes: no "No notes yet"
    mail a day after the meeting, one (with the times) two days after."""
    world = World(tmp_path, settings_for)
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, reminder_hours=48))
    _rob, end = _held_without_notes(world)
    world.tick(end + timedelta(hours=25))
    assert reminders(world) == [], "reminded 25 hours after the meeting, not 48"
    assert world.store.rebooks() == []
    world.tick(end + timedelta(hours=49))
    world.tick(end + timedelta(hours=49, minutes=5))
    (reminder,) = reminders(world)
    (rebook,) = world.store.rebooks()
    assert rebook.reason == "not_held"
    assert (rebook.status == "offered") == bool(links(reminder))


def test_an_early_reminder_carries_the_times_no_second_mail(tmp_path, settings_for) -> None:
    """Reminders after 4 hours: the reminder then carries the times, and no offer follows
    a day later as a second mail about the same meeting."""
    world = World(tmp_path, settings_for)
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, reminder_hours=4))
    _rob, end = _held_without_notes(world)
    world.tick(end + timedelta(hours=5))
    world.tick(end + timedelta(hours=25))
    (reminder,) = reminders(world)
    assert world.offers("mia@contoso.example") == [], "a second mail about the meeting"
    (rebook,) = world.store.rebooks()
    assert rebook.reason == "not_held"
    assert links(reminder), "the times were not in the reminder"
