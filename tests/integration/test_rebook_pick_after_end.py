"""A manager who picks a time to rebook a missed 1-2-1 after the pair has ended (the report
moved to another manager meanwhile) gets an answer: nothing was booked, and why. Before, the
pick was dropped without a word, and the manager was left waiting for a meeting that never
came."""

from __future__ import annotations

from datetime import date, timedelta

from tests.integration.test_rebook import MIA, NIA, World, declined_nia, links


def test_a_pick_after_the_pair_ended_is_answered_once(tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    _nia, now, offer, _rebook = declined_nia(world)
    world.tenant.add_user("Max Lead", "max@contoso.example", hire_date=date(2019, 1, 1))
    world.tenant.set_manager(NIA, "max@contoso.example")
    moved = world.tick(now + timedelta(minutes=5))
    assert any("Nia York" in line for line in moved.schedule.ended), moved.schedule.ended

    world.send(now + timedelta(minutes=6), MIA, *links(offer)[0])
    world.tick(now + timedelta(minutes=10))
    world.tick(now + timedelta(minutes=15))  # read again: answered once

    answers = [m for m in world.tenant.messages(MIA)
               if (m.get("subject") or "").startswith("Not booked: 1-2-1 with Nia York")]
    assert len(answers) == 1
    assert "no longer schedules your 1-2-1s with Nia York" in answers[0]["body"]["content"]
    assert [r["emailAddress"]["address"] for r in answers[0]["toRecipients"]] == [MIA]
    assert not world.rebook_events()
    assert world.store.rebooks()[0].status == "expired"
