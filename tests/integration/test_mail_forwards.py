"""Mail forwarded to the service mailbox: what was forwarded is what the sender means.

The manager forwards a mail to the private address to keep it on the record: the private
note holds that mail, not only the line typed above it (and one with nothing typed above is
kept, not ignored). The report forwards a mail to the topics address: its subject names the
topic, as a fresh mail's does, never "can we talk about this?" alone."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest

from service.domain.topics import private_address, topics_address
from service.sandbox.mail import compose
from tests.integration.test_mail_replies import (
    MIA,
    PREP_DAY,
    ROB,
    World,
    held_meeting_with_summary,
)


@pytest.fixture
def world(db_url, settings_for) -> World:
    return World(settings_for(db_url))


def forward(typed: str, sender: str, subject: str, words: str) -> str:
    """A mail forwarded from Outlook on the web: the forwarder's text above Outlook's divider,
    the forwarded mail's header and its body below."""
    above = "".join(f"<div>{escape(line) or '<br>'}</div>" for line in typed.split("\n"))
    return (f"<html><body>{above}<div id=\"appendonsend\"></div>"
            "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
            f"<div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> {escape(sender)}<br>"
            "<b>Sent:</b> Tuesday, December 1, 2026 4:12 PM<br>"
            f"<b>To:</b> Mia Manager &lt;{MIA}&gt;<br><b>Subject:</b> {escape(subject)}</div>"
            f"<div><div>{escape(words)}</div></div></body></html>")


def test_a_mail_forwarded_to_the_private_address_is_kept_whole(world: World) -> None:
    held_meeting_with_summary(world)
    address = private_address(world.settings.mail.topics_mailbox, world.rob.pairing.key)
    secret = "my father is in hospital, I may need a few days off next week"
    compose(world.tenant, MIA, [address], "FW: Time off",
            forward("For the record.", f"Rob Report <{ROB}>", "Time off", f"Hi Mia, {secret}."))
    compose(world.tenant, MIA, [address], "FW: Sick note",
            forward("", f"Rob Report <{ROB}>", "Sick note", "Off sick today, back Monday."))
    result = world.at(world.occ.end + timedelta(hours=2))
    private = [n.text for n in world.store.notes(world.occ.id, include_private=True)
               if n.private]
    kept = "\n".join(private)
    assert secret in kept and "Off sick today, back Monday." in kept
    assert private[0].startswith("For the record.\n") and "Subject: Time off" in private[0]
    assert result.topics.private_notes == ["Mia Manager & Rob Report"] * 2
    assert len(world.inbox(MIA, "Private note kept")) == 2
    # Still private: in no mail but Mia's own forward.
    assert not [m for m in world.every_mail() if secret in str(m)
                and m.get("subject") != "FW: Time off"]


def test_a_mail_forwarded_to_the_topics_address_is_a_topic_by_its_subject(
        world: World) -> None:
    world.at(PREP_DAY)
    address = topics_address(world.settings.mail.topics_mailbox, world.rob.pairing.key)
    compose(world.tenant, ROB, [address], "FW: Team restructure",
            forward("Can we talk about this?", "Nia Head <nia@contoso.example>",
                    "Team restructure", "The team moves to Product in January."))
    compose(world.tenant, ROB, [address], "Fwd: Conference in March",
            forward("", "events@contoso.example", "Conference in March", "Register now."))
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Team restructure: Can we talk about this?",
                                       "Conference in March"]
