"""A reply whose Outlook signature is laid out as a table (a logo cell, then the name, title
and phone as paragraphs), as corporate signatures often are: the signature and the sign-off
above it are cut as a plain one is, never topics on the agenda both people get."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.sandbox.mail import compose
from tests.integration.test_mail_replies import AGENDA_DAY, PREP_DAY, ROB, World

SIGNATURE = ("<table class=MsoNormalTable border=0 cellspacing=0 cellpadding=0><tr>"
             "<td width=80 valign=top><p class=MsoNormal><img width=64 height=64 "
             "src=\"cid:image001.png@01\"><o:p></o:p></p></td>"
             "<td valign=top><p class=MsoNormal><b>Rob Report</b><o:p></o:p></p>"
             "<p class=MsoNormal>Senior Engineer, Platform<o:p></o:p></p>"
             "<p class=MsoNormal>Contoso Ltd<o:p></o:p></p>"
             "<p class=MsoNormal>+44 20 7946 0000<o:p></o:p></p></td></tr></table>")


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'signature.db'}"))


@pytest.mark.parametrize("sign_off", ["", "<p class=MsoNormal>Kind regards,<o:p></o:p></p>"])
def test_a_signature_in_a_table_is_not_a_topic(world: World, sign_off: str) -> None:
    """Two topics, then (with or without "Kind regards,") a logo | name, title, phone
    signature table: the two topics reach the list, the acknowledgement and the agenda; the
    signature and sign-off reach none of them."""
    world.at(PREP_DAY)
    address = world.prep()["replyTo"][0]["emailAddress"]["address"]
    body = ("<div class=WordSection1><p class=MsoNormal>Hi Mia,<o:p></o:p></p>"
            "<p class=MsoNormal>Promotion timeline<o:p></o:p></p>"
            "<p class=MsoNormal>On-call rota<o:p></o:p></p>" + sign_off + SIGNATURE + "</div>")
    compose(world.tenant, ROB, [address], "RE: Your 1-2-1 with Mia Manager", body)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Promotion timeline", "On-call rota"]
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1 with Mia Manager")
    world.at(AGENDA_DAY)
    for said in (ack["body"]["content"], world.agenda()):
        assert "Promotion timeline" in said and "On-call rota" in said
        assert "Senior Engineer" not in said and "Kind regards" not in said
