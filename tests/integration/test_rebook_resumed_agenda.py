"""A rebooked meeting whose booking was resumed (Exchange created it, the answer was lost)
is recorded with its agenda as Exchange holds it, as a booking answered at once is: a topic
the report raises afterwards reaches its agenda in the one update allowed, rather than the
agenda onetoone wrote being taken for the manager's typing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import escape

from tests.integration.test_rebook import MIA, World, _start, picked_with_answers_lost


def test_a_resumed_booking_keeps_its_agenda_fingerprint(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    rob, first, now = picked_with_answers_lost(world)
    result = world.tick(now + timedelta(minutes=10))
    assert result.rebook.booked == [f"Mia Manager & Rob Report {_start(first):%Y-%m-%d}"]
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    assert booked.agenda_state == "injected" and booked.agenda_fingerprint
    # Rob raises a topic before the rebooked meeting: its agenda is updated with it.
    later = max(now + timedelta(minutes=20), world.due(rob, booked.start))
    assert later < booked.start
    world.store.add_topic(rob.pairing.id, "Hybrid working", "report", later.date(), later)
    world.tenant.reset_counters()
    after = world.tick(later)
    assert not any(_start_of(label) == booked.start.date() for label in
                   after.agenda.kept_person_edit), after.agenda
    body = world.tenant.person_body(MIA, booked.event_id)
    assert "Hybrid working" in body and "Career chat" in body


def _start_of(label: str) -> date:
    return date.fromisoformat(label.rsplit(" ", 1)[-1])


def test_a_resumed_booking_typed_into_meanwhile_is_never_overwritten(tmp_path,
                                                                     settings_for) -> None:
    """The manager typed into the meeting before the booking was resumed: what they typed
    is theirs, so a topic raised afterwards does not replace the agenda block."""
    world = World(tmp_path, settings_for)
    rob, _first, now = picked_with_answers_lost(world, times=5)
    # The resume in the same run cannot look for the event yet.
    world.tenant.inject_fault("GET", r"/users/[^/]+/events$", 403, times=1)
    failed = world.tick(now + timedelta(minutes=10))
    assert failed.rebook.booked == [] and len(world.rebook_events()) == 1
    (made,) = world.rebook_events()
    html = world.tenant.person_body(MIA, made["id"])
    html = re.sub(r'(id="onetoone-notes"[^>]*>)',
                  lambda m: m.group(1) + f"<p>{escape('Prep: ask about the move')}</p>", html)
    # (Mia saves it in Outlook: a single meeting, so its own body changes.)
    stored = world.tenant.state["events"][world.tenant.user(MIA)["id"]][made["id"]]
    stored["body"] = {"contentType": "html", "content": html}
    resumed = world.tick(now + timedelta(minutes=20))
    assert len(resumed.rebook.booked) == 1
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    later = max(now + timedelta(minutes=30), world.due(rob, booked.start))
    world.store.add_topic(rob.pairing.id, "Hybrid working", "report", later.date(), later)
    after = world.tick(later)
    assert after.agenda.updated == []
    body = world.tenant.person_body(MIA, booked.event_id)
    assert "Prep: ask about the move" in body and "Hybrid working" not in body
