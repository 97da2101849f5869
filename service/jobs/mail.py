"""Summaries to the report after each 1-2-1 with notes, and one reminder to a manager who
recorded none — all through the outbox.

sendMail is not idempotent (a 503 after Exchange accepted it would send twice if retried),
so each mail is written to the outbox first with a key (occurrence + kind) and a tag, then
sent once. When the outcome is unknown the tag is looked up in the sender's Sent Items; if
that can't be read, the mail is marked unconfirmed and shown by `onetoone status` — never
silently sent again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.agenda import first_name, format_date
from service.errors import GraphError, OutcomeUnknown, PermissionDenied, Throttled
from service.graph.payloads import MAIL_TAG_PROPERTY, mail_message
from service.jobs.context import JobContext
from service.jobs.schedule import series_occurrences
from service.render import render
from service.store.models import OccurrenceRow, OutboxRow
from service.store.repo import PairingView

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=14)
SETTLE_AFTER = timedelta(minutes=15)  # Sent Items may lag a little behind a send
NEXT_MEETING_HORIZON = timedelta(days=100)  # longer than any cadence's gap


@dataclass(frozen=True)
class SummaryAction:
    owner: str
    text: str
    due: str


@dataclass(frozen=True)
class Summary:
    """What the report's email says (never private notes)."""

    report_first: str
    manager_first: str
    when: str
    notes: tuple[str, ...]
    agreed: tuple[SummaryAction, ...]
    closed: tuple[SummaryAction, ...]
    still_open: tuple[SummaryAction, ...]
    next_meeting: str | None


@dataclass
class MailReport:
    queued: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deferred: int = 0


def _when(occ: OccurrenceRow, zone: str) -> str:
    return _when_start(occ.start, zone)


def _when_start(start: datetime, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{local:%A} {format_date(local.date())}"


def next_meeting(view: PairingView, stored: list[OccurrenceRow], after: datetime
                 ) -> datetime | None:
    """When the pair meets next after ``after``.

    Occurrences are only stored a few days ahead (when their agenda is due), so the
    series' own pattern fills the gap; a stored one wins for its slot (moved, cancelled).
    """
    starts = [o.start for o in stored if o.start > after and o.status != "cancelled"]
    series = view.series
    if series is not None and series.status == "active":
        known = {o.original_start for o in stored if o.series_id == series.id}
        starts += [start for start, _end in series_occurrences(series, after,
                                                                after + NEXT_MEETING_HORIZON)
                   if start not in known and start > after]
    return min(starts, default=None)


def build_summary(ctx: JobContext, view: PairingView, occ: OccurrenceRow, zone: str,
                  ) -> Summary:
    store = ctx.store

    def item(a: object) -> SummaryAction:
        due = getattr(a, "due", None)
        return SummaryAction(getattr(a, "owner", ""), getattr(a, "text", ""),
                             format_date(due) if due else "")

    notes = []
    for note in store.notes(occ.id):  # private notes are excluded by the store
        notes.extend(line for line in note.text.splitlines() if line.strip())
    actions = store.actions(view.pairing.id)
    upcoming = next_meeting(view, store.pairing_occurrences(view.pairing.id), occ.end)
    return Summary(
        report_first=first_name(view.report.name), manager_first=first_name(view.manager.name),
        when=_when(occ, zone), notes=tuple(notes),
        agreed=tuple(item(a) for a in actions if a.raised_occurrence_id == occ.id),
        closed=tuple(item(a) for a in actions if a.closed_occurrence_id == occ.id),
        still_open=tuple(item(a) for a in actions
                         if a.status == "open" and a.raised_occurrence_id != occ.id),
        next_meeting=_when_start(upcoming, zone) if upcoming else None,
    )


async def queue_mail(ctx: JobContext, now: datetime) -> MailReport:
    """Put due summaries and reminders in the outbox (idempotent by key)."""
    report = MailReport()
    cfg = ctx.settings.mail
    store = ctx.store
    if cfg.prep_email:
        _queue_prep(ctx, now, report)
    for occ in store.occurrences_ended_between(now - LOOKBACK, now):
        if occ.status not in ("held", "held_no_notes") or occ.captured_at is None:
            continue
        context = store.occurrence_context(occ)
        if context is None:
            continue
        series, view = context
        label = f"{view.manager.name} & {view.report.name} {occ.start:%Y-%m-%d}"
        if occ.status == "held" and cfg.summaries and not store.has_mail(f"{occ.id}:summary"):
            summary = build_summary(ctx, view, occ, series.time_zone)
            cc = [(view.manager.email, view.manager.name)] if cfg.cc_manager else []
            if store.enqueue(_row(
                    occ, view, "summary",
                    subject=f"1-2-1 notes: {view.manager.name} & {view.report.name}, "
                            f"{summary.when}",
                    body=render("summary.html.j2", s=summary),
                    to=[(view.report.email, view.report.name)], cc=cc, now=now)):
                report.queued.append(f"summary {label}")
        elif (occ.status == "held_no_notes" and cfg.reminders
              and now >= occ.end + timedelta(hours=cfg.reminder_hours)
              and not store.has_mail(f"{occ.id}:reminder")):
            reminder = {"manager_first": first_name(view.manager.name),
                        "report_name": view.report.name,
                        "report_first": first_name(view.report.name),
                        "report_email": view.report.email,
                        "when": _when(occ, series.time_zone)}
            if store.enqueue(_row(
                    occ, view, "reminder",
                    subject=f"Notes for your 1-2-1 with {view.report.name}, {reminder['when']}",
                    body=render("reminder.html.j2", r=reminder),
                    to=[(view.manager.email, view.manager.name)], cc=[], now=now)):
                report.queued.append(f"reminder {label}")
    return report


def _queue_prep(ctx: JobContext, now: datetime, report: MailReport) -> None:
    """A note to the report when their agenda goes out, saying how to add topics."""
    from service.jobs.topics_mail import topics_address

    store, box = ctx.store, ctx.settings.mail.topics_mailbox
    for occ in store.occurrences_between(now, now + timedelta(days=14)):
        if occ.agenda_state != "injected" or occ.status == "cancelled":
            continue
        if store.has_mail(f"{occ.id}:prep"):
            continue
        context = store.occurrence_context(occ)
        if context is None:
            continue
        series, view = context
        prep = {"report_first": first_name(view.report.name),
                "manager_name": view.manager.name,
                "manager_first": first_name(view.manager.name),
                "when": _when(occ, series.time_zone),
                "topics_address": topics_address(box, view.pairing.key) if box else ""}
        if store.enqueue(_row(
                occ, view, "prep",
                subject=f"Your 1-2-1 with {view.manager.name}, {prep['when']}: your topics first",
                body=render("prep.html.j2", p=prep),
                to=[(view.report.email, view.report.name)], cc=[], now=now)):
            report.queued.append(f"prep {view.report.name} {occ.start:%Y-%m-%d}")


def _row(occ: OccurrenceRow, view: PairingView, kind: str, *, subject: str, body: str,
         to: list[tuple[str, str]], cc: list[tuple[str, str]], now: datetime) -> OutboxRow:
    return OutboxRow(
        key=f"{occ.id}:{kind}", kind=kind, pairing_id=view.pairing.id, occurrence_id=occ.id,
        mailbox=view.manager.id, recipients=",".join(f"{n} <{a}>" for a, n in to),
        cc=",".join(f"{n} <{a}>" for a, n in cc), subject=subject, body_html=body,
        tag=uuid.uuid4().hex, status="pending", attempts=0, last_error="", created_at=now)


def _people(field_text: str) -> list[tuple[str, str]]:
    out = []
    for part in filter(None, field_text.split(",")):
        name, _, address = part.rpartition(" <")
        out.append((address.rstrip(">"), name))
    return out


async def send_outbox(ctx: JobContext, now: datetime) -> MailReport:
    """Send pending mail once each; settle mail whose outcome was unknown."""
    report = MailReport()
    store = ctx.store
    for row in store.outbox(["sending"]):
        await _settle(ctx, row, now, report)
    per_minute = ctx.settings.mail.per_minute
    for row in store.outbox(["pending"]):
        if store.sent_since(row.mailbox, now - timedelta(minutes=1)) >= per_minute:
            report.deferred += 1  # Exchange's per-mailbox sending rate: next run
            continue
        if not store.claim_mail(row.id, now):
            continue  # another worker has it
        payload = mail_message(subject=row.subject, body_html=row.body_html,
                               to=_people(row.recipients), cc=_people(row.cc), tag=row.tag,
                               key=row.key)
        try:
            await ctx.graph.send_mail(row.mailbox, payload)
        except OutcomeUnknown as exc:
            store.finish_mail(row.id, "sending", now, error=str(exc))
            await _settle(ctx, store_row(ctx, row.id), now, report, fresh=True)
            continue
        except Throttled as exc:
            store.finish_mail(row.id, "pending", now, error=str(exc))  # not accepted
            report.deferred += 1
            continue
        except GraphError as exc:
            store.finish_mail(row.id, "failed", now, error=str(exc))
            report.failed.append(f"{row.key}: {exc}")
            log.error("mail.failed", extra={"key": row.key, "error": str(exc)})
            continue
        store.finish_mail(row.id, "sent", now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "kind": row.kind})
    return report


def store_row(ctx: JobContext, mail_id: int) -> OutboxRow:
    return next(r for r in ctx.store.outbox() if r.id == mail_id)


async def _settle(ctx: JobContext, row: OutboxRow, now: datetime, report: MailReport,
                  fresh: bool = False) -> None:
    """A mail in 'sending' (unknown outcome, or a crash mid-send): Sent Items decides."""
    store = ctx.store
    if not fresh and row.claimed_at is not None and now - row.claimed_at < timedelta(minutes=2):
        return  # probably being sent right now by another worker
    try:
        found = await ctx.graph.find_sent(row.mailbox, MAIL_TAG_PROPERTY, row.tag)
    except PermissionDenied as exc:
        store.finish_mail(row.id, "unconfirmed", now, error=f"outcome unknown; Sent Items not "
                          f"readable ({exc}). Check the mailbox, then `onetoone status`.")
        report.unconfirmed.append(row.key)
        log.warning("mail.unconfirmed", extra={"key": row.key})
        return
    except GraphError as exc:
        log.warning("mail.settle_failed", extra={"key": row.key, "error": str(exc)})
        return  # try again next run; the row stays 'sending'
    if found:
        store.finish_mail(row.id, "sent", now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "settled": "sent items"})
    elif row.claimed_at is not None and now - row.claimed_at >= SETTLE_AFTER:
        # Long enough for Exchange to have filed it: it was not sent, so it may go again.
        store.finish_mail(row.id, "pending", now, error="not in Sent Items; will send again")
    else:
        report.deferred += 1
