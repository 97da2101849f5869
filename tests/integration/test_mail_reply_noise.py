"""What people's mail clients and manners add around their topics is not a topic: an Outlook
auto-signature under the lines (no "Thanks," above it), and a "Great, thanks!" answering
the acknowledgement (whose Reply-To is the topics address)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.sandbox.mail import reply
from tests.integration.test_mail_replies import AGENDA_DAY, PREP_DAY, ROB, World

SIGNATURE = "Rob Report\nSoftware Engineer\nContoso Ltd\n+44 20 7946 0123"


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'noise.db'}"))


def test_an_auto_signature_under_the_topics_is_not_on_the_agenda(world: World) -> None:
    """Outlook adds Rob's signature (name, title, company, phone) under his reply, with no
    sign-off above it: his two lines are the topics, the signature is not."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(),
          f"Workload in December\nThe team lead role\n\n{SIGNATURE}")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Workload in December", "The team lead role"]
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1 with Mia Manager")
    assert "Software Engineer" not in ack["body"]["content"]
    world.at(AGENDA_DAY)
    agenda = world.agenda()
    assert "The team lead role" in agenda
    assert "Software Engineer" not in agenda and "+44 20 7946 0123" not in agenda


@pytest.mark.parametrize("answer", ["Great, thanks!", "Got it, thanks", "👍",
                                    f"Perfect, thank you\n\n{SIGNATURE}"])
def test_a_thank_you_to_the_acknowledgement_is_no_topic_and_no_meeting_update(
        world: World, answer: str) -> None:
    """Rob's topic goes in after the agenda (its one extra update); he answers the
    acknowledgement with a thank-you: nothing is added, the invite is not updated again and
    no second acknowledgement goes out."""
    world.at(PREP_DAY)
    prep = world.prep()
    world.at(AGENDA_DAY)
    reply(world.tenant, ROB, prep, "Holiday cover")
    world.at(AGENDA_DAY + timedelta(hours=1))
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1")
    patches = world.tenant.count("PATCH", world.occ.event_id + "$")
    reply(world.tenant, ROB, ack, answer)
    result = world.at(AGENDA_DAY + timedelta(hours=2))
    assert world.topics(world.rob) == ["Holiday cover"]
    assert result.topics.added == []
    assert world.tenant.count("PATCH", world.occ.event_id + "$") == patches
    assert len(world.inbox(ROB, "Re: ")) == 1
