"""Notes by mail: the report's comments on a meeting (their reply to its summary) and the
manager's private notes (mail to the pair's private address).

Comments are kept with that meeting, beside the manager's notes and never instead of them
(store: ``report_comments``); only the report's mail counts, since a manager answering the
same thread is talking to the report, not adding to the record. A private note is stored
as `onetoone notes add --private` stores one, on the pair's latest meeting that has started
(else the next one; a mail forwarded there is kept with what it forwards): only the manager
is accepted, its text is never mailed — the acknowledgement does not quote it — nor put in
an invite, and `forget` erases it. Why not
a "private" area in the invite: every organizer update sends the invite's body to the
attendees, so anything typed there would reach the report.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from service.domain.agenda import format_date
from service.domain.events import MailMessage
from service.domain.mail_reply import (
    bare_subject,
    forwarded_text,
    is_forward,
    is_reply,
    note_text,
)
from service.domain.records import OccurrenceRecord
from service.domain.status import OccurrenceStatus
from service.domain.subjects import subject_name
from service.domain.timezones import local_date
from service.domain.topic_lines import GENERIC_SUBJECTS
from service.domain.topics import PlusTag, comments_token
from service.jobs.context import JobContext
from service.jobs.inbox import Incoming, TopicMailReport, acknowledge, ignored, incoming, log

# A meeting a private note can belong to: one that was on (held, or not yet read back).
_ON = (OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES, OccurrenceStatus.SCHEDULED,
       OccurrenceStatus.MOVED)
_NOTE_SUBJECTS = GENERIC_SUBJECTS | {"private", "private note", "note", "notes"}


def read_comment(ctx: JobContext, message: MailMessage, tag: PlusTag, now: datetime,
                 report: TopicMailReport) -> None:
    """Keep the report's reply to a summary with the meeting it summarised."""
    store = ctx.store
    occ = store.occurrence(tag.occurrence_id) if tag.occurrence_id is not None else None
    context = store.occurrence_context(occ) if occ is not None else None
    if occ is None or context is None or comments_token(
            context[1].pairing.key, occ.id) != tag.token:
        ignored(report, message, "unknown meeting")
        return
    view = context[1]
    mail = incoming(message, view)
    if mail is None or mail.by != "report":
        ignored(report, message, "sender not in the pair" if mail is None
                else "the manager's reply to a summary is not a comment")
        if mail is not None:
            _missed_the_report(ctx, mail, occ.start, context[0].time_zone, now)
        return
    text = note_text(mail.text)
    if not text:
        ignored(report, message, "no new text")
        return
    if store.add_report_comment(view.pairing.id, occ.id, text, now,
                                message_id=mail.message_id) is None:
        # Kept by an earlier read that failed before its reply was queued (or by another
        # worker): the reply still goes, once (it is keyed by the mail).
        log.info("topics_mail.seen", extra={"message_id": message.id})
    else:
        report.comments.append(mail.label)
        log.info("topics_mail.comment", extra={"pairing": view.pairing.key,
                                               "occurrence": occ.id})
    manager = escape(view.manager.first_name)
    # The summary's Reply-To names the manager too, but the report may have taken them off
    # (or their mail app kept only the first address): then say where the manager sees it.
    sent_to = {a.lower() for a in (*message.to, *message.cc)}
    reached = (f"{manager} has your reply" if view.manager.email.lower() in sent_to else
               f"{manager} will see them in the agenda of your next 1-2-1")
    acknowledge(ctx, mail, "comment_reply", [
        f"Thanks {escape(view.report.first_name)}: your comments on the 1-2-1 of "
        f"{format_date(local_date(occ.start, context[0].time_zone))} are kept with its notes "
        f"(they don't change {manager}'s notes), and {reached}."], now)


def _missed_the_report(ctx: JobContext, mail: Incoming, start: datetime, zone: str,
                       now: datetime) -> None:
    """Tell a manager whose reply to a summary did not reach the report. The summary's
    Reply-To is this address and the manager (so the report's reply reaches both), so
    Outlook's Reply from the manager's own copy goes to onetoone and to the manager, not
    to the report: they would believe they had answered them. A reply-all reached the
    report, and is only not a comment. (What they wrote is not repeated.)"""
    report = mail.view.report
    if not mail.text.strip() or report.email.lower() in {
            a.lower() for a in (*mail.message.to, *mail.message.cc)}:
        return  # (nothing written: nothing missed)
    acknowledge(ctx, mail, "comment_reply", [
        f"Your reply to the notes of your 1-2-1 with {escape(report.name)} on "
        f"{format_date(local_date(start, zone))} did not reach "
        f"{escape(report.first_name)}: replying to the summary sends to onetoone and "
        f"to you, and onetoone keeps only {escape(report.first_name)}'s replies. To "
        f"tell {escape(report.first_name)}, please send it to {escape(report.email)} "
        "(or use Reply all)."], now)


def read_private_note(ctx: JobContext, mail: Incoming, now: datetime,
                      report: TopicMailReport) -> None:
    """Keep the manager's private note on the pair's latest (else next) meeting."""
    view = mail.view
    if mail.by != "manager":
        ignored(report, mail.message, "private notes are the manager's")
        return
    if view.report.email.lower() in {a.lower() for a in (*mail.message.to, *mail.message.cc)}:
        # The report got this mail (the private address beside them): keeping it as a note
        # "the report doesn't see" would be untrue, in the reply and in the record.
        ignored(report, mail.message, "a private note sent to the report too")
        rob = escape(view.report.first_name)
        acknowledge(ctx, mail, "private_reply", [
            f"This mail also went to {rob}, so it isn't private: onetoone has not kept it "
            f"as a private note on your 1-2-1s with {escape(view.report.name)}. To keep a "
            f"private note, send it to this address alone, without {rob} in To or Cc."], now,
            subject="Not kept as a private note: your 1-2-1s with "
                    f"{subject_name(view.report.name)}")
        return
    subject = bare_subject(mail.message.subject)
    heading = "" if is_reply(mail.message.subject) or subject.lower() in _NOTE_SUBJECTS \
        else subject
    # A forward is kept with the mail it forwards (that mail is what the manager records).
    words = (forwarded_text(mail.message.body, html=mail.message.html,
                            sender_name=view.manager.name)
             if is_forward(mail.message.subject) else mail.text)
    text = note_text("\n".join(part for part in (heading, words) if part))
    if not text:
        ignored(report, mail.message, "no new text")
        return
    occ = _meeting_for_note(ctx.store.pairing_occurrences(view.pairing.id), now)
    if ctx.store.add_mailed_private_note(view.pairing.id, occ.id if occ else None, text, now,
                                         message_id=mail.message_id) is None:
        # Kept already (see read_comment): the reply still goes, once.
        log.info("topics_mail.seen", extra={"message_id": mail.message.id})
    else:
        report.private_notes.append(mail.label)
        log.info("topics_mail.private_note", extra={"pairing": view.pairing.key})
    where = (f"your 1-2-1 with {escape(view.report.name)} on "
             f"{format_date(local_date(occ.start, _zone(ctx, occ)))}" if occ else
             f"your 1-2-1s with {escape(view.report.name)} (no meeting yet)")
    acknowledge(ctx, mail, "private_reply", [
        f"Kept as a private note on {where}. It stays in onetoone's database: it is never "
        f"emailed or put in an invite, {escape(view.report.first_name)} doesn't see it, "
        "and it is erased with everything else about the pair when you ask for that. (This "
        "reply doesn't repeat it.)"], now,
        subject=f"Private note kept: your 1-2-1s with {subject_name(view.report.name)}")


def _meeting_for_note(meetings: list[OccurrenceRecord], now: datetime
                      ) -> OccurrenceRecord | None:
    """The latest meeting that has started, else the next one (None: none yet)."""
    on = [o for o in meetings if o.status in _ON]
    started = [o for o in on if o.start <= now]
    if started:
        return max(started, key=lambda o: o.start)
    upcoming = [o for o in on if o.start > now]
    return min(upcoming, key=lambda o: o.start) if upcoming else None


def _zone(ctx: JobContext, occ: OccurrenceRecord) -> str | None:
    """The zone of the meeting's own series: its date is written in it (as the summary's)."""
    series = ctx.store.series(occ.series_id)
    return series.time_zone if series is not None else None
