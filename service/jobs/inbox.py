"""What the topics, comments and private-notes readers share: one incoming mail with its
pair and sender, why a mail is ignored, and the short acknowledgement queued in reply."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from service.domain.events import MailMessage
from service.domain.mail_reply import (
    bare_subject,
    loop_reason,
    machine_reason,
    new_text,
    spoof_reason,
)
from service.domain.records import MailRecord, PairingView, PersonRecord, Recipient
from service.domain.status import OutboxStatus
from service.graph.wire import MAIL_KEY_HEADER
from service.jobs.context import JobContext

log = logging.getLogger("service.jobs.topics_mail")  # one logger for the whole inbox
DELEGATE = "sent by a delegate on someone's behalf"
ATTACHMENTS_NOTE = ("Attachments aren't kept: if something in one matters, please type it "
                    "into an email.")


@dataclass
class TopicMailReport:
    """What one read of the service mailbox did (labels name pairs, never what was written)."""

    added: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    private_notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bookings: list[str] = field(default_factory=list)  # rebook picks, handed to jobs.rebook


@dataclass(frozen=True)
class Incoming:
    """A mail from one of a pair: who sent it (``by``: report or manager) and what they
    wrote now (no quoted history, signature or disclaimer)."""

    message: MailMessage
    view: PairingView
    by: str
    text: str

    @property
    def message_id(self) -> str:
        return self.message.internet_message_id or self.message.id

    @property
    def person(self) -> PersonRecord:
        """Which of the pair sent it."""
        return self.view.report if self.by == "report" else self.view.manager

    @property
    def sender(self) -> Recipient:
        return Recipient(self.person.name, self.message.sender)

    @property
    def label(self) -> str:
        return f"{self.view.manager.name} & {self.view.report.name}"


def incoming(message: MailMessage, view: PairingView) -> Incoming | None:
    """The mail as one of ``view``'s pair wrote it; None when the sender is not in the pair.

    Nor is one who has left (disabled, deleted, out of scope): their mailbox outlives the
    account and is often a shared mailbox someone else reads, so a mail from it (a reply to
    the last summary, a private note) is not their words, and no reply goes into it."""
    sender = message.sender.lower()
    if sender == view.report.email.lower() and view.report.active:
        by, name = "report", view.report.name
    elif sender == view.manager.email.lower() and view.manager.active:
        by, name = "manager", view.manager.name
    else:
        return None
    return Incoming(message, view, by, new_text(message.body, html=message.html,
                                                sender_name=name))


def ignore_reason(message: MailMessage, box: str) -> str | None:
    """Why a mail is never read as a person's words: a machine or a delegate sent it, or
    it is ours.

    Meeting mail too: once a plus-address is an attendee of a 1-2-1 (a report forwarded the
    meeting there to add a topic, and Exchange listed the forwardee among the organizer's
    attendees), each agenda put into the invite arrives as an update from the manager whose
    body is the agenda: read as mail, its lines (our marker lines too) went back onto it as
    the manager's topics, and the manager was thanked for them."""
    if message.meeting:
        return "meeting mail (an invitation, update, cancellation or response)"
    return (loop_reason(message.sender, box, message.headers, MAIL_KEY_HEADER)
            or machine_reason(message.subject, message.headers)
            or not_theirs(message))


def not_theirs(message: MailMessage) -> str | None:
    """Why a mail bearing a person's address as its From was not sent by that person (None:
    no sign of it): a delegate wrote it on their behalf, or Exchange did not take it in from
    them (``spoof_reason``). Rebook picks are held to this too (jobs/rebook.py): a pick
    books time in the manager's calendar, and the token in its address is no secret."""
    if message.sent_by and message.sent_by != message.sender:
        # A delegate's mail on a person's behalf (Graph's sender is not its from): someone
        # else's words, never the report's topics or comments nor the manager's private note.
        return DELEGATE
    return spoof_reason(message.headers)


def ignored(report: TopicMailReport, message: MailMessage, reason: str) -> None:
    """Log (with the reason, never the text) and count a mail that is not taken."""
    log.info("topics_mail.ignored", extra={"reason": reason, "message_id": message.id})
    report.ignored.append(f"{message.id}: {reason}")


def acknowledge(ctx: JobContext, mail: Incoming, kind: str, paragraphs: list[str],
                now: datetime, subject: str = "") -> None:
    """Queue a short reply from the service mailbox to the sender, once per mail.
    ``paragraphs`` are HTML (escape what people wrote); ``subject`` replaces "Re: <theirs>"."""
    if mail.message.has_attachments:
        paragraphs = [*paragraphs, escape(ATTACHMENTS_NOTE)]
    digest = hashlib.sha256(mail.message_id.encode("utf-8", "replace")).hexdigest()[:40]
    body = "".join(f'<p style="margin:0 0 8px 0;">{p}</p>' for p in paragraphs)
    body = (f"<div style=\"font-family:'Segoe UI',Calibri,Arial,sans-serif;font-size:14px;"
            f'color:#222222;">{body}<p style="margin:12px 0 0 0;font-size:11px;'
            f'color:#888888;">Sent automatically by onetoone.</p></div>')
    subject = subject or "Re: " + (bare_subject(mail.message.subject) or "Your 1-2-1")
    ctx.store.enqueue(MailRecord(
        key=f"{kind}:{digest}", kind=kind, pairing_id=mail.view.pairing.id,
        occurrence_id=None, mailbox=ctx.settings.mail.topics_mailbox, to=(mail.sender,),
        cc=(), subject=subject[:200], body_html=body, tag=uuid.uuid4().hex,
        status=OutboxStatus.PENDING, attempts=0, last_error="", created_at=now))
