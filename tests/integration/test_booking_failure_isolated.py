"""A rebook pick that can't be handled (the database away for a moment, or any bug it
provokes) is left unread for the next run and never stops the other mail of the read, as
for topics, comments and notes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import OperationalError

from service.domain.topics import topics_address
from service.store.repo import Store
from tests.integration.test_rebook import BOX, MIA, ROB, World, cancelled_rob, links


def test_a_pick_that_fails_does_not_stop_the_other_mail(tmp_path, settings_for,
                                                        monkeypatch) -> None:
    world = World(tmp_path, settings_for)
    rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    topics_to = topics_address(BOX, rob.pairing.key)
    world.send(now, ROB, topics_to, "Career chat")
    world.send(now, MIA, *links(offer)[0])
    world.send(now, ROB, topics_to, "Training budget")

    def away(self, token):
        raise OperationalError("SELECT rebooks", {}, Exception("database is locked"))

    monkeypatch.setattr(Store, "rebook_by_token", away)
    result = world.tick(now + timedelta(minutes=10))
    texts = sorted(t.text for t in world.store.open_topics(rob.pairing.id)
                   if t.text in ("Career chat", "Training budget"))
    assert texts == ["Career chat", "Training budget"], result.failed_steps
    # The pick itself is left unread, for the next run.
    inbox = world.tenant.folder(world.tenant.user(BOX)["id"], "inbox")
    assert [m["isRead"] for m in inbox if "[book " in (m.get("subject") or "")] == [False]
    monkeypatch.undo()
    world.tick(now + timedelta(minutes=15))
    assert world.store.rebooks()[0].status == "booked"
