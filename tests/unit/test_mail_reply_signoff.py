"""A thanks or a greeting at the start of a reply opens it; only a sign-off after what was
said, with a signature under it, closes it. Real-world shaped samples."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
from datetime import date, timedelta

import pytest

from service.app import job_context
from service.domain.mail_reply import new_text
from service.domain.topic_lines import topic_lines
from service.jobs.tick import tick
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

ROB = "Rob Report"
BOX = "onetoone@contoso.example"


def topics(body: str) -> tuple[str, ...]:
    """The topics a reply to the prep mail from Rob carries."""
    return topic_lines(new_text(body, sender_name=ROB), subject="Re: Your 1-2-1",
                       reply=True).topics


@pytest.mark.parametrize("opener", [
    "Thanks!", "Thanks,", "Thanks Mia!", "Thanks, Mia.", "Thank you Mia :)", "Many thanks.",
    "Cheers -", "Thanks so much!", "Hi Mia,\nThanks!", "Hi Mia, thanks!", "Hey team!",
    "Dear Mia,\n\nMany thanks.", "Danke!", "Merci !", "Bedankt!", "Grazie mille!",
])
def test_a_thanks_at_the_start_opens_the_reply(opener: str) -> None:
    """The tester's reply: "Thanks!" then the topics. Whatever the opener, the lines after it
    are the topics (before: all taken for a sign-off and a signature, and lost)."""
    body = f"{opener}\nPromotion timeline\nTraining budget"
    assert topics(body) == ("Promotion timeline", "Training budget")
    assert new_text(body, sender_name=ROB).endswith("Promotion timeline\nTraining budget")


def test_a_comment_after_thanks_is_kept() -> None:
    """A reply to the summary that opens with "Thanks," keeps the comment under it."""
    body = "Thanks,\nI think the due date should be 15 Dec, not 12."
    assert new_text(body, sender_name=ROB) == body
    assert new_text(f"{body}\n\nSent from my iPhone\n\nOn Tue, Mia wrote:\n> notes",
                    sender_name=ROB) == body


@pytest.mark.parametrize("closing", [
    "Thanks,\nRob",
    "Thanks Mia!\nRob",
    "Cheers, Rob\nSenior Engineer | Contoso\n+44 20 7946 0000",
    "Kind regards\n\nRob Report\nSenior Engineer\nContoso Ltd | +44 20 7946 0000",
    "Viele Grüße\nRob",
    "Groetjes Rob",
    "Cordialement,\nRob Report",
    "Thanks in advance,\nRob",
])
def test_a_sign_off_after_the_text_still_closes_it(closing: str) -> None:
    """A sign-off after the topics, and the signature under it, are not topics; an opener
    and a closer in one mail leave just what is between them."""
    assert topics(f"Promotion timeline\nTraining budget\n\n{closing}") == (
        "Promotion timeline", "Training budget")
    assert topics(f"Thanks Mia!\n\nPromotion timeline\n\n{closing}") == (
        "Promotion timeline",)


@pytest.mark.parametrize("body", [
    "Thanks!\nRob",
    "Thanks!\n\nRob Report\nSenior Engineer\nContoso Ltd | +44 20 7946 0000",
    "Thanks!\n\nRob Report | Senior Engineer",
    "Hi Mia,\nThanks!\nRob",
    "Many thanks, Mia!\n\nSent from my iPhone",
])
def test_a_reply_that_only_thanks_has_no_text(body: str) -> None:
    """Only a thanks (and the sender's signature): nothing to keep, and no answer to it."""
    assert new_text(body, sender_name=ROB) == ""


def test_a_sentence_after_a_sign_off_is_not_a_signature() -> None:
    """A question or a full sentence under a mid-mail "Thanks!" is still what they said."""
    for body in ("Looks right.\nThanks!\nOne correction: the due date is 15 Dec, not 12.",
                 "Workload\nThanks,\nCan we also talk about my promotion?"):
        assert new_text(body, sender_name=ROB) == body


def test_lines_that_only_start_like_an_opener_are_topics() -> None:
    """A topic that starts with a thanks or a greeting word stays a topic."""
    body = ("Thanks! Promotion timeline\nThanks for the feedback\nHello world project\n"
            "Best Practice\nTraining")
    assert topics(body) == tuple(body.split("\n"))
    assert topics("Hello world project\nBudget") == ("Hello world project", "Budget")
    assert topics("Best Practice\nBudget") == ("Best Practice", "Budget")


def test_hostile_text_after_thanks_stays_verbatim() -> None:
    """Markup, our own marker words and odd code points after an opener are kept as typed."""
    line = "<b>x</b> ── onetoone agenda ends · please keep this line ── \u202e\ud800 &amp;"
    assert new_text(f"Thanks!\n{line}", sender_name=ROB) == f"Thanks!\n{line}"
    assert topics(f"Thanks!\n{line}") == (line,)


def test_topics_after_thanks_are_added_and_answered(tmp_path, settings_for) -> None:
    """End to end: Rob's "Thanks!" reply adds his topics and he gets the usual answer."""
    base = settings_for(f"sqlite:///{tmp_path / 't.db'}")
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = org()
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    store = Store(make_engine(settings.database.url))

    async def run_at(now, send=None):
        tenant.now = lambda: now
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            for sender, subject, body, to in send or ():
                compose(tenant, sender, [to], subject,
                        "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n")))
            return None if send else await tick(ctx, now)

    due = START + timedelta(days=5)
    asyncio.run(run_at(START))
    asyncio.run(run_at(due))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    occ = store.pairing_occurrences(rob.pairing.id)[0]
    address = re.search(r"mailto:([^?\"]+)",
                        tenant.person_body("mia@contoso.example", occ.event_id)).group(1)
    later = due + timedelta(hours=2)
    asyncio.run(run_at(later, send=[("rob@contoso.example", "Re: Your 1-2-1",
                                     "Thanks!\nPromotion timeline\nTraining budget",
                                     address)]))
    result = asyncio.run(run_at(later + timedelta(minutes=5)))
    assert result.topics.added == ["Mia Manager & Rob Report"]
    assert [t.text for t in store.open_topics(rob.pairing.id)] == [
        "Promotion timeline", "Training budget"]
    (answer,) = [m for m in tenant.messages("rob@contoso.example")
                 if m["subject"] == "Re: Your 1-2-1"]
    assert "Promotion timeline" in answer["body"]["content"]


def test_a_mail_of_thousands_of_opening_lines_is_read_in_linear_work() -> None:
    """Openers are dropped from the top in one cut: a line at a time, a pasted run of
    600,000 emoji or "----" lines (2 MB) copied the rest of the mail per line (half an
    hour; 200,000 lines took three minutes)."""
    body = "Hi Mia,\n" + "👍\n----\n" * 300_000 + "Budget\nHi!"
    assert topic_lines(body).topics == ("Budget", "Hi!")
