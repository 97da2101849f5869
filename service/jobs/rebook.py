"""Missed 1-2-1s are rebooked: one offer to the manager, booked from Outlook by a mail.

When an occurrence is cancelled, declined by the report, or ends with no notes (when its
reminder is due, a day after it by default, in case notes arrive late), the manager gets one
short mail — to them only — offering up to three times inside the cadence window when both
people are free. The free/busy questions of every offer made in a run share getSchedule
calls (``freebusy_packs``, as the absence check's do): one call for many managers, per
manager again only if it is refused.
Each time is a ``mailto:`` link: to the service mailbox's plus-address
``name+book.<token>.<n>@`` when ``[mail] topics_mailbox`` is set (read by the topics job,
which hands such mail here), else to the manager's own plus-address, read back from their
Sent Items (jobs/rebook_reads.py: at most once a day per manager with an open offer).

Booking (``handle_booking``): only mail from the pair's manager counts; auto-replies, loops,
strangers, the report and mail not sent by the manager herself (forged, or a delegate's:
``inbox.not_theirs``) are ignored with a log line. The time is checked again (one
getSchedule); if it is no longer free the manager gets fresh times once, then a short "no
longer free". The pick and a deterministic transactionId are stored before the POST; a
retry looks for the event by its tag first, so a booking makes exactly one event. The event
carries the agenda the missed meeting would have had (open actions, the report's topics) and
is stored as an occurrence with ``rebook_of`` set, so capture and summaries treat it as any
other meeting.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from service.domain.absence import CalendarItem, days_off
from service.domain.body import block_text, fingerprint
from service.domain.events import MailMessage
from service.domain.freeslots import cadence_window, free_slots
from service.domain.htmltext import html_to_text
from service.domain.model import CadenceKind, WorkingHours
from service.domain.outside import outside_print
from service.domain.readback import known_not_held
from service.domain.rebook import (
    MAX_SLOTS,
    auto_reply,
    decode_slots,
    encode_slots,
    offer_open,
    overlaps,
    parse_booking,
    reason_of,
    sender_of,
    times_on_offer,
)
from service.domain.records import (
    MailRecord,
    OccurrenceRecord,
    RebookRecord,
)
from service.domain.status import (
    HOLDING_SERIES,
    AbsenceState,
    AgendaState,
    MissedReason,
    OccurrenceStatus,
    PairingStatus,
    RebookStatus,
)
from service.domain.subjects import series_subject
from service.errors import ServiceError
from service.graph.client import BUSY_STATUSES
from service.graph.wire import REBOOK_PROPERTY, rebook_transaction_id, single_event
from service.jobs.absence_due import check_to_come
from service.jobs.agenda import _first_shown, agenda_for, question_bank, render_block
from service.jobs.context import JobContext
from service.jobs.freebusy_packs import Calendars, ask, pack, per_organizer
from service.jobs.holiday_groups import holiday_groups, public_holidays
from service.jobs.inbox import not_theirs
from service.jobs.missed_runs import settle_if_missed_again
from service.jobs.rebook_mail import (
    Missed,
    ended_mail,
    mail_row,
    offer_context,
    offer_mail,
    picks_mailbox,
)
from service.jobs.rebook_reads import (
    PICK_NOTICE,
    picks_in_sent_items,
    picks_unread,
    read_sent_items,
)
from service.jobs.schedule import report_working_hours, working_hours
from service.jobs.summaries import reminder_mail
from service.render import render
from service.store.repo import Store

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=14)  # a meeting missed longer ago than this is not offered
AHEAD = timedelta(days=62)  # a meeting cancelled well ahead is offered too
NOT_HELD_AFTER = timedelta(hours=24)  # reminders off: after the day-after re-read
NOT_BEFORE = timedelta(hours=2)  # the earliest time offered, after now
STEP_MINUTES = 30
LEASE = timedelta(minutes=10)
FIND_SELECT = "id,start,end,isCancelled,type,body"  # body: the agenda a resumed one holds


@dataclass
class RebookReport:
    offered: list[str] = field(default_factory=list)
    booked: list[str] = field(default_factory=list)
    reoffered: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


# -- the tick step --------------------------------------------------------------------------


async def rebook_missed(ctx: JobContext, now: datetime) -> RebookReport:
    """Offer times for newly missed meetings, finish bookings a crash interrupted, read
    bookings from managers' Sent Items (no service mailbox), and close offers that lapsed."""
    report = RebookReport()
    await _offer_missed(ctx, now, report)
    # The open offers, read once for the steps below while none of them changed any (most
    # runs: none open, or none picked); read again after one that may have.
    offers = ctx.store.rebooks([RebookStatus.OFFERED])
    picked = any(r.booked_index is not None for r in offers)
    if picked:
        await _resume_bookings(ctx, now, report, offers)
    # Without a service mailbox, and for offers made before one was set (their links
    # address the manager, whatever the setting says now).
    read = await read_sent_items(ctx, now, handle_booking, None if picked else offers)
    report.booked += read.booked
    report.reoffered += read.reoffered
    report.failed += read.failed
    if offers:  # (none open: nothing to close)
        _expire(ctx, now, report)
    return report


def _context(store: Store, occ: OccurrenceRecord) -> Missed | None:
    context = store.occurrence_context(occ)
    if context is None:
        return None
    series, view = context
    if view.pairing.status != PairingStatus.ACTIVE or series.status not in HOLDING_SERIES:
        return None  # the pair or its series ended (one extended, superseded, holds meetings)
    return Missed(occ, view, series)


@dataclass(frozen=True)
class _Window:
    """Where a missed meeting may be rebooked: its cadence window's days, from ``lo`` (not
    before now + ``NOT_BEFORE``) to ``hi``, and both people's working hours."""

    first: date
    last: date
    lo: datetime
    hi: datetime
    manager_hours: WorkingHours
    report_hours: WorkingHours


@dataclass(frozen=True)
class _Offer:
    missed: Missed
    reason: str
    window: _Window


async def _offer_missed(ctx: JobContext, now: datetime, report: RebookReport) -> None:
    """Every offer due this run: their free/busy questions (one per manager) share
    getSchedule calls (``freebusy_packs``); a manager whose calendars could not be read has
    their offers fail, and they are made next run."""
    store = ctx.store
    due: list[_Offer] = []
    offering: set[int] = set()
    for occ in store.missed_without_offer(now - LOOKBACK, now + AHEAD):
        reason = reason_of(occ.status)
        if reason is None or occ.absence_state == AbsenceState.SKIPPED or check_to_come(occ, now):
            continue  # skipped for an absence on purpose (or maybe: not checked yet)
        if reason == MissedReason.NOT_HELD and not known_not_held(occ, now,
                                                                  _not_held_after(ctx)):
            continue
        missed = _context(store, occ)
        window = _window(missed, now) if missed is not None else None
        if missed is not None and window is not None and not settle_if_missed_again(
                store, occ, missed.view.pairing.id, reason, offering, now):
            due.append(_Offer(missed, reason, window))  # (else the window has passed)
            offering.add(occ.id)
    claimed: set[int] = set()
    try:
        mine = []
        for offer in due:
            pairing_id = offer.missed.view.pairing.id
            if pairing_id in claimed or store.claim(pairing_id, ctx.worker_id,
                                                                ctx.moved_on(now), LEASE):
                claimed.add(pairing_id)
                mine.append(offer)
        if not mine:
            return
        try:
            groups = await holiday_groups(ctx, report.failed)
            by_manager = await ask(ctx.graph, pack(per_organizer(
                (o.missed.view.manager.id, (o.missed.view.manager.email,
                                            o.missed.view.report.email),
                 o.window.lo, o.window.hi) for o in mine)))
        except ServiceError as exc:
            for offer in mine:
                _failed(report, offer.missed, str(exc))
            return
        for offer in mine:
            calendars = by_manager.get(offer.missed.view.manager.id, {})
            try:
                _offer_one(ctx, offer, calendars, groups, now, report)
            except ServiceError as exc:
                _failed(report, offer.missed, str(exc))
    finally:
        for pairing_id in claimed:
            store.release(pairing_id, ctx.worker_id)


def _not_held_after(ctx: JobContext) -> timedelta:
    """How long after its end a meeting read back without notes is offered. With reminders
    on, when its reminder is due ([mail] reminder_hours): the offer goes in that mail, so a
    fixed day would send the reminder before the hours the organisation gave (or, with
    fewer than 24, let it go alone and the offer follow as a second mail). Else
    NOT_HELD_AFTER."""
    mail = ctx.settings.mail
    return timedelta(hours=mail.reminder_hours) if mail.reminders else NOT_HELD_AFTER


def _failed(report: RebookReport, missed: Missed, error: str) -> None:
    report.failed.append(f"{missed.label}: {error}")
    log.warning("rebook.offer_failed", extra={"occurrence": missed.occ.id, "error": error})


def _offer_one(ctx: JobContext, offer: _Offer, calendars: Calendars,
               groups: dict[str, set[str]], now: datetime, report: RebookReport) -> None:
    store, missed, reason = ctx.store, offer.missed, offer.reason
    view = missed.view
    emails = (view.manager.email.lower(), view.report.email.lower())
    if calendars.get(emails[0]) is None:
        # The manager's calendar unread (their mailbox refused the call, or Graph could not
        # tell): times offered blind could clash. No row is stored: the next run asks again.
        _failed(report, missed, "free/busy not readable")
        return
    slots, _busy = _slots(ctx, missed, offer.window, calendars, groups)
    token = secrets.token_hex(8)
    row = RebookRecord(pairing_id=view.pairing.id, missed_occurrence_id=missed.occ.id,
                       reason=reason,
                       status=RebookStatus.OFFERED if slots else RebookStatus.EXPIRED,
                       slots=encode_slots(slots), token=token, offered_at=now, updated_at=now,
                       picks_to=picks_mailbox(ctx, view))
    mail = None
    if slots and reason == MissedReason.NOT_HELD and ctx.settings.mail.reminders and (
            not store.has_mail(f"{missed.occ.id}:reminder")):
        # Not held, or held and not written up: the reminder to write the notes carries the
        # times, one mail rather than two at once. (Should another worker queue the plain
        # reminder meanwhile, the keys clash, nothing is stored, and the next run offers.)
        mail = reminder_mail(view, missed.occ, missed.series.time_zone, now,
                             offer=offer_context(ctx, missed, reason, token, slots, "offer"))
    elif slots:
        mail = offer_mail(ctx, missed, reason, token, slots, "offer", now)
    if not store.add_rebook(row, mail):
        return  # another worker offered it first
    if not slots:
        report.expired.append(missed.label)
        log.info("rebook.no_slot", extra={"occurrence": missed.occ.id})
        return
    report.offered.append(missed.label)
    log.info("rebook.offered", extra={"occurrence": missed.occ.id, "reason": reason,
                                      "slots": len(slots)})


def _window(missed: Missed, now: datetime) -> _Window | None:
    """The missed meeting's cadence window from now on (None when it is already over)."""
    view, series, occ = missed.view, missed.series, missed.occ
    manager_hours = working_hours(view.manager, series.time_zone)
    report_hours = report_working_hours(view.report, manager_hours.time_zone)
    zone = ZoneInfo(manager_hours.time_zone)
    first, last = cadence_window(CadenceKind(series.cadence),
                                 occ.original_start.astimezone(zone).date(), manager_hours.days)
    lo = max(now + NOT_BEFORE, datetime.combine(first, time(0), tzinfo=zone))
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    if lo >= hi:
        return None
    return _Window(first, last, lo, hi, manager_hours, report_hours)


Spans = list[tuple[datetime, datetime]]


async def _free_times(ctx: JobContext, missed: Missed, now: datetime,
                      picked: datetime | None = None, own: int | None = None
                      ) -> tuple[Spans, Spans] | None:
    """One pick's check: up to three free times for both people in the missed meeting's
    cadence window (one getSchedule), and the busy time they were chosen around (None when
    the window is already over). The busy time covers ``picked`` too: a pick may be for a
    time sooner than the earliest one offered afresh (now + ``NOT_BEFORE``). ``own``: the
    offer picked from, whose times fresh ones may name again."""
    window = _window(missed, now)
    if window is None:
        return None
    view, lo = missed.view, window.lo if picked is None else min(window.lo, picked)
    schedule = await ctx.graph.schedule_items(
        view.manager.id, [view.manager.email, view.report.email], lo, window.hi)
    return _slots(ctx, missed, window, schedule, await holiday_groups(ctx, None), own)


def _slots(ctx: JobContext, missed: Missed, window: _Window, schedule: Calendars,
           groups: dict[str, set[str]], own: int | None = None) -> tuple[Spans, Spans]:
    """Up to three free times in the window around both people's busy time (``schedule``:
    free/busy items by lower-cased address; None where Graph could not tell), and that busy
    time. ``groups``: the members of each [holidays.groups] group (``holiday_groups``)."""
    view, series, occ, store = missed.view, missed.series, missed.occ, ctx.store
    first, last = window.first, window.last
    busy: Spans = []
    off = public_holidays(ctx, view, first, last, groups)
    for email, hours in ((view.manager.email, window.manager_hours),
                         (view.report.email, window.report_hours)):
        known = schedule.get(email.lower())
        if known is None:
            log.warning("rebook.free_busy_unknown", extra={"pairing": view.pairing.key})
        items = known or []
        busy.extend((i.start, i.end) for i in items if i.status.lower() in BUSY_STATUSES)
        # Days of leave, as the absence step reads them: leave booked for the office day
        # leaves an hour of Outlook's wider working hours "free", no time for a 1-2-1.
        off |= days_off(hours, [CalendarItem(i.start, i.end, i.status.lower()) for i in items],
                        first - timedelta(days=1), last + timedelta(days=1))
    # The pair's own meetings (the missed one too, and cancelled slots the database still
    # holds) are never offered: a rebooked meeting must not land on a series slot.
    length = timedelta(minutes=series.minutes)
    for other in store.pairing_occurrences(view.pairing.id):
        busy.append((other.original_start, other.original_start + length))
        busy.append((other.start, other.end))
    # Times another open offer (but ``own``) names to either person: named again only when
    # none else is free (fewer times, not one twice); not busy, so a pick of one still books.
    on_offer = times_on_offer(store.open_offers_of((view.manager.id, view.report.id)), own)
    choose = partial(free_slots, target_start=occ.original_start, minutes=series.minutes,
                     window=(first, last), manager_hours=window.manager_hours,
                     report_hours=window.report_hours, blocked_days=off,
                     step_minutes=STEP_MINUTES, not_before=window.lo, limit=MAX_SLOTS,
                     policy=ctx.settings.slot_policy())
    slots = choose(busy=busy + on_offer) or (choose(busy=busy) if on_offer else [])
    # Chosen nearest the missed time first, offered in time order: a manager reads a list of
    # times as a calendar, and "time 2" is then the second one in it.
    return sorted(slots), busy


# -- booking --------------------------------------------------------------------------------


def is_booking(message: MailMessage) -> bool:
    """Whether a mail names a rebook offer's slot (the topics job hands these over)."""
    return parse_booking(message) is not None


def _ignore(reason: str, message: MailMessage) -> tuple[str, bool]:
    log.info("rebook.ignored", extra={"reason": reason, "message_id": message.id})
    return f"ignored: {reason}", True


async def handle_booking(ctx: JobContext, message: MailMessage, now: datetime
                         ) -> tuple[str, bool]:
    """Book the slot a manager's mail picks. Returns (what happened, settled): a mail that
    is not settled (Graph failed before anything was decided) is read again next run."""
    store = ctx.store
    parsed = parse_booking(message)
    if parsed is None:
        return _ignore("not a booking", message)
    token, index = parsed
    if auto_reply(message):
        return _ignore("automatic reply", message)
    rebook = store.rebook_by_token(token)
    if rebook is None:
        return _ignore("unknown or replaced offer", message)
    view = store.view_of_pairing(rebook.pairing_id)
    sender = sender_of(message)
    box = (ctx.settings.mail.topics_mailbox or "").lower()
    if box and sender == box:
        return _ignore("mail loop", message)
    if (view is None or not sender or sender != view.manager.email.lower()
            or not view.manager.active):  # one who left: their mailbox is someone else's
        return _ignore("sender is not the pair's manager", message)
    forged = not_theirs(message)  # a From is easily forged; the token routes mail only
    if forged:
        return _ignore(forged, message)
    if rebook.status != RebookStatus.OFFERED:
        if rebook.status == RebookStatus.EXPIRED:
            _answer_closed(ctx, rebook, now)
        return _ignore(f"offer {rebook.status}", message)
    if rebook.booked_index is not None and rebook.booked_index != index:
        return _ignore("offer already used", message)
    slots = decode_slots(rebook.slots)
    if not 1 <= index <= len(slots):
        return _ignore("no such time in the offer", message)
    occ = store.occurrence(rebook.missed_occurrence_id)
    missed = _context(store, occ) if occ is not None else None
    if missed is None:
        _answer_ended(ctx, occ, now)
        store.update_rebook(rebook.id, now, status=RebookStatus.EXPIRED)
        return _ignore("the pair or its series ended", message)
    try:
        adopt = rebook.booked_index is not None  # picked before: an attempt may have run
        if not adopt:
            outcome = await _pick(ctx, missed, rebook, index, slots, now)
            if outcome is not None:
                return outcome, True
        done = await _book(ctx, store.rebook(rebook.id) or rebook, missed, now, adopt=adopt)
    except ServiceError as exc:
        log.warning("rebook.booking_failed", extra={"rebook": rebook.id, "error": str(exc)})
        settled = store.rebook(rebook.id)
        # Once the pick is stored the tick resumes it; before that, the mail is read again.
        return f"failed: {missed.label}: {exc}", bool(settled and settled.booked_index)
    return f"booked {done}", True


def _answer_closed(ctx: JobContext, rebook: RebookRecord, now: datetime) -> None:
    """Answer, once, a pick of an offer that closed unbooked: its pair or series ended, or
    it lapsed (no time left to pick, the meeting still missed). Read while the offer was
    open, a pick too late for its time gets fresh times or the short note; read after it
    closed (a link clicked late: topics are read every run, the offer closes 30 minutes
    before its last time), it must not go unanswered either, or the manager waits for a
    meeting never booked. The note's key is the one ``_stale`` uses: never a second one.
    An offer closed as its meeting was not missed after all gets no answer."""
    store = ctx.store
    occ = store.occurrence(rebook.missed_occurrence_id)
    if occ is None:
        return
    missed = _context(store, occ)
    if missed is None:
        _answer_ended(ctx, occ, now)
    elif reason_of(occ.status) is not None and decode_slots(rebook.slots):
        store.enqueue(_stale_note(ctx, missed, now))


def _answer_ended(ctx: JobContext, occ: OccurrenceRecord | None, now: datetime) -> None:
    """Tell the manager, once, that a pick was not booked because the missed meeting's pair
    or series has ended since the offer (nothing when it has not)."""
    context = ctx.store.occurrence_context(occ) if occ is not None else None
    if occ is not None and context is not None and _context(ctx.store, occ) is None:
        ctx.store.enqueue(ended_mail(ctx, Missed(occ, context[1], context[0]), now))


async def _pick(ctx: JobContext, missed: Missed, rebook: RebookRecord, index: int,
                slots: list[tuple[datetime, datetime]], now: datetime) -> str | None:
    """Check the picked time is still free and store the pick; a text when it was not
    booked (stale: fresh times offered once, else a short note), None to go on."""
    store = ctx.store
    start, end = slots[index - 1]
    found = await _free_times(ctx, missed, now, picked=start, own=rebook.id)
    fresh, busy = found if found is not None else ([], [])
    if start < now + PICK_NOTICE or found is None or overlaps(start, end, busy):
        return _stale(ctx, missed, rebook, fresh, now)
    txn = rebook_transaction_id(missed.view.pairing.key, missed.occ.original_start, start)
    if not store.claim_rebook(rebook.id, index, txn, now):
        current = store.rebook(rebook.id)
        if current is None or current.booked_index != index:
            return "ignored: offer already used"
    return None


def _stale(ctx: JobContext, missed: Missed, rebook: RebookRecord,
           fresh: list[tuple[datetime, datetime]], now: datetime) -> str:
    store = ctx.store
    if fresh:
        token = secrets.token_hex(8)
        mail = offer_mail(ctx, missed, rebook.reason, token, fresh, "reoffer", now)
        if store.reoffer_rebook(rebook.id, rebook.token, token, encode_slots(fresh), mail, now,
                                picks_to=picks_mailbox(ctx, missed.view)):
            log.info("rebook.reoffered", extra={"rebook": rebook.id, "slots": len(fresh)})
            return f"re-offered {missed.label}"
    # Only while unpicked: another worker may have just booked this very time (so busy).
    if not store.close_unpicked(rebook.id, rebook.token, _stale_note(ctx, missed, now), now):
        return "ignored: offer already used"
    log.info("rebook.stale", extra={"rebook": rebook.id})
    return f"stale {missed.label}"


def _stale_note(ctx: JobContext, missed: Missed, now: datetime) -> MailRecord:
    """The short note to the manager: the time picked can't be booked, nothing was."""
    view = missed.view
    body = render("rebook_stale.html.j2", s={
        "manager_first": view.manager.first_name, "report_name": view.report.name})
    return mail_row(ctx, missed, "stale",
                    f"That time is no longer free: 1-2-1 with {view.report.name}", body, now)


async def _book(ctx: JobContext, rebook: RebookRecord, missed: Missed, now: datetime, *,
                adopt: bool) -> str:
    """Create the single meeting for a stored pick (or, with ``adopt``, first look for the
    one an interrupted attempt may have made) and record it."""
    graph, store, view, series = ctx.graph, ctx.store, missed.view, missed.series
    if rebook.status == RebookStatus.BOOKED:
        return missed.label
    assert rebook.booked_index is not None and rebook.transaction_id is not None
    start, end = decode_slots(rebook.slots)[rebook.booked_index - 1]
    mailbox = view.manager.id
    occ = OccurrenceRecord(
        series_id=series.id, event_id="", original_start=start, start=start, end=end,
        status=OccurrenceStatus.SCHEDULED, updated_at=now,
        meeting_number=max(missed.occ.meeting_number, 1), agenda_state=AgendaState.PENDING,
        agenda_updates=0, agenda_topics=(), covers_development=False, rebook_of=missed.occ.id)
    agenda = agenda_for(ctx, view, occ, series.time_zone,
                        question_bank(ctx.settings.agenda.templates))
    block = render_block(ctx, agenda, view.pairing.key)
    # An attempt that died after its POST left the event: found by its tag (resuming only).
    tagged = await graph.find_tagged_events(mailbox, REBOOK_PROPERTY, rebook.transaction_id,
                                            FIND_SELECT) if adopt else []
    event = found = next((e for e in tagged if not e.cancelled), None)
    if event is None:
        subject = series_subject(ctx.settings.series_policy().subject, view.manager.name,
                                 view.report.name)
        event = await graph.create_event(mailbox, single_event(
            subject=subject, body_html=block, start=start, end=end, time_zone=series.time_zone,
            report_email=view.report.email, report_name=view.report.name,
            pairing_key=view.pairing.key, txn=rebook.transaction_id, teams=series.online,
            sensitivity=ctx.settings.policy.sensitivity))
    # The body as stored (no read-back); a found one holding another block was typed into.
    body = html_to_text(event.body or "", rows=True)
    written = block_text(body) if event.body else None
    mine = fingerprint(block_text(html_to_text(block, rows=True)) or "")
    if found is not None and written and fingerprint(written) != mine:
        written = None  # not taken for ours: its notes are read back, it is never updated
    topic_ids = [t.topic.id for t in agenda.topics if t.topic.id is not None]
    carried = [t for t in topic_ids if t not in _first_shown(store, view, occ)]
    occ = replace(occ, event_id=event.id, agenda_state=AgendaState.INJECTED, agenda_updates=1,
                  agenda_fingerprint=fingerprint(written) if written else None, agenda_at=now,
                  outside_print=str(outside_print(body)) if written else None,
                  agenda_topics=tuple(topic_ids), covers_development=agenda.covers_development,
                  question_id=agenda.question.id if agenda.question else None)
    stored, created = store.record_rebooking(rebook.id, occ, now, agenda_text=written)
    if created:
        store.carry([a.id for a in agenda.actions], carried)
        if agenda.question is not None:
            store.record_question(view.pairing.id, stored.id, agenda.question.id, now)
    log.info("rebook.booked", extra={"rebook": rebook.id, "occurrence": stored.id})
    return missed.label


async def _resume_bookings(ctx: JobContext, now: datetime, report: RebookReport,
                           offers: list[RebookRecord]) -> None:
    """Picks stored but not booked (a crash, or Graph failed) among the open ``offers``:
    book them now."""
    store = ctx.store
    for rebook in offers:
        if rebook.booked_index is None:
            continue
        occ = store.occurrence(rebook.missed_occurrence_id)
        missed = _context(store, occ) if occ is not None else None
        if missed is None:
            store.update_rebook(rebook.id, now, status=RebookStatus.FAILED)
            continue
        if not store.claim(missed.view.pairing.id, ctx.worker_id, ctx.moved_on(now),
                           LEASE):
            continue
        try:
            report.booked.append(await _book(ctx, rebook, missed, now, adopt=True))
        except ServiceError as exc:
            report.failed.append(f"{missed.label}: {exc}")
            log.warning("rebook.booking_failed", extra={"rebook": rebook.id, "error": str(exc)})
        finally:
            store.release(missed.view.pairing.id, ctx.worker_id)


def _expire(ctx: JobContext, now: datetime, report: RebookReport) -> None:
    """Offers whose times have all passed, or whose meeting turned out not missed (notes
    arrived, the report accepted after all), are closed; a pick never booked in time failed."""
    store = ctx.store
    open_offers = store.rebooks([RebookStatus.OFFERED])
    # Read in bulk, as read_sent_items does: every run looks at every open offer, and they
    # pile up (one per missed meeting until picked or closed).
    views_of = store.views_of_pairings(r.pairing_id for r in open_offers)
    missed = store.occurrences_by_id(r.missed_occurrence_id for r in open_offers
                                     if r.booked_index is None)
    marks: dict[str, datetime] = {}
    if any(picks_in_sent_items(ctx, r) for r in open_offers):
        marks = store.sent_items_read(v.manager.id for v in views_of.values())
    for rebook in open_offers:
        slots = decode_slots(rebook.slots)
        if rebook.booked_index is not None:
            if slots[rebook.booked_index - 1][0] <= now:
                store.update_rebook(rebook.id, now, status=RebookStatus.FAILED)
                report.failed.append(f"rebook {rebook.id}: not booked before its time")
            continue
        occ = missed.get(rebook.missed_occurrence_id)
        if occ is None or reason_of(occ.status) is None or not offer_open(slots, now,
                                                                           PICK_NOTICE):
            if picks_unread(ctx, rebook, views_of.get(rebook.pairing_id), now, marks):
                continue  # its closing read comes first: a late pick still gets an answer
            store.update_rebook(rebook.id, now, status=RebookStatus.EXPIRED)
            report.expired.append(f"rebook {rebook.id}")
            log.info("rebook.expired", extra={"rebook": rebook.id})
