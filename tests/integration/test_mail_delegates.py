"""Mail sent on behalf of one of the pair by someone else. A delegate with "Send on behalf"
(an assistant, a colleague covering a mailbox) sends as the report or the manager: Graph's
``from`` is the person, its ``sender`` the delegate who wrote it. Such a mail is not the
person's own words: it is never kept as the report's topics or comments, nor as the
manager's private note, and it gets no acknowledgement (which would go to the person)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from service.domain.topics import private_address, topics_address
from service.sandbox.mail import compose, reply
from tests.integration.test_mail_replies import (
    BOX,
    MIA,
    PREP_DAY,
    ROB,
    World,
    held_meeting_with_summary,
    reasons,
)

PA = "pat.assistant@contoso.example"
DELEGATE = "sent by a delegate on someone's behalf"


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'delegates.db'}"))


def _on_behalf(world: World, delegate: str) -> None:
    """The mail that last reached the service mailbox was sent by ``delegate`` on behalf
    of the person it is from (as Exchange records Send on Behalf)."""
    newest = world.tenant.folder(world.tenant.user(BOX)["id"], "inbox")[-1]
    newest["sender"] = {"emailAddress": {"name": "Pat Assistant", "address": delegate}}


def test_a_delegates_reply_to_the_prep_mail_adds_no_topics(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), "Pay rise for Pat")
    _on_behalf(world, PA)
    compose(world.tenant, ROB, [topics_address(BOX, world.rob.pairing.key)],
            "Topic for our 1-2-1", "<p>Moving Rob to nights</p>")
    _on_behalf(world, PA.upper())
    caplog.set_level(logging.INFO, logger="service.jobs.topics_mail")
    result = world.at(PREP_DAY + timedelta(hours=1))
    assert result.topics.added == [] and world.topics(world.rob) == []
    assert reasons(caplog).count(DELEGATE) == 2
    assert world.inbox(ROB, "Re:") == []  # no acknowledgement thanking Rob for it


def test_a_delegates_reply_to_the_summary_is_not_the_reports_comment(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    summary: dict[str, Any] = held_meeting_with_summary(world)
    reply(world.tenant, ROB, summary, "Rob agrees he missed the deadline")
    _on_behalf(world, PA)
    caplog.set_level(logging.INFO, logger="service.jobs.topics_mail")
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.comments == []
    assert world.store.report_comments(world.occ.id) == []
    assert DELEGATE in reasons(caplog)
    assert world.inbox(ROB, "Re: 1-2-1 notes:") == []


def test_a_delegates_mail_to_the_private_address_is_not_the_managers_note(
        world: World) -> None:
    held_meeting_with_summary(world)
    compose(world.tenant, MIA, [private_address(BOX, world.rob.pairing.key)],
            "Private note", "<p>Rob seemed low</p>")
    _on_behalf(world, PA)
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.private_notes == []
    assert [n for n in world.store.notes(world.occ.id, include_private=True)
            if n.private] == []


def test_the_persons_own_mail_still_counts(world: World) -> None:
    """Graph's ``sender`` is the person themself (as any own mail has it): kept as before."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), "Workload in December")
    _on_behalf(world, ROB.upper())
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Workload in December"]
