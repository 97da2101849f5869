"""The service mailbox is read with HTML bodies: a reply written below the quote
(Thunderbird, Apple Mail, Gmail) keeps what is below it, as the HTML shows where the quote
ends and Exchange's text rendering does not; plain-text mail, Outlook's replies, ``>``
quotes, markup typed as text and signatures are read as they were."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.domain.body import END, START
from service.domain.htmltext import html_to_text
from service.domain.topics import private_address, topics_address
from service.sandbox import SandboxTenant, SandboxTransport
from service.sandbox.mail import SANDBOX_BASE, compose, deliver, reply
from tests.integration.test_mail_replies import (
    BOX,
    MIA,
    PREP_DAY,
    ROB,
    World,
    held_meeting_with_summary,
)

TOPICS = ["Workload in December", "The team lead role"]


@pytest.fixture
def world(tmp_path, settings_for) -> World:
    return World(settings_for(f"sqlite:///{tmp_path / 'html-bodies.db'}"))


def _lines(text: str) -> str:
    return "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))


def thunderbird(message: dict[str, Any], below: str) -> str:
    """Thunderbird's reply (its default): the attribution, the mail answered in a
    ``<blockquote type="cite">``, then what its sender writes, then the signature."""
    quoted = (message.get("body") or {}).get("content", "")
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">'
            '</head><body>\n<div class="moz-cite-prefix">On 26/11/2026 09:00, Mia Manager '
            'wrote:<br>\n</div>\n<blockquote type="cite" cite="mid:x@contoso.example">\n'
            f'{quoted}\n</blockquote>\n{_lines(below)}<pre class="moz-signature" cols="72">'
            '-- \nRob Report\nEngineer</pre>\n</body>\n</html>\n')


def test_the_sandbox_returns_bodies_in_the_format_asked_as_graph_documents() -> None:
    """HTML when asked, and when nothing is asked (a plain-text mail converted: escaped,
    every line kept); text only for ``Prefer: outlook.body-content-type="text"``; either
    Prefer confirmed by Preference-Applied."""
    tenant = SandboxTenant(now=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    tenant.add_user("Ann Boss", "ann@contoso.example")
    text = "Budget < 5k & rising\n\n> quoted <b>line</b>\nEnd"
    deliver(tenant, "ann@contoso.example", sender="bob@contoso.example", subject="Text",
            body=text)
    deliver(tenant, "ann@contoso.example", sender="bob@contoso.example", subject="HTML",
            body="<div>One</div><blockquote>Two</blockquote>", content_type="html")

    async def get(prefer: str | None) -> httpx.Response:
        headers = {"Authorization": "Bearer t"}
        if prefer:
            headers["Prefer"] = f'outlook.body-content-type="{prefer}"'
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=SANDBOX_BASE,
                                     headers=headers) as c:
            return await c.get("/users/ann@contoso.example/mailFolders/inbox/messages",
                               params={"$select": "subject,body"})

    for prefer in ("html", None):
        response = asyncio.run(get(prefer))
        bodies = {m["subject"]: m["body"] for m in response.json()["value"]}
        assert {b["contentType"] for b in bodies.values()} == {"html"}
        assert bodies["HTML"]["content"] == "<div>One</div><blockquote>Two</blockquote>"
        assert "<b>" not in bodies["Text"]["content"] and "&gt; quoted" in bodies["Text"]["content"]
        assert html_to_text(bodies["Text"]["content"]).split("\r\n") == text.split("\n")
        assert response.headers.get("Preference-Applied") == (
            'outlook.body-content-type="html"' if prefer else None)
    response = asyncio.run(get("text"))
    bodies = {m["subject"]: m["body"] for m in response.json()["value"]}
    assert bodies == {"Text": {"contentType": "text", "content": text},
                      "HTML": {"contentType": "text", "content": "One\nTwo"}}
    assert response.headers["Preference-Applied"] == 'outlook.body-content-type="text"'


def test_a_reply_written_below_the_quote_adds_its_topics(world: World) -> None:
    """Rob answers the prep mail from Thunderbird, writing below the quote: his two lines
    are his topics (read as text, the quote's edges were lost and nothing was kept)."""
    world.at(PREP_DAY)
    prep = world.prep()
    compose(world.tenant, ROB, [r["emailAddress"]["address"] for r in prep["replyTo"]],
            "Re: " + prep["subject"], thunderbird(prep, "\n".join(TOPICS)))
    result = world.at(PREP_DAY + timedelta(hours=1))
    assert result.topics.added == ["Mia Manager & Rob Report"]
    assert world.topics(world.rob) == TOPICS


def test_a_reply_answering_between_quotes_adds_every_answer(world: World) -> None:
    """Rob answers the prep mail point by point from Gmail, each line below a quoted
    line of it: every answer is a topic, no quoted line is."""
    world.at(PREP_DAY)
    prep = world.prep()
    quoted = [html.escape(line) for line in
              html_to_text(prep["body"]["content"]).split("\r\n") if line.strip()][:2]
    body = ('<div dir="ltr"><br></div><div class="gmail_quote"><div dir="ltr" '
            'class="gmail_attr">On Thu, 26 Nov 2026 at 09:00, Mia Manager &lt;'
            'mia@contoso.example&gt; wrote:<br></div>'
            + "".join(f'<blockquote class="gmail_quote">{q}</blockquote><div>{t}</div>'
                      for q, t in zip(quoted, TOPICS, strict=True)) + "</div>")
    compose(world.tenant, ROB, [r["emailAddress"]["address"] for r in prep["replyTo"]],
            "Re: " + prep["subject"], body)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == TOPICS


def test_a_private_note_written_below_the_quote_is_kept(world: World) -> None:
    """After the meeting Mia answers Rob's mail from Apple Mail, below the quote, to the
    private address: what she wrote is the private note."""
    held_meeting_with_summary(world)
    secret = "Rob seemed tired; check his workload quietly"
    body = ('<html><body><div><br><blockquote type="cite"><div>On 26 Nov 2026, at 09:00, '
            'Rob Report &lt;rob@contoso.example&gt; wrote:</div><br class="Apple-interchange-'
            'newline"><div><div>Can we talk about my workload?</div></div></blockquote></div>'
            f'<br>{_lines(secret)}</body></html>')
    compose(world.tenant, MIA, [private_address(BOX, world.rob.pairing.key)],
            "Re: Workload", body)
    result = world.at(world.occ.end + timedelta(hours=2))
    assert result.topics.private_notes == ["Mia Manager & Rob Report"]
    private = [n for n in world.store.notes(world.occ.id, include_private=True) if n.private]
    assert [n.text for n in private] == [secret]


SIGNATURE = "Rob Report\nSoftware Engineer\nContoso Ltd\n+44 20 7946 0123"
HOSTILE = f"<script>alert('x')</script> & <b>bold</b>\n{START}\n{END}"
ATTRIBUTION = "On Thu, 26 Nov 2026 at 09:00, Mia Manager <mia@contoso.example> wrote:"
QUOTE = "> Hi Rob,\n> What would you like to talk about?\n> Mia"
TEXT_MAILS = {  # a plain-text mail's body: what it adds
    "plain": ("Workload in December\nThe team lead role\n\nThanks,\nRob", TOPICS),
    "signature": ("Workload in December\nThe team lead role\n\n" + SIGNATURE, TOPICS),
    "quote below": ("Workload in December\nThe team lead role\n\n" + ATTRIBUTION + "\n"
                    + QUOTE, TOPICS),
    "quote above": (ATTRIBUTION + "\n" + QUOTE + "\n\nWorkload in December\n"
                    "The team lead role\n\n-- \nRob", TOPICS),
    "hostile": (HOSTILE, HOSTILE.split("\n")),
    "spacing": ("  Workload   in December  \n\tThe team lead role", TOPICS),
}


@pytest.mark.parametrize("kind", sorted(TEXT_MAILS))
def test_plain_text_mail_reads_as_before(world: World, kind: str) -> None:
    """A plain-text mail (no HTML part), returned as HTML the way Exchange converts it."""
    world.at(PREP_DAY)
    body, expected = TEXT_MAILS[kind]
    deliver(world.tenant, topics_address(BOX, world.rob.pairing.key), sender=ROB,
            sender_name="Rob Report", subject="RE: Your 1-2-1", body=body)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == expected


@pytest.mark.parametrize("written", [
    "Workload in December\nThe team lead role\n\nThanks,\nRob",
    "Workload in December\nThe team lead role\n\n" + SIGNATURE,
    HOSTILE,
])
def test_outlook_replies_above_the_quote_read_as_before(world: World, written: str) -> None:
    """Outlook's reply: what is above its divider, signature and sign-off dropped, markup
    typed as text and our marker lines kept as text."""
    world.at(PREP_DAY)
    reply(world.tenant, ROB, world.prep(), written)
    world.at(PREP_DAY + timedelta(hours=1))
    assert world.topics(world.rob) == (HOSTILE.split("\n") if written == HOSTILE else TOPICS)
