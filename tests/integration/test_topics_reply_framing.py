"""A report's answer to "what would you like to talk about?" the way people write one: a
greeting, thanks for asking, a lead-in above the list, a sign-off. Only the topics reach
the agenda and the acknowledgement; a fresh mail's subject says what its lines are about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.sandbox.mail import compose, reply
from tests.integration.test_mail_replies import AGENDA_DAY, PREP_DAY, ROB, World

FRAMING = ("Thanks for asking", "a couple of things", "See you Tuesday", "Mijn punten",
           "Punkte von mir", "Voici mes sujets", "algunos temas", "alcuni punti",
           "punkter från mig", "Tot dinsdag", "Bis Dienstag", "À mardi")


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'framing.db'}"))


def test_intro_and_sign_off_lines_are_not_topics(world: World) -> None:
    """The reviewer's reply: two topics between "Thanks for asking, a couple of things from
    me:" and "See you Tuesday". The agenda, the acknowledgement and the list hold the two."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(),
          "Hi Mia,\n\nThanks for asking, a couple of things from me:\n\nPromotion timeline\n"
          "On-call rota\n\nSee you Tuesday\nRob")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Promotion timeline", "On-call rota"]
    (ack,) = world.inbox(ROB, "Re: Your 1-2-1 with Mia Manager")
    world.at(AGENDA_DAY)
    agenda = world.agenda()
    for said in (ack["body"]["content"], agenda):
        assert "Promotion timeline" in said and "On-call rota" in said
        assert not [words for words in FRAMING if words in said]


@pytest.mark.parametrize("body", [
    "Hoi Mia,\n\nMijn punten:\n- Opleiding\n- Thuiswerken\n\nTot dinsdag!\nRob",
    "Hallo Mia,\ndanke für die Nachfrage, ein paar Punkte von mir:\n- Opleiding\n"
    "- Thuiswerken\nBis Dienstag\nRob",
    "Bonjour Mia,\nMerci pour la question ! Voici mes sujets :\n1. Opleiding\n"
    "2. Thuiswerken\nÀ mardi,\nRob",
    "Hola Mia,\nGracias por preguntar, algunos temas:\n• Opleiding\n• Thuiswerken",
    "Ciao Mia,\nGrazie per aver chiesto, ecco alcuni punti:\n- Opleiding\n- Thuiswerken",
    "Hej Mia,\nTack för att du frågar, några punkter från mig:\n- Opleiding\n- Thuiswerken\n"
    "Vi ses på tisdag\nRob",
], ids=["nl", "de", "fr", "es", "it", "sv"])
def test_a_lead_in_above_a_list_is_not_a_topic_in_other_languages(world: World,
                                                                   body: str) -> None:
    """The list's items are the topics, whatever language frames them."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), body)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Opleiding", "Thuiswerken"]


def test_outlook_desktops_bullets_under_a_lead_in_and_under_a_heading(world: World) -> None:
    """Word's bullets, as Outlook desktop writes them: the lead-in above the first list is
    dropped; the heading above the second says what its items are about."""
    world.at(PREP_DAY)
    address = world.prep()["replyTo"][0]["emailAddress"]["address"]

    def bullets(*items: str) -> str:
        return "".join(
            "<p class=MsoListParagraph style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
            "<![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:"
            "Ignore'>·<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp; "
            f"</span></span></span><![endif]>{item}<o:p></o:p></p>" for item in items)

    body = ("<div class=WordSection1><p class=MsoNormal>Hi Mia,<o:p></o:p></p>"
            "<p class=MsoNormal>A couple of things from me:<o:p></o:p></p>"
            + bullets("Training budget", "Working from home")
            + "<p class=MsoNormal>Budget:<o:p></o:p></p>" + bullets("headcount", "travel")
            + "<p class=MsoNormal>Thanks,<o:p></o:p></p><p class=MsoNormal>Rob<o:p></o:p>"
            "</p></div>")
    compose(world.tenant, ROB, [address], "RE: Your 1-2-1 with Mia Manager", body)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["Training budget", "Working from home",
                                       "Budget: headcount", "Budget: travel"]


def test_a_fresh_mails_subject_is_the_topic_its_lines_are_about(world: World) -> None:
    """Subject "Promotion", two sentences about it: one topic, the subject first (before:
    the subject was dropped and "Maybe by Q2?" was a topic of its own). A subject that only
    names the meeting leaves the lines as they are."""
    world.at(PREP_DAY)
    address = world.prep()["replyTo"][0]["emailAddress"]["address"]
    compose(world.tenant, ROB, [address], "Promotion",
            "<p>I'd like to talk about the team lead role.</p><p>Maybe by Q2?</p><p></p>"
            "<p>Thanks</p><p>Rob</p>")
    compose(world.tenant, ROB, [address], "Things for Tuesday",
            "<p>Hi Mia, two things:</p><p>Holiday cover</p><p>Conference in March</p>")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == [
        "Promotion: I'd like to talk about the team lead role. Maybe by Q2?",
        "Holiday cover", "Conference in March"]


def test_a_request_on_the_last_line_is_a_topic(world: World) -> None:
    """A reply ending with a request ("Let me know if you can sign off …") keeps it (it was
    dropped as a closing); a closing that is only a closing is none."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(),
          "Hi Mia,\n\nOn-call rota\nLet me know if you can sign off my training course\n\n"
          "Let me know if you need anything else.\nRob")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["On-call rota",
                                       "Let me know if you can sign off my training course"]
    world.at(AGENDA_DAY)
    assert "Let me know if you can sign off my training course" in world.agenda()


@pytest.mark.parametrize("subject", ["Prep for Thursday", "1:1 prep", "Catch-up topics",
                                     "Agenda for our 1-2-1", "Vorbereitung Jour fixe"])
def test_a_subject_naming_the_meeting_in_other_words_leaves_one_topic_a_line(
        world: World, subject: str) -> None:
    """The reviewer's fresh mail: three topics one per line, each a sentence, under a
    subject that only names the meeting. They stay three topics (they were one agenda line,
    "Prep for Thursday: My promotion case. The on-call rota is too much. …")."""
    world.at(PREP_DAY)
    address = world.prep()["replyTo"][0]["emailAddress"]["address"]
    compose(world.tenant, ROB, [address], subject,
            "<p>My promotion case.</p><p>The on-call rota is too much.</p>"
            "<p>Can we book the training course?</p>")
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == ["My promotion case.", "The on-call rota is too much.",
                                       "Can we book the training course?"]

