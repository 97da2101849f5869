"""A rebook pick is held to the checks every mail read as a person's gets: one bearing the
manager's address as From that Exchange took in from the internet, that failed its
authentication, or that a delegate sent on her behalf books nothing. Each is logged and
ignored (marked read, no answer), the run goes on, and the manager's own pick still books."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from service.sandbox.mail import deliver
from tests.integration.test_rebook import BOX, MIA, World, cancelled_rob, links

PA = "pat.assistant@contoso.example"
FORGED = ("not sent from inside the organisation (Exchange took it in anonymously)",
          "its sender failed Exchange's authentication (compauth=fail)",
          "sent by a delegate on someone's behalf")


def test_forged_picks_book_nothing_and_the_managers_own_pick_still_books(
        tmp_path, settings_for, caplog: pytest.LogCaptureFixture) -> None:
    """Three picks with Mia's address as From, not sent by her: none books a time; the
    offer stays open, and Mia's own pick of the same time books it once."""
    world = World(tmp_path, settings_for)
    _, _, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    address, subject = links(offer)[0]
    world.tenant.now = lambda: now
    deliver(world.tenant, address, sender=MIA, subject=subject, body="",
            headers=(("X-MS-Exchange-Organization-AuthAs", "Anonymous"),))
    deliver(world.tenant, address, sender=MIA, subject=subject, body="",
            headers=(("Authentication-Results", "spf=fail (sender IP is 203.0.113.9) "
                      "smtp.mailfrom=contoso.example; dkim=none; dmarc=fail action=none "
                      "header.from=contoso.example;compauth=fail reason=000"),))
    world.send(now, MIA, address, subject)
    # Sent by Pat with Send on Behalf: Graph's sender is the delegate, its from Mia.
    newest = world.tenant.folder(world.tenant.user(BOX)["id"], "inbox")[-1]
    newest["sender"] = {"emailAddress": {"name": "Pat Assistant", "address": PA}}

    caplog.set_level(logging.INFO, logger="service.jobs.rebook")
    result = world.tick(now + timedelta(minutes=10))
    ignored = [r.reason for r in caplog.records if r.getMessage() == "rebook.ignored"]
    assert sorted(ignored) == sorted(FORGED)
    assert result.topics.failed == [] and not world.rebook_events()
    assert world.store.rebooks()[0].status == "offered"
    assert world.store.rebooks()[0].booked_index is None
    assert all(m["isRead"] for m in world.tenant.folder(world.tenant.user(BOX)["id"], "inbox"))

    world.send(now, MIA, address, subject)
    world.tick(now + timedelta(minutes=15))
    assert len(world.rebook_events()) == 1
