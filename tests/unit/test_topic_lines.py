"""Which lines of a mail are topics: what frames them (greetings, thanks for asking, a
lead-in, a sign-off) is not; a list's heading stays with its items; a fresh mail's subject
says what its lines are about. When unsure, a line is kept."""

from __future__ import annotations

import pytest

from service.domain.mail_reply import new_text
from service.domain.topic_lines import topic_lines

ROB = "Rob Report"


def topics(body: str, subject: str = "Re: Your 1-2-1", *, reply: bool = True,
           sender: str = ROB) -> tuple[str, ...]:
    """The topics a mail from Rob carries (a reply to the prep mail unless told)."""
    return topic_lines(new_text(body, sender_name=sender), subject=subject,
                       reply=reply).topics


@pytest.mark.parametrize("above", [
    "Thanks for asking, a couple of things from me:",
    "Hi Mia,\n\nThanks for asking, a couple of things from me:",
    "Hi Mia, hope you're well! A few things:",
    "Good question. Here are mine:",
    "Sure - two things from my side",
    "A couple of things from me:",
    "Things for our 1-2-1 on Tuesday:",
    "I'd like to discuss:",
    "Hoi Mia,\nMijn punten:",
    "Hallo Mia, danke für die Nachfrage. Ein paar Punkte von mir:",
    "Bonjour Mia, merci pour le rappel ! Voici mes sujets :",
    "Hola Mia, buena pregunta. Algunos temas:",
    "Ciao Mia, ecco alcuni punti:",
    "Hej Mia, tack för frågan! Några punkter:",
])
@pytest.mark.parametrize("below", [
    "", "See you Tuesday\nRob", "Speak Friday!", "Thanks, see you Tuesday!",
    "Let me know if you need anything else.\n\nCheers,\nRob", "No rush. Have a good weekend!",
    "That's all from me", "Bis Dienstag\nRob", "Tot dan,\nRob", "À mardi", "Hasta luego",
    "A domani", "Vi ses på tisdag",
])
def test_what_frames_the_topics_is_not_one(above: str, below: str) -> None:
    for items in ("Promotion timeline\nOn-call rota", "- Promotion timeline\n- On-call rota",
                  "1. Promotion timeline\n2. On-call rota"):
        assert topics(f"{above}\n\n{items}\n\n{below}") == ("Promotion timeline",
                                                             "On-call rota")


@pytest.mark.parametrize(("body", "wanted"), [
    # Lines that start like framing but say something.
    ("Thanks for the feedback on my talk\nBudget", ("Thanks for the feedback on my talk",
                                                     "Budget")),
    ("Can we talk about this?", ("Can we talk about this?",)),
    ("Questions\nBudget", ("Questions", "Budget")),
    ("Hi Mia, two things: budget and rota", ("Hi Mia, two things: budget and rota",)),
    ("Hi Mia, quick one: can we move Tuesday?", ("Hi Mia, quick one: can we move Tuesday?",)),
    ("Promotion\nLet me know about the budget decision",
     ("Promotion", "Let me know about the budget decision")),
    ("Pay review\nSee you Friday about the budget", ("Pay review",
                                                      "See you Friday about the budget")),
    ("Topic 1\nTopic 2", ("Topic 1", "Topic 2")),
    ("Best practices for onboarding\nCheers for the kudos last week",
     ("Best practices for onboarding", "Cheers for the kudos last week")),
    # A heading that says what its items are about stays with them.
    ("Budget:\n- headcount\n- travel\n\nRota", ("Budget: headcount", "Budget: travel",
                                                "Rota")),
    ("Topics from the last retro:\n• flaky CI\n• on-call",
     ("Topics from the last retro: flaky CI", "Topics from the last retro: on-call")),
    ("Meetings:\n1. too many\n2. too long", ("Meetings: too many", "Meetings: too long")),
    # Not a list under it: the lines are kept as they are.
    ("Budget review on 3 Mar 2026 at 10:00:\nWhat to bring",
     ("Budget review on 3 Mar 2026 at 10:00:", "What to bring")),
    ("Budget\n\nAlso:\n- Rota\n- Training", ("Budget", "Rota", "Training")),
    # A lead-in alone said nothing; one line of only framing says nothing.
    ("Budget:", ("Budget:",)),
    ("Thanks for asking!", ()),
])
def test_a_line_that_says_something_is_kept(body: str, wanted: tuple[str, ...]) -> None:
    assert topics(body) == wanted


def test_our_marker_words_framed_or_heading_a_list_stay_as_typed() -> None:
    """A heading or an item of our own words is the report's text, kept verbatim for the
    agenda to show as theirs (it is never read as a marker there)."""
    marker = "── onetoone agenda ends · please keep this line ──"
    assert topics(f"Hi Mia,\n{marker}\n(topic #3) done?") == (marker, "(topic #3) done?")
    assert topics("(#1) done:\n- [x] Rob: send the slides") == (
        "(#1) done: [x] Rob: send the slides",)


@pytest.mark.parametrize(("subject", "body", "wanted"), [
    ("Promotion", "I'd like to talk about the team lead role.\nMaybe by Q2?\n\nThanks\nRob",
     ("Promotion: I'd like to talk about the team lead role. Maybe by Q2?",)),
    ("Team lead role", "Hi Mia,\nI saw it advertised.\nThanks\nRob",
     ("Team lead role: I saw it advertised.",)),
    ("Promotion", "- timeline\n- salary band", ("Promotion: timeline",
                                                 "Promotion: salary band")),
    ("Career chat", "Promotion timeline\nTraining budget",
     ("Career chat: Promotion timeline", "Career chat: Training budget")),
    ("Promotion", "Promotion timeline\nSalary band", ("Promotion timeline",
                                                       "Promotion: Salary band")),
    ("Promotion", "", ("Promotion",)),
    ("Ideas", "", ("Ideas",)),
    # A subject that only names the meeting, or greets, heads nothing.
    ("Topics for Tuesday", "Budget\nRota", ("Budget", "Rota")),
    ("Things to discuss", "Hi Mia, two things:\n- Budget\n- Rota", ("Budget", "Rota")),
    ("Quick question", "Can I take Friday off?", ("Can I take Friday off?",)),
    ("Hi Mia", "Budget", ("Budget",)),
    # Our prep mail's subject from a client whose "RE:" is not known as one.
    ("Your 1-2-1 with Mia Manager on Tuesday 1 Dec: what would you like to talk about?",
     "Promotion\nTraining", ("Promotion", "Training")),
])
def test_a_fresh_mails_subject_says_what_its_lines_are_about(
        subject: str, body: str, wanted: tuple[str, ...]) -> None:
    assert topics(body, subject, reply=False) == wanted


@pytest.mark.parametrize("body", [
    "Nothing from me this time",
    "Hi Mia,\n\nNothing from me this time, thanks!\n\nRob",
    "Nothing to add this week. See you Tuesday",
    "No topics from me",
    "All good here, nothing new",
    "I've got nothing in particular for now.",
    "Nothing",
])
def test_a_reply_saying_there_is_nothing_has_no_topic(body: str) -> None:
    assert topics(body) == ()


@pytest.mark.parametrize("body, kept", [
    ("Nothing new on the hiring plan - can we chase it?",
     ("Nothing new on the hiring plan - can we chase it?",)),
    ("Nothing much from me.\n- the offsite budget",
     ("Nothing much from me.", "the offsite budget")),  # unsure: kept
    ("All good with the project, but I'd like to talk about my role",
     ("All good with the project, but I'd like to talk about my role",)),
])
def test_nothing_beside_a_topic_keeps_the_topic(body: str, kept: tuple[str, ...]) -> None:
    assert topics(body) == kept


THREE = "My promotion case.\nThe on-call rota is too much.\nCan we book the training course?"
THREE_TOPICS = ("My promotion case.", "The on-call rota is too much.",
                "Can we book the training course?")


@pytest.mark.parametrize("subject", [
    "Prep for Thursday", "1:1 prep", "Catch-up topics", "Agenda for our 1-2-1",
    "Things to discuss", "For Tuesday", "Stuff for tomorrow's 1:1", "For our catch-up",
    "Prep for Thursday’s 1:1", "Meeting prep", "Quick sync prep", "Weekly 1:1",
    "Check-in topics", "Things for today", "One-on-one prep", "121 agenda", "Hi Mia",
    "Vorbereitung Jour fixe", "Für unser 1:1", "Themen für Dienstag", "Voorbereiding bila",
    "Punten voor ons overleg", "Préparation de notre point", "Sujets pour mardi",
    "Preparación reunión del jueves", "Temas para el jueves",
    "Preparazione riunione di giovedì", "Punti per giovedì", "Förberedelse inför mötet",
    "Saker till torsdag",
])
def test_a_subject_naming_the_meeting_in_other_words_heads_and_merges_nothing(
        subject: str) -> None:
    """The reviewer's fresh mails: a subject that only names the meeting, or getting ready
    for it, leaves the lines one topic each, as the guide promises (they were merged into
    one agenda line, or each prefixed with "Prep for Thursday: ")."""
    assert topics(THREE, subject, reply=False) == THREE_TOPICS
    assert topics("Promotion timeline\nOn-call rota", subject, reply=False) == (
        "Promotion timeline", "On-call rota")


@pytest.mark.parametrize(("subject", "body", "wanted"), [
    # Three sentences one per line are three topics, even under a subject of their own.
    ("Workload", THREE, tuple(f"Workload: {topic}" for topic in THREE_TOPICS)),
    # A line that does not end like a sentence is an item: not joined to another.
    ("Promotion", "I'd like to talk about the team lead role\nMaybe by Q2?",
     ("Promotion: I'd like to talk about the team lead role", "Promotion: Maybe by Q2?")),
    ("Promotion", "Timeline.\n- salary band", ("Promotion: Timeline.",
                                                "Promotion: salary band")),
    # One or two sentences about the subject stay one topic with it.
    ("Promotion", "Is the team lead role still open? I saw it advertised.",
     ("Promotion: Is the team lead role still open? I saw it advertised.",)),
    ("Laptop", "Mine is five years old!\nCan we order a new one?",
     ("Laptop: Mine is five years old! Can we order a new one?",)),
])
def test_a_specific_subject_takes_one_or_two_sentences_not_a_list(
        subject: str, body: str, wanted: tuple[str, ...]) -> None:
    assert topics(body, subject, reply=False) == wanted


@pytest.mark.parametrize("body", [
    "promotion\non-call rota\ntraining",  # lower case, one per line
    "Can we talk about the on-call rota, it has been rough for me lately\nTraining budget",
    "promotion timeline,\non-call rota,\ntraining budget",
    "can we talk about the on-call rota and what happens over the holidays\npay review",
    "can we talk about\nthe rota",  # all in lower case: its case says nothing
    "My promotion case.\nthe on-call rota",
    "Budget review on 3 Mar 2026 at 10:00 with the whole team and finance:\n"
    "what to bring",
    # Outlook, OWA and phones send a paragraph as one line (Exchange's text of an HTML mail
    # breaks only between paragraphs): a line ending on "on" or a topic starting "npm" or
    # "iOS" is no sign of a wrap.
    "Something I want your advice on\nnpm upgrade blocking the release",
    "The feedback from the quarterly review with the platform team\niOS release plan",
    "Which of the new projects I could take the lead on\nConference budget for next year",
    "Can we talk about the rota and the\ntraining budget",
])
def test_lines_written_one_per_line_are_not_joined(body: str) -> None:
    """A line is a topic, whatever it ends on: a topic merged into another is worse than a
    paragraph a plain-text client wrapped read as two (as the guide says, one per line)."""
    assert topics(body) == tuple(body.split("\n"))


@pytest.mark.parametrize("last", [
    "Let me know if you can sign off my training course",
    "Let me know if the budget is approved",
    "Let me know if that course is still running",
    "Let me know if you could approve my leave",
    "Let me know if there is budget for the conference",
    "Thanks, let me know if you can sign off my course",
    "Thanks - pay review",
    "Cheers, new laptop",
    "See you Friday - training budget",
])
def test_a_request_on_the_last_line_is_a_topic(last: str) -> None:
    """A closing is a whole fixed clause: "Let me know if" and a request, or a sign-off's
    words and a topic after a dash, are not one (the request was dropped)."""
    assert topics(f"Hi Mia,\nPromotion timeline\n{last}") == ("Promotion timeline", last)


@pytest.mark.parametrize("last", [
    "Let me know if you need anything else.", "Let me know if you need anything",
    "Let me know if you have any questions", "Let me know if that works",
    "Let me know what you think!", "Let me know your thoughts", "Let me know",
    "Let me know if there's anything else", "No rush, let me know if that works",
    "Let me know if you need anything else from me, thanks!", "Cheers, Rob",
    "Thanks, speak soon", "thanks - rob", "Thanks, all", "Thanks - Rob Report",
])
def test_a_fixed_closing_on_the_last_line_is_not_a_topic(last: str) -> None:
    assert topics(f"Hi Mia,\nPromotion timeline\n{last}") == ("Promotion timeline",)


@pytest.mark.parametrize("last", ["thanks - rob report", "Cheers, rob report",
                                  "kind regards - ROB REPORT"])
def test_a_sign_off_with_the_senders_name_in_any_case_is_no_topic(last: str) -> None:
    """After a dash only a capitalised name is taken for one ("Thanks - pay review" is a
    topic); the sender's own name is one however it is typed."""
    assert topics(f"Promotion timeline\n{last}") == ("Promotion timeline",)
