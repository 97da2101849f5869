"""What the rebooking of a missed 1-2-1 mails the manager (and only them): the offer of
times, the fresh offer after a stale pick, and the short answers to a pick that could not be
booked. Building them reads nothing; jobs/rebook.py queues them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.agenda import format_when
from service.domain.rebook import booking_address, booking_link, booking_subject
from service.domain.records import (
    MailRecord,
    OccurrenceRecord,
    PairingView,
    Recipient,
    SeriesRecord,
)
from service.domain.status import MissedReason, OutboxStatus
from service.domain.subjects import subject_name
from service.jobs.context import JobContext
from service.render import render


@dataclass(frozen=True)
class Missed:
    """A missed occurrence with its pairing and series, as the offer needs them."""

    occ: OccurrenceRecord
    view: PairingView
    series: SeriesRecord

    @property
    def label(self) -> str:
        return self.view.meeting(self.occ.start, self.series.time_zone)


_INTRO: dict[str, str] = {
    MissedReason.CANCELLED: "Your 1-2-1 with {report} on {when} was cancelled. Both of you "
                            "are free at these times:",
    MissedReason.DECLINED: "Your 1-2-1 with {report} on {when} was declined by {first}. Both "
                           "of you are free at these times:",
    MissedReason.NOT_HELD: "No notes were recorded for your 1-2-1 with {report} on {when}. If "
                           "it didn't take place, both of you are free at these times:",
}


def offer_mail(ctx: JobContext, missed: Missed, reason: str, token: str,
                slots: list[tuple[datetime, datetime]], kind: str, now: datetime) -> MailRecord:
    """The offer (or the fresh offer after a stale pick): to the manager only."""
    view = missed.view
    offer = offer_context(ctx, missed, reason, token, slots, kind)
    name = subject_name(view.report.name)
    subject = (f"New times for your 1-2-1 with {name}" if kind == "reoffer"
               else f"Rebook your 1-2-1 with {name} ({offer['missed_when']})")
    return mail_row(ctx, missed, kind, subject, render("rebook_offer.html.j2", o=offer), now)


def picks_mailbox(ctx: JobContext, view: PairingView) -> str:
    """The mailbox an offer made now has its links address (kept with the offer, as the
    setting may change while it is open): the service mailbox, else the manager's own."""
    return ctx.settings.mail.topics_mailbox or view.manager.email


def offer_context(ctx: JobContext, missed: Missed, reason: str, token: str,
                   slots: list[tuple[datetime, datetime]], kind: str) -> dict[str, Any]:
    """What an offer's mail says: the times as links that book them."""
    view, series = missed.view, missed.series
    box = ctx.settings.mail.topics_mailbox
    target = picks_mailbox(ctx, view)
    zone = ZoneInfo(series.time_zone)
    links = []
    for index, (start, _end) in enumerate(slots, 1):
        when = format_when(start.astimezone(zone))
        address = booking_address(target, token, index)
        links.append({"n": index, "when": when, "address": address,
                      "href": booking_link(address, booking_subject(token, index, when))})
    missed_when = format_when(missed.occ.start.astimezone(zone))
    return {
        "manager_first": view.manager.first_name, "report_name": view.report.name,
        "report_first": view.report.first_name, "missed_when": missed_when,
        "intro": _INTRO[reason].format(report=view.report.name, when=missed_when,
                                       first=view.report.first_name),
        "links": links, "fresh": kind == "reoffer", "own_mailbox": not box,
    }


def mail_row(ctx: JobContext, missed: Missed, kind: str, subject: str, body: str,
              now: datetime) -> MailRecord:
    view = missed.view
    box = ctx.settings.mail.topics_mailbox
    return MailRecord(
        key=f"rebook:{missed.occ.id}:{kind}", kind=f"rebook_{kind}", pairing_id=view.pairing.id,
        occurrence_id=missed.occ.id, mailbox=box or view.manager.id,
        to=(Recipient(view.manager.name, view.manager.email),), cc=(), subject=subject[:400],
        body_html=body, tag=uuid.uuid4().hex, status=OutboxStatus.PENDING, attempts=0,
        last_error="",
        created_at=now)


def ended_mail(ctx: JobContext, missed: Missed, now: datetime) -> MailRecord:
    """The answer to a pick for a meeting whose pair or series has ended since the offer (the
    report moved or left, the cadence changed): nothing was booked, and why. Without it the
    manager's pick would go unanswered."""
    view = missed.view
    body = render("rebook_ended.html.j2", s={
        "manager_first": view.manager.first_name, "report_name": view.report.name,
        "missed_when": format_when(missed.occ.start.astimezone(ZoneInfo(
            missed.series.time_zone))),
        "pair_ended": view.pairing.status != "active"})
    return mail_row(ctx, missed, "ended", f"Not booked: 1-2-1 with {view.report.name}", body,
                    now)
