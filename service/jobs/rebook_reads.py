"""Reading rebooking picks from managers' Sent Items (no ``[mail] topics_mailbox``, or an
offer made before one was set).

Without a service mailbox an offer's links address the manager's own plus-address, so a
pick is a mail in their Sent Items (``Mail.Read``); an offer keeps the address its links
use, so one made before the admin set a service mailbox is still read from there. Those
reads ask only for mail sent since the last one, at most once a day per manager with an open
offer and none otherwise: in the last run before the day's first pick deadline, else from
the manager's midday, and once to close an offer (``sent_items_due``). Booking what a read
finds is jobs/rebook.py's ``handle_booking``, handed in (it needs this module's answers to
close offers).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.events import MailMessage
from service.domain.rebook import (
    OpenOffer,
    ReaderDay,
    decode_slots,
    parse_booking,
    pick_deadlines,
    reason_of,
    sent_items_due,
    sent_items_read_closed,
    sent_items_since,
)
from service.domain.records import PairingView, RebookRecord, by_address
from service.domain.status import PairingStatus, RebookStatus
from service.errors import PermissionDenied, ServiceError
from service.jobs.context import JobContext
from service.jobs.schedule import working_hours

log = logging.getLogger(__name__)

PICK_NOTICE = timedelta(minutes=30)  # a pick closer than this to its start is too late
DAILY_READ_AT = time(12, 0)  # the manager's local time: morning picks are booked that day
SENT_SKEW = timedelta(minutes=10)  # each read overlaps the last: clocks, sends in flight
# A pick sent after an offer's last read can only be too late; its answer waits this long for
# the manager's next read (for another offer) before a read of its own.
CLOSE_WAIT = timedelta(days=1)
CLOSE_GRACE = CLOSE_WAIT + timedelta(days=2)  # Sent Items unreadable: the offer closes anyway

Book = Callable[[JobContext, MailMessage, datetime], Awaitable[tuple[str, bool]]]


@dataclass
class SentItemsRun:
    """What one run's Sent Items reads did: offers booked, fresh times offered, failures."""

    booked: list[str] = field(default_factory=list)
    reoffered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _last_call(ctx: JobContext) -> timedelta:
    """One run: a read this close to a pick deadline is the last one before it."""
    return timedelta(minutes=max(ctx.settings.worker.interval_minutes, 1))


def _open_offer(rebook: RebookRecord, still_missed: bool, now: datetime) -> OpenOffer:
    """An unpicked offer as the reader sees it; one whose meeting turned out not missed
    closes this run, so its last read is due now."""
    if not still_missed:
        return OpenOffer(rebook.offered_at, (now,), ends_now=True)
    return OpenOffer(rebook.offered_at, pick_deadlines(decode_slots(rebook.slots), PICK_NOTICE))


def _reader_day(view: PairingView, now: datetime) -> ReaderDay:
    """The manager's local day now: its start, its midday, and whether they work on it."""
    zone_name = view.series.time_zone if view.series is not None else "UTC"
    hours = working_hours(view.manager, zone_name)
    try:
        zone = ZoneInfo(hours.time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return ReaderDay(start=datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC),
                     midday=datetime.combine(local.date(), DAILY_READ_AT,
                                             tzinfo=zone).astimezone(UTC),
                     working=local.weekday() in hours.days)


def picks_in_sent_items(ctx: JobContext, rebook: RebookRecord) -> bool:
    """Whether a pick of this offer is read from the manager's Sent Items: its links do not
    address the service mailbox the topics job reads now. That is every offer without one,
    and an offer made before the admin set one (its links address the manager's own
    plus-address: nothing else would ever read the pick) or changed it. (A pick the
    manager sent to a service mailbox no longer read is in their Sent Items too.) An offer
    made before the address was kept goes by the setting, as it did."""
    box = (ctx.settings.mail.topics_mailbox or "").lower()
    if rebook.picks_to is None:
        return not box
    return rebook.picks_to.lower() != box


def _close_unsent(ctx: JobContext, offers: list[RebookRecord], now: datetime) -> set[int]:
    """Of these open offers, close those of pairs no longer active whose links never went:
    the mail carrying them was held back when the pair ended (an earlier version left the
    offer open then; ``Store.take_back_offer`` closes it now). Nothing can be picked from
    them, yet an open offer keeps its manager's Sent Items read until its times pass. One
    statement for the pairs (usually all active), one more to close; the ids closed."""
    statuses = ctx.store.pairing_statuses(r.pairing_id for r in offers)
    ended = [r.id for r in offers if statuses.get(r.pairing_id) != PairingStatus.ACTIVE]
    closed = ctx.store.close_unsent_offers(ended, now) if ended else set()
    for rebook_id in closed:
        log.info("rebook.expired", extra={"rebook": rebook_id, "reason": "never sent"})
    return closed


async def read_sent_items(ctx: JobContext, now: datetime, book: Book,
                          open_now: list[RebookRecord] | None = None) -> SentItemsRun:
    """Read the Sent Items of managers with an open offer whose picks arrive there
    (``picks_in_sent_items``), at most once a day each, when a pick can matter
    (``sent_items_due``), asking only for mail sent since the last read, and hand each pick
    found to ``book``. ``open_now``: the open offers as just read (None: read here)."""
    store = ctx.store
    run = SentItemsRun()
    offers: dict[str, list[OpenOffer]] = {}
    views: dict[str, PairingView] = {}
    # Read in bulk: open offers pile up (one per missed meeting until picked or closed), and
    # a run with no read due must not cost statements per offer.
    if open_now is None:
        open_now = store.rebooks([RebookStatus.OFFERED])
    unpicked = [r for r in open_now if r.booked_index is None]
    closed = _close_unsent(ctx, unpicked, now) if unpicked else set()
    offered = [r for r in unpicked if r.id not in closed and picks_in_sent_items(ctx, r)]
    if not offered:
        return run
    views_of = store.views_of_pairings(r.pairing_id for r in offered)
    missed = store.occurrences_by_id(r.missed_occurrence_id for r in offered)
    for rebook in offered:
        view = views_of.get(rebook.pairing_id)
        if view is None:
            continue
        occ = missed.get(rebook.missed_occurrence_id)
        still_missed = occ is not None and reason_of(occ.status) is not None
        offers.setdefault(view.manager.id, []).append(_open_offer(rebook, still_missed, now))
        views.setdefault(view.manager.id, view)
    marks = store.sent_items_read(offers)
    for manager_id, open_offers in offers.items():
        read_through = marks.get(manager_id.lower())
        why = sent_items_due(read_through, open_offers, now, last_call=_last_call(ctx),
                             day=_reader_day(views[manager_id], now), close_wait=CLOSE_WAIT)
        if why is None:
            continue
        since = sent_items_since(read_through, open_offers, SENT_SKEW)
        # Said by address: Graph's path and message name the mailbox by the directory id.
        who = views[manager_id].manager.email
        try:
            messages = await ctx.graph.sent_messages(manager_id, since)
        except PermissionDenied as exc:
            run.failed.append(f"{who}: Sent Items unreadable "
                              f"({by_address(exc, manager_id, who)})")
            log.warning("rebook.sent_items_unreadable", extra={"mailbox": manager_id})
            continue
        except ServiceError as exc:
            run.failed.append(f"{who}: {by_address(exc, manager_id, who)}")
            continue
        log.info("rebook.sent_items_read", extra={"mailbox": manager_id, "reason": why,
                                                  "messages": len(messages)})
        settled = True
        for message in messages:
            if parse_booking(message) is None:
                continue
            try:
                outcome, done = await book(ctx, message, now)
            except Exception as exc:
                # A defect, a mail no one foresaw, the database gone for a moment: this pick
                # fails, with the traceback logged, not every manager's read; nothing is
                # marked read, so the mail is read again next run.
                log.exception("rebook.pick_failed", extra={"mailbox": manager_id,
                                                           "message_id": message.id})
                run.failed.append(f"{who}: a pick could not be read ({exc!r})")
                settled = False
                continue
            settled = settled and done
            if outcome.startswith("booked"):
                run.booked.append(outcome.removeprefix("booked "))
            elif outcome.startswith("re-offered"):
                run.reoffered.append(outcome)
        if settled:  # else the next run reads the same mail again
            store.save_sent_items_read(manager_id, now, now)
    return run


def picks_unread(ctx: JobContext, rebook: RebookRecord, view: PairingView | None,
                 now: datetime, marks: dict[str, datetime]) -> bool:
    """For an offer read from Sent Items: whether a pick for it (of the pairing ``view``)
    may sit unread in the manager's Sent Items (its closing read has not run; given up after
    ``CLOSE_GRACE`` past its last deadline, when Sent Items can't be read)."""
    if not picks_in_sent_items(ctx, rebook) or rebook.booked_index is not None:
        return False
    if view is None:
        return False
    deadlines = pick_deadlines(decode_slots(rebook.slots), PICK_NOTICE)
    if deadlines and now >= max(deadlines) + CLOSE_GRACE:
        return False
    offer = OpenOffer(rebook.offered_at, tuple(min(d, now) for d in deadlines) or (now,))
    return not sent_items_read_closed(marks.get(view.manager.id.lower()), offer)
