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

from service.domain.agenda import first_name, format_date
from service.domain.events import MailMessage
from service.domain.records import MailRecord, PairingView, Recipient
from service.domain.status import OccurrenceStatus, OutboxStatus, PairingStatus
from service.domain.topics import SUBJECT_TOKEN, topic_text, topic_token
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.jobs.rebook import handle_booking, is_booking

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"\+([0-9a-f]{10})@", re.I)


@dataclass
class TopicMailReport:
    added: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bookings: list[str] = field(default_factory=list)  # rebook picks, handed to jobs.rebook


def _token_of(message: MailMessage) -> str | None:
    for address in (*message.to, *message.cc):
        match = _TOKEN.search(address)
        if match:
            return match.group(1).lower()
    match = SUBJECT_TOKEN.search(message.subject)
    return match.group(1).lower() if match else None


async def read_topic_mail(ctx: JobContext, now: datetime) -> TopicMailReport:
    report = TopicMailReport()
    box = ctx.settings.mail.topics_mailbox
    if not box:
        return report
    graph, store = ctx.graph, ctx.store
    try:
        messages = await graph.unread_messages(box)
    except ServiceError as exc:
        report.failed.append(f"{box}: {exc}")
        log.error("topics_mail.failed", extra={"mailbox": box, "error": str(exc)})
        return report
    pairs = {topic_token(v.pairing.key): v for v in store.views([PairingStatus.ACTIVE])}
    for message in messages:
        if is_booking(message):  # a pick from a rebook offer (name+book.<token>.<n>@)
            outcome, settled = await handle_booking(ctx, message, now)
            report.bookings.append(outcome)
            if settled:
                await _mark_read(ctx, box, message)
            continue
        sender = message.sender
        token = _token_of(message)
        view = pairs.get(token or "")
        if view is None or sender not in (view.manager.email.lower(),
                                          view.report.email.lower()):
            # Not from the pair (or no pair named): never a topic; a log line, no reply.
            log.info("topics_mail.ignored", extra={"reason": "unknown pair" if view is None
                                                   else "sender not in the pair"})
            report.ignored.append(message.id)
            await _mark_read(ctx, box, message)
            continue
        by = "report" if sender == view.report.email.lower() else "manager"
        text = topic_text(message.subject, message.body)
        message_id = message.internet_message_id or message.id
        if text:
            store.add_topic(view.pairing.id, text, by, now.date(), now, message_id=message_id)
            _queue_reply(ctx, view, box, sender, message, message_id, text, now)
            report.added.append(f"{view.manager.name} & {view.report.name}")
            log.info("topics_mail.added", extra={"pairing": view.pairing.key, "by": by})
        await _mark_read(ctx, box, message)
    return report


def _queue_reply(ctx: JobContext, view: PairingView, box: str, sender: str,
                 message: MailMessage, message_id: str, text: str, now: datetime) -> None:
    store = ctx.store
    upcoming = [o for o in store.pairing_occurrences(view.pairing.id)
                if o.start > now and o.status != OccurrenceStatus.CANCELLED]
    when = f" on {format_date(upcoming[0].start.date())}" if upcoming else ""
    name = view.report.name if sender == view.report.email.lower() else view.manager.name
    body = (f"<p>Thanks {first_name(name)} — “{_html(text[:120])}” is on the agenda for your "
            f"next 1-2-1{when}.</p>")
    key = "topicmail:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]
    store.enqueue(MailRecord(
        key=key, kind="topic_reply", pairing_id=view.pairing.id, occurrence_id=None,
        mailbox=box, to=(Recipient(name, sender),), cc=(),
        subject="Re: " + (message.subject or "Topic for our 1-2-1")[:200],
        body_html=body, tag=uuid.uuid4().hex, status=OutboxStatus.PENDING, attempts=0,
        last_error="",
        created_at=now))


def _html(text: str) -> str:
    from html import escape

    return escape(text)


async def _mark_read(ctx: JobContext, box: str, message: MailMessage) -> None:
    try:
        await ctx.graph.mark_read(box, message.id)
    except ServiceError as exc:  # it is read again next run; the topic key stops a duplicate
        log.warning("topics_mail.mark_read_failed", extra={"error": str(exc)})
