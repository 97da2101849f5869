"""Mail in the outbox that must not go as it is: about a pair that has ended, from or to
someone who has left, or carrying a rebooking offer for a pair that no longer meets (see
jobs/outbox.py, which decides when; this is how each is held back or re-worded)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from service.domain.records import MailRecord, PersonRecord, RebookRecord
from service.domain.status import PairingStatus, RebookStatus
from service.jobs.context import JobContext
from service.jobs.summaries import reminder_mail

log = logging.getLogger("service.jobs.mail")  # the mail.* events' logger
# Mail about the pair's meetings to come: a prep mail asks for topics for one, a rebooking
# offer (or its fresh times) books one. Neither means anything once the pair has ended or
# its series was deleted; a summary, a reminder (without the times it may carry) or an
# answer to a pick still does.
FOR_MEETINGS_TO_COME = ("prep", "rebook_offer", "rebook_reoffer")


def offer_in(ctx: JobContext, row: MailRecord) -> RebookRecord | None:
    """The open offer whose links ``row`` carries (an offer, fresh times, or a reminder the
    offer went in), if any: its token is in them. None for other mail."""
    if row.occurrence_id is None or row.kind not in (*FOR_MEETINGS_TO_COME, "reminder"):
        return None
    rebook = ctx.store.rebook_of_missed(row.occurrence_id)
    if (rebook is None or rebook.status != RebookStatus.OFFERED
            or rebook.booked_index is not None or rebook.token not in row.body_html):
        return None
    return rebook


def suppress(ctx: JobContext, row: MailRecord, note: str, now: datetime) -> None:
    """Hold ``row`` back, closing the offer it carries with it (``Store.take_back_offer``)."""
    offer = offer_in(ctx, row)
    if (ctx.store.take_back_offer(row.id, offer.id, offer.token, now, note=note)
            if offer is not None else ctx.store.hold_back_mail(row.id, note)):
        log.info("mail.held_back", extra={"key": row.key, "kind": row.kind})


def without_offer(ctx: JobContext, row: MailRecord, now: datetime) -> MailRecord | None:
    """A "no notes" reminder whose pair is no longer active: the notes are still read back
    and summarised, so it goes, but without the rebooking times it may carry (a pick would
    only be answered "not booked"), their offer closed. None: another worker claimed it."""
    offer = offer_in(ctx, row)
    occ = ctx.store.occurrence(offer.missed_occurrence_id) if offer is not None else None
    context = ctx.store.occurrence_context(occ) if occ is not None else None
    if offer is None or occ is None or context is None:
        return row
    series, view = context
    body = reminder_mail(view, occ, series.time_zone, now).body_html
    if not ctx.store.take_back_offer(row.id, offer.id, offer.token, now, body_html=body):
        return None
    log.info("mail.offer_taken_out", extra={"key": row.key, "kind": row.kind})
    return replace(row, body_html=body)


def hold_back(ctx: JobContext, row: MailRecord, left: list[PersonRecord],
              now: datetime) -> None:
    """A mail about a pair that has ended, from or to someone who has left since (disabled,
    deleted, out of scope): not sent. A leaver's mailbox outlives their account and is often
    made a shared mailbox that a colleague reads, so a summary of their 1-2-1 (or a prep
    mail, or a copy in the sender's Sent Items) would be read by someone outside the pair.
    A mover's last summary still goes: both of that pair are still here."""
    names = " and ".join(p.name or p.email for p in left)
    suppress(ctx, row, f"not sent: the pair ended and {names} left or is no longer in scope",
              now)


def hold_back_unpaired(ctx: JobContext, row: MailRecord, status: str | None,
                       now: datetime) -> None:
    """A mail about a meeting to come (``FOR_MEETINGS_TO_COME``) whose pair is no longer
    active (the pair ended when the report moved or someone left, or its series was deleted
    in Outlook): a prep mail would ask for topics for a meeting that will not take place, an
    offer would offer times for a pair that no longer meets (a pick is only answered "not
    booked"). A summary of a meeting held still goes."""
    why = ("the pair ended" if status == PairingStatus.ENDED
           else f"the pair is no longer scheduled ({status or 'gone'})")
    what = "the meeting it asks about" if row.kind == "prep" else "the offer went"
    suppress(ctx, row, f"not sent: {why} before {what}", now)
