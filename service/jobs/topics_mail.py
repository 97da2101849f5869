"""Topics by email: the pair writes to the service mailbox's plus-address in their agenda.

Only mail from the pair's two members is accepted; anything else is marked read, left in
the mailbox and logged. Each accepted mail adds one topic (keyed by its Internet message
id, so a crash or a second worker never adds it twice), gets a one-line reply through the
outbox, and is marked read. The topic reaches the next agenda; an agenda already in the
invite is updated within the update budget.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from service.domain.agenda import first_name, format_date
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.jobs.rebook import handle_booking, is_booking
from service.store.models import OutboxRow
from service.store.repo import PairingView

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"\+([0-9a-f]{10})@", re.I)
_SUBJECT_TOKEN = re.compile(r"\[1-2-1 ([0-9a-f]{10})\]", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw)\s*:\s*)+", re.I)
MAX_TOPIC = 500


@dataclass
class TopicMailReport:
    added: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bookings: list[str] = field(default_factory=list)  # rebook picks, handed to jobs.rebook


def topic_token(pairing_key: str) -> str:
    """A short, stable, non-guessable-enough token naming a pair in an address."""
    return hashlib.sha256(f"topics|{pairing_key}".encode()).hexdigest()[:10]


def topics_address(mailbox: str, pairing_key: str) -> str:
    """name+token@domain (Exchange Online delivers plus-addresses to the mailbox)."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+{topic_token(pairing_key)}@{domain}"


def topic_text(subject: str, body: str) -> str:
    """The topic from a mail: its subject (without Re:/our token), else its first lines."""
    subject = _SUBJECT_TOKEN.sub("", _REPLY_PREFIX.sub("", subject or "")).strip()
    if subject.lower() in ("", "topic for our 1-2-1", "topic", "1-2-1"):
        subject = ""
    lines = []
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        if line.strip().startswith((">", "From:", "Sent:", "-----", "____")):
            break  # a quoted reply or signature separator: stop
        if line.strip():
            lines.append(line.strip())
        if len(" ".join(lines)) > MAX_TOPIC:
            break
    text = subject if subject else " ".join(lines[:3])
    if subject and lines:
        text = f"{subject}: {' '.join(lines[:2])}"
    return text[:MAX_TOPIC].strip()


def _token_of(message: dict[str, Any]) -> str | None:
    for key in ("toRecipients", "ccRecipients"):
        for r in message.get(key) or []:
            match = _TOKEN.search((r.get("emailAddress") or {}).get("address") or "")
            if match:
                return match.group(1).lower()
    match = _SUBJECT_TOKEN.search(message.get("subject") or "")
    return match.group(1).lower() if match else None


async def read_topic_mail(ctx: JobContext, now: datetime) -> TopicMailReport:
    report = TopicMailReport()
    box = ctx.settings.mail.topics_mailbox
    if not box:
        return report
    graph, store = ctx.graph, ctx.store
    try:
        messages = [m async for m in graph.pages(
            f"/users/{quote(box, safe='@.')}/mailFolders/inbox/messages",
            {"$filter": "isRead eq false", "$top": "50",
             "$select": "id,subject,from,toRecipients,ccRecipients,body,internetMessageId"},
            headers={"Prefer": 'outlook.body-content-type="text"'})]
    except ServiceError as exc:
        report.failed.append(f"{box}: {exc}")
        log.error("topics_mail.failed", extra={"mailbox": box, "error": str(exc)})
        return report
    pairs = {topic_token(v.pairing.key): v for v in store.views(["active"])}
    for message in messages:
        if is_booking(message):  # a pick from a rebook offer (name+book.<token>.<n>@)
            outcome, settled = await handle_booking(ctx, message, now)
            report.bookings.append(outcome)
            if settled:
                await _mark_read(ctx, box, message)
            continue
        sender = (((message.get("from") or {}).get("emailAddress") or {}).get("address")
                  or "").lower()
        token = _token_of(message)
        view = pairs.get(token or "")
        if view is None or sender not in (view.manager.email.lower(),
                                          view.report.email.lower()):
            # Not from the pair (or no pair named): never a topic; a log line, no reply.
            log.info("topics_mail.ignored", extra={"reason": "unknown pair" if view is None
                                                   else "sender not in the pair"})
            report.ignored.append(message.get("id", ""))
            await _mark_read(ctx, box, message)
            continue
        by = "report" if sender == view.report.email.lower() else "manager"
        text = topic_text(message.get("subject") or "",
                          (message.get("body") or {}).get("content") or "")
        message_id = message.get("internetMessageId") or message["id"]
        if text:
            store.add_topic(view.pairing.id, text, by, now.date(), now, message_id=message_id)
            _queue_reply(ctx, view, box, sender, message, message_id, text, now)
            report.added.append(f"{view.manager.name} & {view.report.name}")
            log.info("topics_mail.added", extra={"pairing": view.pairing.key, "by": by})
        await _mark_read(ctx, box, message)
    return report


def _queue_reply(ctx: JobContext, view: PairingView, box: str, sender: str,
                 message: dict[str, Any], message_id: str, text: str, now: datetime) -> None:
    store = ctx.store
    upcoming = [o for o in store.pairing_occurrences(view.pairing.id)
                if o.start > now and o.status != "cancelled"]
    when = f" on {format_date(upcoming[0].start.date())}" if upcoming else ""
    name = view.report.name if sender == view.report.email.lower() else view.manager.name
    body = (f"<p>Thanks {first_name(name)} — “{_html(text[:120])}” is on the agenda for your "
            f"next 1-2-1{when}.</p>")
    key = "topicmail:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]
    store.enqueue(OutboxRow(
        key=key, kind="topic_reply", pairing_id=view.pairing.id, occurrence_id=None,
        mailbox=box, recipients=f"{name} <{sender}>", cc="",
        subject="Re: " + (message.get("subject") or "Topic for our 1-2-1")[:200],
        body_html=body, tag=uuid.uuid4().hex, status="pending", attempts=0, last_error="",
        created_at=now))


def _html(text: str) -> str:
    from html import escape

    return escape(text)


async def _mark_read(ctx: JobContext, box: str, message: dict[str, Any]) -> None:
    try:
        await ctx.graph.request(
            "PATCH", f"/users/{quote(box, safe='@.')}/messages/{quote(message['id'], safe='')}",
            body={"isRead": True})
    except ServiceError as exc:  # it is read again next run; the topic key stops a duplicate
        log.warning("topics_mail.mark_read_failed", extra={"error": str(exc)})
