"""The manager answers the summary they were copied on. The summary's Reply-To is the
meeting's comments address and the manager (so the report's reply reaches both), so a plain
Reply from the manager's own copy goes to onetoone and to the manager themself, never to the
report. Only the report's replies are comments, so it is not kept: the manager is told their
reply did not reach the report, rather than left believing it did. A reply-all reaches the
report and is ignored quietly, as before."""

from __future__ import annotations

from datetime import timedelta

from service.sandbox.mail import reply
from tests.integration.test_mail_replies import MIA, ROB, World, held_meeting_with_summary


def _told(world: World) -> list[str]:
    return [m["body"]["content"] for m in world.inbox(MIA, "Re: 1-2-1 notes:")
            if m["from"]["emailAddress"]["address"] == world.settings.mail.topics_mailbox]


def test_a_managers_reply_that_missed_the_report_is_said_to_have_missed_them(
        db_url, settings_for) -> None:
    world = World(settings_for(db_url))
    held_meeting_with_summary(world)
    mias_copy = world.inbox(MIA, "1-2-1 notes:")[0]
    reply(world.tenant, MIA, mias_copy, "Rob, also: the budget sign-off is Friday")
    assert not world.inbox(ROB, "RE: 1-2-1 notes:")  # Outlook sent it to the Reply-To only
    world.at(world.occ.end + timedelta(hours=2))
    assert world.store.report_comments(world.occ.id) == []
    said = _told(world)
    assert len(said) == 1, "Mia was not told her reply did not reach Rob"
    told = said[0]
    assert "did not reach Rob" in told and ROB in told, told
    assert "budget sign-off" not in told  # (nothing of what was written is repeated)
    world.at(world.occ.end + timedelta(hours=3))
    assert len(_told(world)) == 1  # once per mail

    # Reply-all reaches Rob: nothing to say.
    reply(world.tenant, MIA, mias_copy, "Thanks Rob, noted", reply_all=True)
    assert world.inbox(ROB, "RE: 1-2-1 notes:")
    world.at(world.occ.end + timedelta(hours=4))
    assert len(_told(world)) == 1 and world.store.report_comments(world.occ.id) == []
