"""Mail to the service mailbox from the mailbox of someone who has left. A disabled
account's mailbox stays and is often made a shared mailbox that someone else reads (the
manager, a colleague covering the work): a mail from it is not the leaver's own words, so it
is never kept as the report's comments on their last meeting, nor as the manager's private
note, and no acknowledgement goes into that mailbox."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from service.domain.topics import comments_address, private_address
from service.sandbox.mail import deliver
from tests.integration.test_mail_replies import (
    BOX,
    MIA,
    ROB,
    World,
    held_meeting_with_summary,
    reasons,
)


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'leavers.db'}"))


def test_a_reply_from_a_leavers_mailbox_is_not_their_comment(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    summary = held_meeting_with_summary(world)
    world.tenant.disable_user(ROB)
    world.at(world.occ.end + timedelta(hours=2))  # the pair ends: Rob has left
    assert world.store.view_of_pairing(world.rob.pairing.id).pairing.status == "ended"
    deliver(world.tenant, comments_address(BOX, world.rob.pairing.key, world.occ.id),
            sender=ROB, subject="RE: " + summary["subject"],
            body="Whoever reads Rob's old mailbox now: he never agreed to this")
    caplog.set_level(logging.INFO, logger="service.jobs.topics_mail")
    result = world.at(world.occ.end + timedelta(hours=3))
    assert result.topics.comments == []
    assert world.store.report_comments(world.occ.id) == []
    assert "sender not in the pair" in reasons(caplog)
    assert not [m for m in world.store.outbox() if m.kind == "comment_reply"]


def test_a_note_from_a_departed_managers_mailbox_is_not_their_private_note(
        world: World) -> None:
    held_meeting_with_summary(world)
    world.tenant.disable_user(MIA)
    world.at(world.occ.end + timedelta(hours=2))
    deliver(world.tenant, private_address(BOX, world.rob.pairing.key), sender=MIA,
            subject="Private note", body="Written by whoever has Mia's mailbox now")
    result = world.at(world.occ.end + timedelta(hours=3))
    assert result.topics.private_notes == []
    assert [n for n in world.store.notes(world.occ.id, include_private=True)
            if n.private] == []
