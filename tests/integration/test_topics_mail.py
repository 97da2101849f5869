"""Topics by email: the pair writes to the agenda's plus-address; nobody else can."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
from datetime import date, timedelta

from service.app import job_context
from service.domain.mail_reply import bare_subject, is_reply, new_text
from service.domain.topic_lines import topic_lines
from service.domain.topics import SUBJECT_TOKEN
from service.jobs.tick import tick
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

BOX = "onetoone@contoso.example"


def test_topics_from_subject_and_body() -> None:
    """A fresh mail's subject is its topic, with a one-line body as detail; a reply's
    subject never is; quoted lines and a sign-off are dropped."""
    def topics(subject: str, body: str) -> tuple[str, ...]:
        return topic_lines(new_text(body), subject=bare_subject(subject, SUBJECT_TOKEN),
                           reply=is_reply(subject)).topics

    assert topics("Career chat [1-2-1 0123456789]", "Team lead role?\n> old") == (
        "Career chat: Team lead role?",)
    assert topics("Re: Career chat", "Team lead role?\n> old") == ("Team lead role?",)
    assert topics("Topic for our 1-2-1", "Workload in December\n\nThanks") == (
        "Workload in December",)


def test_topics_by_email_from_the_pair_only(tmp_path, settings_for) -> None:
    """Rob's mail becomes a topic in his agenda and gets a reply; Nia's is ignored."""
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
            if send:
                for sender, subject, body, to in send:
                    # What they typed, markup included, as Outlook sends it (escaped HTML).
                    paragraphs = "".join(f"<p>{html.escape(line)}</p>"
                                         for line in body.split("\n"))
                    compose(tenant, sender, [to], subject, paragraphs)
                return None
            return await tick(ctx, now)

    asyncio.run(run_at(START))
    due = START + timedelta(days=5)
    asyncio.run(run_at(due))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    occ = store.pairing_occurrences(rob.pairing.id)[0]
    body = tenant.person_body("mia@contoso.example", occ.event_id)
    address = re.search(r"mailto:([^?\"]+)", body).group(1)
    assert address.startswith("onetoone+") and address.endswith("@contoso.example")

    later = due + timedelta(hours=2)
    asyncio.run(run_at(later, send=[
        ("rob@contoso.example", "Career chat", "The team lead role <b>please</b>", address),
        ("nia@contoso.example", "Sneaky topic", "Not my pair", address),
    ]))
    result = asyncio.run(run_at(later + timedelta(minutes=5)))
    assert result.topics.added == ["Mia Manager & Rob Report"]
    assert len(result.topics.ignored) == 1
    (topic,) = store.open_topics(rob.pairing.id)
    assert topic.by == "report" and topic.text.startswith("Career chat")
    # The agenda already in the invite got the topic (one extra update, within budget).
    assert "Career chat" in tenant.person_body("mia@contoso.example", occ.event_id)
    assert "&lt;b&gt;please" in tenant.person_body("mia@contoso.example", occ.event_id)
    replies = [m for m in tenant.messages("rob@contoso.example")
               if m["subject"].startswith("Re: Career chat")]
    assert len(replies) == 1 and "on the agenda for your 1-2-1" in replies[0]["body"]["content"]
    assert not [m for m in tenant.messages("nia@contoso.example")
                if m["subject"].startswith("Re:")]
    assert all(m.get("isRead") for m in tenant.messages(BOX))
    again = asyncio.run(run_at(later + timedelta(hours=1)))
    assert again.topics.added == [] and len(store.open_topics(rob.pairing.id)) == 1
    assert len([m for m in tenant.messages("rob@contoso.example")
                if m["subject"].startswith("Re: Career chat")]) == 1
    # Sent again (copied back from the prep mail's "already on the list"), with one new line
    # and one said twice: only the new one is added, and the reply says what wasn't.
    asyncio.run(run_at(later + timedelta(hours=2), send=[
        ("rob@contoso.example", "Re: our 1-2-1",
         "career chat: the team lead role <b>please</b>.\nBudget for Q1\nbudget for q1",
         address)]))
    asyncio.run(run_at(later + timedelta(hours=2, minutes=5)))
    assert sorted(t.text for t in store.open_topics(rob.pairing.id)) == [
        "Budget for Q1", "Career chat: The team lead role <b>please</b>"]
    (reply,) = [m for m in tenant.messages("rob@contoso.example")
                if m["subject"] == "Re: our 1-2-1"]
    assert "2 more were already on the list" in reply["body"]["content"]
    # Nothing new at all: nothing added, and the reply says so.
    asyncio.run(run_at(later + timedelta(hours=3), send=[
        ("rob@contoso.example", "Re: again", "Budget for Q1", address)]))
    asyncio.run(run_at(later + timedelta(hours=3, minutes=5)))
    assert len(store.open_topics(rob.pairing.id)) == 2
    (reply,) = [m for m in tenant.messages("rob@contoso.example")
                if m["subject"] == "Re: again"]
    assert "already on the list for your next 1-2-1 with Mia Manager, so nothing was added" in (
        reply["body"]["content"])


def test_a_topic_already_open_is_the_same_one_whatever_its_case_and_spacing() -> None:
    from service.domain.topic_lines import new_topics

    assert new_topics(["Budget  for Q1!", "Pay", "pay", "  "], ["budget for q1"]) == ("Pay",)
    assert new_topics(["A"], []) == ("A",)
