"""A private note the manager mails about a meeting just held is kept even when the pair has
ended meanwhile (the report moved to another manager, as reorganisations do at any hour):
the note is about a meeting that happened, and the address is the one that meeting's agenda
gave. Only the pair's manager is still accepted, and the note stays private."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from service.domain.status import PairingStatus
from service.domain.topics import private_address
from service.sandbox.mail import compose
from tests.integration.test_mail_replies import BOX, MIA, ROB, World, held_meeting_with_summary


@pytest.fixture
def world(db_url, settings_for) -> World:
    return World(settings_for(db_url))


def test_a_private_note_mailed_as_the_report_moves_is_kept(world: World) -> None:
    """Mia mails her private note on the meeting she just had with Rob; before the next run
    reads it, the directory moves Rob to Ned. That run ends the pair first, then reads the
    mail: the note is kept on the meeting Mia and Rob held, and Mia is told, as she would
    have been an hour earlier. Rob's own mail to the address is still not a note."""
    held_meeting_with_summary(world)
    held = world.occ
    secret = "Rob is worried about the reorganisation; follow up with HR"
    address = private_address(BOX, world.rob.pairing.key)
    compose(world.tenant, MIA, [address], "Private note", f"<p>{secret}</p>")
    compose(world.tenant, ROB, [address], "Private note", "<p>Rob's own attempt</p>")
    world.tenant.add_user("Ned Newboss", "ned@contoso.example", hire_date=date(2019, 1, 1))
    world.tenant.set_manager(ROB, "ned@contoso.example")

    result = world.at(held.end + timedelta(hours=2))

    assert world.store.pairing(world.rob.pairing.id).status == PairingStatus.ENDED
    assert result.topics.private_notes == ["Mia Manager & Rob Report"]
    private = [n for n in world.store.notes(held.id, include_private=True) if n.private]
    assert [(n.text, n.source) for n in private] == [(secret, "mail")]
    assert secret not in [n.text for n in world.store.notes(held.id)]
    (ack,) = world.inbox(MIA, "Private note kept")
    assert secret not in ack["body"]["content"]
    assert world.inbox(ROB, "Private note kept") == []
