"""The outbox: summaries, reminders and prep notes are queued, sent once, and settled.

sendMail is not idempotent (a 503 after Exchange accepted it would send twice if retried),
so each mail is written to the outbox first with a key (occurrence + kind) and a tag, then
sent once. When the outcome is unknown the tag is looked up in the sender's Sent Items; if
that can't be read, the mail is marked unconfirmed and shown by `onetoone status` — never
silently sent again. What each mail says is built in jobs/summaries.py.

With a service mailbox, replies are routed there (Graph's replyTo, set when the mail is
sent): a prep mail's to the pair's topics address, a summary's to that meeting's comments
address and to the manager (so the report's reply still reaches them).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.prep import wants_prep, why_not_now
from service.domain.records import (
    MailRecord,
    OccurrenceRecord,
    PairingView,
    Recipient,
    SeriesRecord,
    by_address,
)
from service.domain.series import meetings
from service.domain.status import (
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
)
from service.domain.timezones import local_date
from service.domain.timing import agenda_due_at
from service.domain.topics import comments_address, topics_address
from service.errors import (
    AuthError,
    GraphError,
    NotConsented,
    OutcomeUnknown,
    PermissionDenied,
    ServiceError,
    Superseded,
    Throttled,
    Unreachable,
)
from service.graph.wire import MAIL_TAG_PROPERTY, mail_message
from service.jobs.context import JobContext
from service.jobs.outbox_holds import (
    FOR_MEETINGS_TO_COME,
    hold_back,
    hold_back_unpaired,
    without_offer,
)
from service.jobs.prep_recheck import read_meetings
from service.jobs.summaries import prep_mail, reader_zone, reminder_mail, summary_mail

log = logging.getLogger("service.jobs.mail")  # the mail.* events' logger since before the split
LOOKBACK = timedelta(days=14)
SETTLE_AFTER = timedelta(minutes=15)  # Sent Items may lag a little behind a send
# Asking for topics in a meeting's last hours is noise (a worker back after an outage, a
# meeting booked for tomorrow): no prep mail then.
PREP_LAST_CALL = timedelta(hours=12)
# The event logged, once a run, when a failure no mail can get past stops the sending.
_STOPPED_BY = ((AuthError, "mail.not_signed_in"), (NotConsented, "mail.not_consented"),
               (Unreachable, "mail.unreachable"))


@dataclass
class MailReport:
    queued: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deferred: int = 0


async def queue_mail(ctx: JobContext, now: datetime) -> MailReport:
    """Put due summaries and reminders in the outbox (idempotent by key).

    One statement finds the meetings read back in the last LOOKBACK that still lack their
    mail, and one more their pairs, so a run with nothing to queue costs the same at any
    number of held meetings."""
    report = MailReport()
    cfg = ctx.settings.mail
    store = ctx.store
    if ctx.settings.sends_prep_mail:
        _queue_prep(ctx, now, report)
    wanting = store.held_without_mail(
        now - LOOKBACK, now, summaries=cfg.summaries,
        reminders_by=now - timedelta(hours=cfg.reminder_hours) if cfg.reminders else None)
    contexts = store.occurrence_contexts(wanting) if wanting else {}
    for occ in wanting:
        context = contexts.get(occ.id)
        if context is None:
            continue
        series, view = context
        label = view.meeting(occ.start, series.time_zone)
        try:
            if occ.status == OccurrenceStatus.HELD:
                if store.enqueue(summary_mail(ctx, view, occ, series.time_zone, now)):
                    report.queued.append(f"summary {label}")
            elif store.enqueue(reminder_mail(view, occ, series.time_zone, now)):
                report.queued.append(f"reminder {label}")
        except ServiceError as exc:
            # This meeting's mail waits for a later run; the others are queued meanwhile.
            report.failed.append(f"{label}: {exc}")
            log.error("outbox.queue_failed", extra={"occurrence": occ.id, "error": str(exc)})
    return report


def prep_key(pairing_id: int, slot: datetime) -> str:
    """A prep mail's outbox key: the pair and the meeting's slot in its pattern, in UTC (the
    same before and after the meeting is stored or moved)."""
    return f"prep:{pairing_id}:{slot:%Y%m%dT%H%M}"


def prep_slot(key: str) -> datetime | None:
    """The slot a ``prep_key`` names (None: an earlier version's key, "<occurrence>:prep")."""
    try:
        return datetime.strptime(key.split(":")[-1], "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class PrepDue:
    """A prep mail due now and not queued yet, for the meeting at ``start`` (where it is
    now; ``stored``: its row, if the store holds it)."""
    pairing_id: int
    start: datetime
    end: datetime
    stored: OccurrenceRecord | None
    series: SeriesRecord  # the pair's latest series: its zone and cadence
    key: str
    old_key: str | None  # the key an earlier version used

    @property
    def slot(self) -> datetime:
        return self.stored.original_start if self.stored is not None else self.start

    @property
    def decided(self) -> bool:
        """Whether the meeting's own absence check was made (jobs/absences.py), so its row
        says whether it is on and when. Otherwise the absence step decides for the mail in
        the run it falls due (``JobContext.preps_cleared``): the meeting is usually stored
        and checked only when its agenda falls due, after the mail would have gone."""
        return self.stored is not None and self.stored.absence_checked_at is not None


def preps_due(ctx: JobContext, now: datetime, *, queued_too: bool = False
              ) -> list[PrepDue]:
    """The prep mails due now, [mail] prep_working_days before each meeting (the manager's
    working days and zone, as for the agenda's lead time), and not queued yet (with
    ``queued_too``, queued or not: where a queued one's meeting is now, if it is still due).

    That is usually before the meeting is stored (the sync lists a series' meetings when
    their agenda falls due), so the series' pattern says when it is, and a stored meeting
    (moved, cancelled, declined, rebooked) wins over its slot. No Graph request; a few
    statements: the series that may have a meeting in the window (by their due instants, an
    index: not every series) with their managers' days, the stored meetings of the window,
    and which of the due prep mails are queued already (in bulk)."""
    store, cfg = ctx.store, ctx.settings.mail
    lo, hi = now + PREP_LAST_CALL, now + timedelta(days=cfg.prep_working_days * 2 + 5)
    series_of = store.meeting_series_of_active(meeting_in=(lo, hi))
    pairing_of = {one.id: pid for pid, (several, _days) in series_of.items()
                  for one in several}
    stored_of: dict[int, list[OccurrenceRecord]] = {}
    # The window's stored meetings, and those whose slot is in it but that were moved out
    # (the slot alone would look like a meeting there still).
    for row in store.occurrences_between(lo, hi, slots_of=pairing_of):
        if row.series_id in pairing_of:
            stored_of.setdefault(pairing_of[row.series_id], []).append(row)
    # A meeting booked to replace a missed one is that 1-2-1 at a new time (often the same
    # day): it takes the missed meeting's key, so a report asked already is not asked twice.
    replacing = [row.rebook_of for rows in stored_of.values() for row in rows
                 if row.rebook_of is not None]
    missed = store.occurrences_by_id(replacing) if replacing else {}
    due: list[PrepDue] = []
    for pid, (several, working_days) in series_of.items():
        zone = several[-1].time_zone
        days = frozenset(working_days or (0, 1, 2, 3, 4))
        for meeting in meetings(several, stored_of.get(pid, []), lo, hi):
            occ = meeting.stored
            if not lo <= meeting.start < hi or (occ is not None and not wants_prep(occ)):
                continue
            if now < agenda_due_at(meeting.start.astimezone(ZoneInfo(zone)),
                                   cfg.prep_working_days, days):
                continue
            slot = occ.original_start if occ is not None else meeting.start
            if occ is not None and occ.rebook_of in missed:
                slot = missed[occ.rebook_of].original_start
            # (an earlier version keyed it by the stored meeting)
            due.append(PrepDue(pid, meeting.start, meeting.end, occ, several[-1],
                               prep_key(pid, slot), f"{occ.id}:prep" if occ else None))
    if queued_too:
        return due
    queued = store.mail_keys(k for p in due for k in (p.key, p.old_key) if k is not None)
    due = [p for p in due if not queued.intersection((p.key, p.old_key))]
    if not due:
        return due
    # A report asked already about a meeting on that day is not asked again: a cadence change
    # ends the pair's series and books the new one's first meeting, often that same day at
    # another time (its own slot, so its own key), and a second mail would name the same
    # day. (Read only for the mails about to go: usually none.)
    # The day as the mail names it: in the report's zone (a manager who moved to Sydney has
    # the new series in their zone, where the London report's same Thursday is a Friday).
    # The days are where the meetings are now: a key names a meeting's slot, and one the
    # manager moved (this one, or one asked about) is on another day than its slot's.
    pids = {p.pairing_id for p in due}
    since = lo - (hi - lo) - timedelta(days=1)
    asked = store.prep_keys(pids, since)
    views = store.active_views(pids) if asked else {}
    # (Slots a month further back: a monthly meeting may have been moved a month on.)
    moved = store.moved_slots(asked, since - timedelta(days=31)) if asked else {}
    return [p for p in due if not _asked_that_day(p, asked.get(p.pairing_id, ()), reader_zone(
        p.series.time_zone, views[p.pairing_id].report) if p.pairing_id in views
        else p.series.time_zone, moved.get(p.pairing_id, {}))]


def _asked_that_day(due: PrepDue, keys: Iterable[str], zone_name: str,
                    moved: Mapping[datetime, datetime] | None = None) -> bool:
    """Whether one of the pair's prep ``keys`` (``prep_key``) is for a meeting on the day,
    in ``zone_name`` (the reader's), that ``due``'s is on now, or less than a day from it.
    ``moved``: the pair's meetings moved off their slots, slot -> start (an asked one is on
    its day now).

    (The day alone is not enough: a report who moved abroad since being asked reads the
    earlier mail's day in their old zone, and a meeting booked at their new hours the same
    day there may fall on another date in the new zone. No two of a pair's 1-2-1s are less
    than a day apart but one that replaces the other.)"""
    zone = ZoneInfo(zone_name)
    day = due.start.astimezone(zone).date()
    for key in keys:
        kind, _, rest = key.partition(":")
        stamp = rest.partition(":")[2]
        try:
            slot = datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=UTC)
        except ValueError:
            continue  # an earlier version's key ("<occurrence>:prep")
        start = (moved or {}).get(slot, slot)
        if kind == "prep" and (start.astimezone(zone).date() == day
                               or abs(start - due.start) < timedelta(days=1)):
            return True
    return False


def _queue_prep(ctx: JobContext, now: datetime, report: MailReport) -> None:
    """Ask the report what they'd like to talk about (``preps_due``), once the meeting is
    known to go ahead where it is: its own absence check was made, or this run's absence
    step found neither of the pair away nor a holiday on its day. A meeting skipped for a
    long absence gets none, and one that may move gets its mail once its move is decided,
    naming the new day (see ``absences._release_prep``). The pairs of the mails to build
    are read in bulk (usually none)."""
    due = [p for p in preps_due(ctx, now) if p.decided or p.key in ctx.preps_cleared]
    views = ctx.store.active_views(p.pairing_id for p in due) if due else {}
    # (A line names the meeting's day where the pair meets, as the run's other lines do.)
    mails = {p.key: (views[p.pairing_id], local_date(p.start, p.series.time_zone),
                     prep_mail(ctx, views[p.pairing_id], p.start,
                               p.stored.id if p.stored else None, p.series.time_zone, p.key,
                               now))
             for p in due if p.pairing_id in views}
    added = ctx.store.enqueue_many([mail for _view, _start, mail in mails.values()])
    report.queued.extend(f"prep {view.report.name} {day}"
                         for key, (view, day, _mail) in mails.items() if key in added)


def _replied(ctx: JobContext, row: MailRecord) -> bool:
    return bool(ctx.settings.mail.topics_mailbox) and row.kind in ("prep", "summary",
                                                                   "topic_reply")


def _reply_to(ctx: JobContext, row: MailRecord, views: dict[int, PairingView]
              ) -> list[tuple[str, str]]:
    """Where replies to a prep mail, a summary or a topics acknowledgement go (nothing for
    other mail). ``views``: the active pairs, read in bulk; an ended one is read here."""
    box = ctx.settings.mail.topics_mailbox
    if not _replied(ctx, row):
        return []
    view = views.get(row.pairing_id) or ctx.store.view_of_pairing(row.pairing_id)
    if view is None:
        return []
    if row.kind in ("prep", "topic_reply"):  # a reply to either adds more topics
        return [(topics_address(box, view.pairing.key), "1-2-1 topics")]
    if row.occurrence_id is None:
        return []
    return [(comments_address(box, view.pairing.key, row.occurrence_id), "1-2-1 notes"),
            (view.manager.email, view.manager.name)]


def _people(recipients: tuple[Recipient, ...]) -> list[tuple[str, str]]:
    return [(r.address, r.name) for r in recipients]


async def send_outbox(ctx: JobContext, now: datetime) -> MailReport:
    """Send pending mail once each; settle mail whose outcome was unknown."""
    report = MailReport()
    store = ctx.store
    # Both in one read; the pending again only after settling changed some (most runs
    # have nothing to settle).
    both = store.outbox([OutboxStatus.SENDING, OutboxStatus.PENDING])
    sending = [row for row in both if row.status == OutboxStatus.SENDING]
    for row in sending:
        await _settle(ctx, row, now, report)
    per_minute = ctx.settings.mail.per_minute
    pending = (store.outbox([OutboxStatus.PENDING]) if sending else
               [row for row in both if row.status == OutboxStatus.PENDING])
    # Read in bulk, not per mail: what each mailbox sent in the last minute (counted on as
    # this run claims more), and the pairs replies are routed for.
    sent = store.sent_counts((row.mailbox for row in pending), now - timedelta(minutes=1))
    views = store.active_views(row.pairing_id for row in pending
                               if _replied(ctx, row))
    gone = store.leavers_of_ended(row.pairing_id for row in pending)
    pairs = store.pairing_statuses(row.pairing_id for row in pending)
    earlier = [row for row in pending if row.kind == "prep" and row.created_at < now
               and pairs.get(row.pairing_id) == PairingStatus.ACTIVE]
    rechecked: dict[int, MailRecord | None] = {}
    if earlier:
        rechecked, waiting = await _recheck_preps(ctx, earlier, now,
                                                  _in_turn(pending, sent, per_minute))
        report.deferred += waiting
    for n, row in enumerate(pending):
        if left := [p for p in gone.get(row.pairing_id, ()) if row.reaches(p)]:
            hold_back(ctx, row, left, now)
            continue
        if row.kind in FOR_MEETINGS_TO_COME and pairs.get(row.pairing_id) != PairingStatus.ACTIVE:
            hold_back_unpaired(ctx, row, pairs.get(row.pairing_id), now)
            continue
        if row.kind == "reminder" and pairs.get(row.pairing_id) != PairingStatus.ACTIVE:
            if (plain := without_offer(ctx, row, now)) is None:
                continue  # claimed by another worker meanwhile
            row = plain
        if (fits := rechecked.get(row.id, row)) is None:
            continue  # its meeting was called off or moved since it was queued
        row = fits
        if sent[row.mailbox] >= per_minute:
            report.deferred += 1  # Exchange's per-mailbox sending rate: next run
            continue
        claim = _Claim(ctx, row.id, now)
        # Whatever was decided above for a pair read as active (no leaver to keep it from,
        # an offer's times left in) no longer holds if another worker has ended the pair
        # since: then the claim fails, and the next run decides on the pair as it is.
        if not store.claim_mail(row.id, claim.at,
                                pair_active=pairs.get(row.pairing_id) == PairingStatus.ACTIVE):
            continue  # another worker has it (or ended its pair since)
        sent[row.mailbox] += 1
        payload = mail_message(subject=row.subject, body_html=row.body_html,
                               to=_people(row.to), cc=_people(row.cc), tag=row.tag,
                               key=row.key, reply_to=_reply_to(ctx, row, views),
                               # Every mail onetoone sends is automatic: none should draw
                               # out-of-office replies back to the manager or the service.
                               automatic=True)
        try:
            # Stamped anew as the request leaves: a worker held up since its claim (a paused
            # VM, a long throttle) whose claim another has settled meanwhile sends nothing.
            await ctx.graph.send_mail(row.mailbox, payload, fence=claim.renew)
        except Superseded:
            log.warning("mail.claim_lost", extra={"key": row.key})
            continue
        except OutcomeUnknown as exc:
            # (Each error kept is said with the sender's address, as the refused mail's is.)
            error = by_address(exc, row.mailbox, _sender_email(ctx, row))
            if store.finish_mail(row.id, OutboxStatus.SENDING, now, error=error,
                                 claimed_at=claim.at):
                await _settle(ctx, _stored(ctx, row.id), now, report, fresh=True)
            continue
        except Throttled as exc:
            email = _sender_email(ctx, row)
            store.finish_mail(row.id, OutboxStatus.PENDING, now, claimed_at=claim.at,
                              error=by_address(exc, row.mailbox, email))  # not accepted
            report.deferred += 1
            # Said, or a mailbox throttled for hours holds all its mail without a trace.
            log.warning("mail.throttled", extra={"key": row.key, "retry_after": exc.retry_after,
                                                 "mailbox": email})
            continue
        except (AuthError, NotConsented, Unreachable) as exc:
            # Not signed in (Graph refused even a new token, or Entra could not be reached),
            # Mail.Send not consented (refused for every sender, not this one), or Graph
            # could not be reached at all (no connection: the send never left): nothing was
            # sent, and no other mail can be now. All of it waits for the next run, rather
            # than being marked failed or, as an unknown outcome, left to an operator.
            error = by_address(exc, row.mailbox, _sender_email(ctx, row))
            store.finish_mail(row.id, OutboxStatus.PENDING, now, error=error,
                              claimed_at=claim.at)
            report.deferred += len(pending) - n
            report.failed.append(f"mail: {error}")
            said = {"key": row.key, "error": error}
            if isinstance(exc, NotConsented):
                said["permission"] = exc.permission
            log.error(next(e for kind, e in _STOPPED_BY if isinstance(exc, kind)), extra=said)
            break
        except GraphError as exc:
            # Refused (no access to that mailbox, the mailbox gone, a bad recipient): never
            # sent again by itself. Said with the sender's address, not the directory id
            # Graph's path and error carry, and how to send it once that is put right.
            email = _sender_email(ctx, row)
            error = (f"{by_address(exc, row.mailbox, email)} Not sent again by itself: once "
                     f"that is put right, run `onetoone mail resend {row.id}`.")
            store.finish_mail(row.id, OutboxStatus.FAILED, now, error=error, claimed_at=claim.at)
            report.failed.append(f"{row.key} ({row.kind} from {email}): {error}")
            log.error("mail.failed", extra={"key": row.key,
                                            "error": by_address(exc, row.mailbox, email)})
            continue
        store.finish_mail(row.id, OutboxStatus.SENT, now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "kind": row.kind})
    return report


class _Claim:
    """A mail this run claims to send (pending -> sending): ``at``, its stamp in the outbox
    as last written, the run's ``now`` moved on (JobContext.moved_on)."""

    def __init__(self, ctx: JobContext, mail_id: int, now: datetime) -> None:
        self.ctx, self.mail_id, self.now = ctx, mail_id, now
        self.at = ctx.moved_on(now)

    def renew(self) -> bool:
        """Stamp the claim anew: whether it is still ours (see Store.renew_claim)."""
        at = self.ctx.moved_on(self.now)
        if not self.ctx.store.renew_claim(self.mail_id, self.at, at):
            return False
        self.at = at
        return True


def _in_turn(pending: list[MailRecord], sent: Mapping[str, int], per_minute: int
             ) -> set[int]:
    """The ids of the pending mails this run's per-mailbox rate leaves room for, in order (as
    if every one before them went)."""
    room: Counter[str] = Counter(sent)
    out: set[int] = set()
    for row in pending:
        if room[row.mailbox] < per_minute:
            room[row.mailbox] += 1
            out.add(row.id)
    return out


async def _recheck_preps(ctx: JobContext, rows: list[MailRecord], now: datetime,
                         in_turn: set[int]) -> tuple[dict[int, MailRecord | None], int]:
    """Prep mails queued in an earlier run and still pending (its send deferred or refused:
    throttled, not signed in, Graph unreachable) against their meetings as Outlook has them
    now, by mail id: the mail to send, or None; and how many wait for the next run. Since it
    was queued the meeting may have been cancelled or deleted, declined by the report, or
    moved by the manager, and the store is told only later (see jobs/prep_recheck.py): the
    meetings of those still due and ``in_turn`` (room left under the per-minute cap) are
    read first, and recorded. Still due by ``preps_due``'s rules as read: it goes,
    re-worded if the meeting is on another day or time now; if its meeting could not be
    read (or it is not in turn), it waits for the next run, unsent.
    Called off, or too close: held back, saying why. Moved to a day whose mail is not due
    yet: taken out of the outbox (still pending, never sent), to be queued again when due,
    naming that day, as any prep mail is. A mail held back gives up its key (the row stays,
    suppressed): the report was not asked, so a meeting put on that slot later (the one
    booked in place of a cancelled one takes its key) gets its own prep mail. The meeting
    called off is never due again, so that frees no second mail for it."""
    store = ctx.store
    due = {p.key: p for p in preps_due(ctx, now, queued_too=True)}
    going = [(row, due[row.key]) for row in rows
             if row.key in due and row.id in in_turn and prep_slot(row.key) is not None]
    read = await read_meetings(ctx, going, now) if going else set()
    if going:  # as the reads left the store
        due = {p.key: p for p in preps_due(ctx, now, queued_too=True)}
    views = store.active_views(row.pairing_id for row in rows if row.key in due)
    gone = [row for row in rows if row.key not in due]
    by_id = store.occurrences_by_id(r.occurrence_id for r in gone if r.occurrence_id)
    by_slot = {(pid, occ.original_start): occ for pid, several in store.pairing_occurrences_of(
        (r.pairing_id for r in gone), ending_after=now - LOOKBACK).items() for occ in several}
    out: dict[int, MailRecord | None] = {}
    waiting = 0
    for row in rows:
        if (slot := prep_slot(row.key)) is None:
            continue  # an earlier version's key: left as it was
        if (p := due.get(row.key)) is not None and row.pairing_id in views:
            if row.id not in read:
                out[row.id] = None  # never sent on what the store says: the next run reads
                waiting += 1
                continue
            fresh = prep_mail(ctx, views[row.pairing_id], p.start,
                              p.stored.id if p.stored else None, p.series.time_zone, row.key,
                              now)
            if (fresh.subject, fresh.body_html) == (row.subject, row.body_html):
                continue
            out[row.id] = store.reword_mail(row.id, fresh.subject, fresh.body_html,
                                            fresh.occurrence_id)
            continue
        occ = (by_id.get(row.occurrence_id) if row.occurrence_id
               else by_slot.get((row.pairing_id, slot)))
        out[row.id] = None
        why = why_not_now(occ, slot, now, PREP_LAST_CALL)
        if why is None:
            if store.release_mail(row.id):
                log.info("mail.requeued", extra={"key": row.key, "kind": row.kind})
        elif store.hold_back_mail(row.id, f"not sent: {why} since it was queued",
                                  free_key=True):
            log.info("mail.held_back", extra={"key": row.key, "kind": row.kind})
    return out, waiting


def _sender_email(ctx: JobContext, row: MailRecord) -> str:
    """The address of the mailbox ``row`` is sent from (the outbox keeps a manager's by
    directory id; the service mailbox's is an address already)."""
    sender = ctx.store.people([row.mailbox]).get(row.mailbox)
    return sender.email if sender is not None else row.mailbox


def _stored(ctx: JobContext, mail_id: int) -> MailRecord:
    mail = ctx.store.mail(mail_id)
    assert mail is not None  # claimed by us a moment ago; mail is never deleted once sent
    return mail


async def _settle(ctx: JobContext, row: MailRecord, now: datetime, report: MailReport,
                  fresh: bool = False) -> None:
    """A mail in 'sending' (unknown outcome, or a crash mid-send): Sent Items decides."""
    store = ctx.store
    # Claims are stamped with the claiming run's time moved on (JobContext.moved_on): judged
    # the same way, a claim another replica made late in a long run is not taken for old.
    at = ctx.moved_on(now)
    if not fresh and row.claimed_at is not None and at - row.claimed_at < timedelta(minutes=2):
        return  # probably being sent right now by another worker
    try:
        found = await ctx.graph.find_sent(row.mailbox, MAIL_TAG_PROPERTY, row.tag)
    except PermissionDenied as exc:
        # Named by address (Graph's paths, and so its errors, have the directory id), with
        # the two commands that settle it.
        email = _sender_email(ctx, row)
        store.finish_mail(row.id, OutboxStatus.UNCONFIRMED, now, claimed_at=row.claimed_at,
                          error=f"outcome unknown; Sent Items not readable "
                                f"({by_address(exc, row.mailbox, email)}). Look in {email}'s "
                                f"Sent Items for \"{row.subject}\": if it is there, run "
                                f"`onetoone mail mark-sent {row.id}`; if not, "
                                f"`onetoone mail resend {row.id}`.")
        report.unconfirmed.append(row.key)
        log.warning("mail.unconfirmed", extra={"key": row.key})
        return
    except GraphError as exc:
        log.warning("mail.settle_failed", extra={
            "key": row.key, "error": by_address(exc, row.mailbox, _sender_email(ctx, row))})
        return  # try again next run; the row stays 'sending'
    if found:
        store.finish_mail(row.id, OutboxStatus.SENT, now)
        report.sent.append(row.key)
        log.info("mail.sent", extra={"key": row.key, "settled": "sent items"})
    elif row.claimed_at is not None and at - row.claimed_at >= SETTLE_AFTER:
        # Long enough for Exchange to have filed it: it was not sent, so it may go again.
        # Only if no other worker has settled, sent or claimed it since this row was read.
        store.finish_mail(row.id, OutboxStatus.PENDING, now, claimed_at=row.claimed_at,
                          error="not in Sent Items; will send again")
    else:
        report.deferred += 1
