"""The pair ends (the report leaves) while a replacement meeting booked for a missed 1-2-1 is
still to come, and the cancel of that replacement fails once (a 503 inside the $batch: a
POST, so not retried on the spot). The series ends all the same, and with it the pair's
every later look at its meetings: the replacement must still be cancelled by a later run,
not left for good in the manager's calendar (and the report's), to be read back after it
as a 1-2-1 without notes and the manager reminded about a report who has left."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.integration.test_rebook import MIA, ROB, World
from tests.integration.test_rebook_pair_ends import replacement_booked


def test_a_replacement_whose_cancel_failed_is_cancelled_by_a_later_run(tmp_path, settings_for
                                                                       ) -> None:
    world = World(tmp_path, settings_for)
    booked, now = replacement_booked(world, begun=True)  # the series has met before
    rob = world.view(ROB)

    world.tenant.disable_user(ROB)  # Rob leaves before the replacement takes place
    world.tenant.inject_fault("POST", rf"/events/{re.escape(booked.event_id)}/cancel$", 503)
    world.tick(now + timedelta(minutes=20))
    # The next runs, up to a day after the replacement's time.
    at = now + timedelta(minutes=30)
    while at < booked.end + timedelta(days=2):
        world.tick(at)
        at += timedelta(hours=6)
    left = [e for e in world.rebook_events() if not e.get("isCancelled")]
    assert left == [], "the replacement is still in Mia's calendar, the pair long ended"
    reminders = [m for m in world.tenant.messages(MIA)
                 if (m.get("subject") or "").startswith("No notes yet")]
    assert reminders == [], [m["subject"] for m in reminders]
    assert world.store.occurrence(booked.id).status == "withdrawn"
    assert world.store.live_series(rob.pairing.id) is None  # the series ended all the same
