"""The outbox: summaries, reminders and prep notes are queued, sent once, and settled.

sendMail is not idempotent (a 503 after Exchange accepted it would send twice if retried),
so each mail is written to the outbox first with a key (occurrence + kind) and a tag, then
sent once. When the outcome is unknown the tag is looked up in the sender's Sent Items; if
that can't be read, the mail is marked unconfirmed and shown by `onetoone status` — never
silently sent again. What each mail says is built in jobs/summaries.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.domain.records import MailRecord, Recipient
from service.domain.status import AgendaState, OccurrenceStatus, OutboxStatus
from service.domain.topics import topics_address
from service.errors import GraphError, OutcomeUnknown, PermissionDenied, Throttled
from service.graph.wire import MAIL_TAG_PROPERTY, mail_message
from service.jobs.context import JobContext
from service.jobs.summaries import prep_mail, reminder_mail, summary_mail

log = logging.getLogger("service.jobs.mail")  # the mail.* events' logger since before the split
LOOKBACK = timedelta(days=14)
SETTLE_AFTER = timedelta(minutes=15)  # Sent Items may lag a little behind a send


@dataclass
class MailReport:
    queued: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deferred: int = 0


async def queue_mail(ctx: JobContext, now: datetime) -> MailReport:
    """Put due summaries and reminders in the outbox (idempotent by key)."""
    report = MailReport()
    cfg = ctx.settings.mail
    store = ctx.store
    if cfg.prep_email:
        _queue_prep(ctx, now, report)
    for occ in store.occurrences_ended_between(now - LOOKBACK, now):
        if (occ.status not in (OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES)
                or occ.captured_at is None):
            continue
        context = store.occurrence_context(occ)
        if context is None:
            continue
        series, view = context
        label = f"{view.manager.name} & {view.report.name} {occ.start:%Y-%m-%d}"
        if (occ.status == OccurrenceStatus.HELD and cfg.summaries
                and not store.has_mail(f"{occ.id}:summary")):
            if store.enqueue(summary_mail(ctx, view, occ, series.time_zone, now)):
                report.queued.append(f"summary {label}")
        elif (occ.status == OccurrenceStatus.HELD_NO_NOTES and cfg.reminders
              and now >= occ.end + timedelta(hours=cfg.reminder_hours)
              and not store.has_mail(f"{occ.id}:reminder")
              and store.enqueue(reminder_mail(view, occ, series.time_zone, now))):
            report.queued.append(f"reminder {label}")
    return report


def _queue_prep(ctx: JobContext, now: datetime, report: MailReport) -> None:
    """A note to the report when their agenda goes out, saying how to add topics."""

    store, box = ctx.store, ctx.settings.mail.topics_mailbox
    for occ in store.occurrences_between(now, now + timedelta(days=14)):
        if occ.agenda_state != AgendaState.INJECTED or occ.status == OccurrenceStatus.CANCELLED:
            continue
        if store.has_mail(f"{occ.id}:prep"):
            continue
        context = store.occurrence_context(occ)
        if context is None:
            continue
        series, view = context
        address = topics_address(box, view.pairing.key) if box else ""
        if store.enqueue(prep_mail(view, occ, series.time_zone, address, now)):
            report.queued.append(f"prep {view.report.name} {occ.start:%Y-%m-%d}")


def _people(recipients: tuple[Recipient, ...]) -> list[tuple[str, str]]:
    return [(r.address, r.name) for r in recipients]


async def send_outbox(ctx: JobContext, now: datetime) -> MailReport:
    """Send pending mail once each; settle mail whose outcome was unknown."""
    report = MailReport()
    store = ctx.store
    for row in store.outbox([OutboxStatus.SENDING]):
        await _settle(ctx, row, now, report)
    per_minute = ctx.settings.mail.per_minute
    for row in store.outbox([OutboxStatus.PENDING]):
        if store.sent_since(row.mailbox, now - timedelta(minutes=1)) >= per_minute:
            report.deferred += 1  # Exchange's per-mailbox sending rate: next run
            continue
        if not store.claim_mail(row.id, now):
            continue  # another worker has it
        payload = mail_message(subject=row.subject, body_html=row.body_html,
                               to=_people(row.to), cc=_people(row.cc), tag=row.tag,
                               key=row.key)
        try:
            await ctx.graph.send_mail(row.mailbox, payload)
        except OutcomeUnknown as exc:
            store.finish_mail(row.id, OutboxStatus.SENDING, now, error=str(exc))
            await _settle(ctx, _stored(ctx, row.id), now, report, fresh=True)
            continue
        except Throttled as exc:
            store.finish_mail(row.id, OutboxStatus.PENDING, now, error=str(exc))  # not accepted
            report.deferred += 1
            continue
        except GraphError as exc:
            store.finish_mail(row.id, OutboxStatus.FAILED, now, error=str(exc))
            report.failed.append(f"{row.key}: {exc}")
            log.error("mail.failed", extra={"key": row.key, "error": str(exc)})
            continue
        store.finish_mail(row.id, OutboxStatus.SENT, now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "kind": row.kind})
    return report


def _stored(ctx: JobContext, mail_id: int) -> MailRecord:
    mail = ctx.store.mail(mail_id)
    assert mail is not None  # claimed by us a moment ago; mail is never deleted once sent
    return mail


async def _settle(ctx: JobContext, row: MailRecord, now: datetime, report: MailReport,
                  fresh: bool = False) -> None:
    """A mail in 'sending' (unknown outcome, or a crash mid-send): Sent Items decides."""
    store = ctx.store
    if not fresh and row.claimed_at is not None and now - row.claimed_at < timedelta(minutes=2):
        return  # probably being sent right now by another worker
    try:
        found = await ctx.graph.find_sent(row.mailbox, MAIL_TAG_PROPERTY, row.tag)
    except PermissionDenied as exc:
        store.finish_mail(row.id, OutboxStatus.UNCONFIRMED, now,
                          error=f"outcome unknown; Sent Items not readable ({exc}). Check "
                                "the mailbox, then `onetoone status`.")
        report.unconfirmed.append(row.key)
        log.warning("mail.unconfirmed", extra={"key": row.key})
        return
    except GraphError as exc:
        log.warning("mail.settle_failed", extra={"key": row.key, "error": str(exc)})
        return  # try again next run; the row stays 'sending'
    if found:
        store.finish_mail(row.id, OutboxStatus.SENT, now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "settled": "sent items"})
    elif row.claimed_at is not None and now - row.claimed_at >= SETTLE_AFTER:
        # Long enough for Exchange to have filed it: it was not sent, so it may go again.
        store.finish_mail(row.id, OutboxStatus.PENDING, now,
                          error="not in Sent Items; will send again")
    else:
        report.deferred += 1
