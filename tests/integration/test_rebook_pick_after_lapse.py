"""A manager who picks a time from an offer that has lapsed (its times passed, or the last
one is under 30 minutes away) gets an answer: nothing was booked. Read while the offer was
still open, the same pick gets fresh times or a short note; read once it had closed, it was
dropped without a word, and the manager was left waiting for a meeting that never came."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.integration.test_rebook import MIA, World, cancelled_rob, links


def _notes(world: World) -> list[dict]:
    return [m for m in world.tenant.messages(MIA)
            if (m.get("subject") or "").startswith("That time is no longer free")]


def test_a_pick_read_after_the_offer_lapsed_is_answered_once(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    cancelled_rob(world)
    (offer,) = world.offers(MIA)
    (rebook,) = world.store.rebooks()
    last = max(datetime.fromisoformat(s) for s, _e in json.loads(rebook.slots))
    world.tick(last - timedelta(minutes=25))  # under 30 minutes to the last time: closed
    assert world.store.rebooks()[0].status == "expired"

    # Mia reads the offer late and clicks the last time (twice: answered once).
    world.send(last - timedelta(minutes=20), MIA, *links(offer)[-1])
    world.tick(last - timedelta(minutes=15))
    world.send(last + timedelta(hours=1), MIA, *links(offer)[-1])
    world.tick(last + timedelta(hours=1, minutes=5))

    assert not world.rebook_events()
    notes = _notes(world)
    assert len(notes) == 1, "the pick of a lapsed offer went unanswered"
    assert [r["emailAddress"]["address"] for r in notes[0]["toRecipients"]] == [MIA]
    assert "nothing was booked" in notes[0]["body"]["content"]
