"""Move 1-2-1 occurrences off public holidays and absences, before their agendas go in.

Runs in each tick after the occurrence sync and before the agenda job. An occurrence is
checked when its agenda is nearly due (``MARGIN_WORKING_DAYS`` before it, if it is stored
by then) and once more when the agenda falls due, so leave booked after the series was
created is honoured; once its agenda is in, it is never moved by this job (each organizer
update mails the report). One skipped for an absence is looked at again on its eve (leave
withdrawn gives it its agenda back); one cancelled or declined in Outlook before its check is
checked once, read only (``_called_off``).

Cost: the calendars of every manager with something due, and of their reports, are read in
as few getSchedule calls as Graph allows: the managers' questions are packed together (any
mailbox may ask about anyone), up to 20 addresses and one window of at most 61 days per call,
several calls together in ``$batch`` (``freebusy_packs``, shared with rebooking offers); a
move is one PATCH of that occurrence's start and end; a long absence seen up to the edge of
that read costs one more $batch for that person, to read its run (two, more than three
months into it: ``absence_runs``). Nothing is requested when nothing is due. (Occurrences are
stored as their agendas fall due, so a manager's meetings are due on different ticks, mostly
alone: packing across managers is what saves calls, not looking ahead at one manager's other
meetings.)

Crash safety: the new time is written to the row first (``absence_state = "moving"``), then
Graph is patched, then the row is marked ``moved``. A rerun that finds "moving" reads the
event back (one GET) and only patches if Graph does not already show a move, so a kill at any
instant never moves a meeting twice. The occurrence sync reads the moved time from Graph
(status "moved", original start kept), so it never undoes a move.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.absence import (
    NEIGHBOUR_REACH,
    Attendee,
    Decision,
    bridges,
    decide,
    may_go_on,
    neighbours,
    placed_by_hand,
)
from service.domain.absence_notes import note_step
from service.domain.agenda import format_date
from service.domain.events import MailboxInfo, ScheduleItem, ScheduleQuery
from service.domain.freeslots import cadence_window
from service.domain.model import CadenceKind
from service.domain.records import (
    MailRecord,
    OccurrenceRecord,
    PairingView,
    Recipient,
    SeriesRecord,
)
from service.domain.status import (
    MEETING_SERIES,
    AbsenceState,
    AgendaState,
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
)
from service.domain.subjects import subject_name
from service.domain.timezones import local_date, local_minute
from service.errors import OutcomeUnknown, ServiceError, Throttled
from service.jobs.absence_due import (
    CALLED_OFF,
    MARGIN_WORKING_DAYS,
    MIN_NOTICE,
    PASSED,
    is_due,
    working_days_of,
)
from service.jobs.absence_people import attendees, plain
from service.jobs.absence_runs import note_subject, whole_run
from service.jobs.agenda import agenda_cutoff
from service.jobs.context import JobContext
from service.jobs.freebusy_packs import Pack, ask, pack, per_organizer
from service.jobs.holiday_groups import holiday_groups
from service.jobs.hours_told import HoursTold
from service.jobs.outbox import PrepDue, prep_key, preps_due
from service.render import render
from service.store.due import AgendaCutoff

log = logging.getLogger(__name__)

LOOK_AROUND = timedelta(days=16)  # calendar read each side of a meeting (long absences)
LEASE = timedelta(minutes=10)
CLAIM_CHUNK = 200  # pairs leased at once: a chunk's checks take seconds, far under LEASE
# How a prep mail held back only until its meeting's own check begins its note.
UNTIL_CHECKED = "held back: "


@dataclass
class AbsenceReport:
    checked: int = 0
    moved: list[str] = field(default_factory=list)
    no_slot: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class _Due:
    occ: OccurrenceRecord
    series: SeriesRecord
    view: PairingView
    window: tuple[date, date]
    # The days of the series' previous and next meetings as stored (where they are now):
    # Exchange moves a meeting only to a day strictly between them (absence.neighbours).
    between: tuple[date | None, date | None] = (None, None)


@dataclass
class _Prep:
    """A prep mail due whose meeting has had no absence check yet (see ``_decide_preps``)."""
    due: PrepDue
    view: PairingView
    window: tuple[date, date]


def _horizon(ctx: JobContext) -> timedelta:
    lead = ctx.settings.agenda.lead_working_days + MARGIN_WORKING_DAYS
    return timedelta(days=lead * 2 + 5)  # working days, so weekends need slack


def find_due(ctx: JobContext, now: datetime) -> list[_Due]:
    """Stored occurrences whose absence check is due now."""
    due: list[_Due] = []
    lead = ctx.settings.agenda.lead_working_days
    end = now + _horizon(ctx)

    def cutoff(lead_days: int) -> AgendaCutoff:
        return lambda zone, days: agenda_cutoff(now, lead_days, ZoneInfo(zone),
                                                frozenset(days or (0, 1, 2, 3, 4)), end)

    # The database leaves out what cannot be due (passed; agenda in; unless moving, before
    # its first check's day, or checked and before its second's, which its eve follows), so
    # a tick with nothing due reads next to nothing; what it returns is decided here.
    coming = ctx.store.absence_candidates(now, end, now, PASSED,
                                          cutoff(lead + MARGIN_WORKING_DAYS), cutoff(lead))
    for occ, series, view in coming:
        if view.pairing.status != PairingStatus.ACTIVE or series.status not in MEETING_SERIES:
            continue
        if not is_due(ctx, occ, series, view.manager, now):
            continue
        zone = ZoneInfo(series.time_zone)
        window = cadence_window(CadenceKind(series.cadence),
                                occ.original_start.astimezone(zone).date(),
                                working_days_of(view.manager))
        due.append(_Due(occ, series, view, window))
    if due:  # one read of the stored meetings of every series with one due, near them
        slots = [d.occ.original_start for d in due]
        stored = ctx.store.occurrences_of((d.series.id for d in due),
                                          (min(slots) - NEIGHBOUR_REACH,
                                           max(slots) + NEIGHBOUR_REACH))
        for d in due:
            d.between = neighbours(d.occ, stored.get(d.series.id, []),
                                   ZoneInfo(d.series.time_zone))
    return due


def _span(d: _Due | _Prep) -> tuple[datetime, datetime]:
    """The calendar span one meeting's decision needs: its cadence window (where it may move)
    and ``LOOK_AROUND`` each side of it (to see the whole of a long absence)."""
    start, end = (d.occ.start, d.occ.end) if isinstance(d, _Due) else (d.due.start, d.due.end)
    zone = start.tzinfo
    lo = min(start - LOOK_AROUND,
             datetime.combine(d.window[0] - timedelta(days=1), datetime.min.time(), tzinfo=zone))
    hi = max(end + LOOK_AROUND,
             datetime.combine(d.window[1] + timedelta(days=2), datetime.min.time(), tzinfo=zone))
    return lo, hi


def _questions(due: list[_Due], preps: Sequence[_Prep] = ()) -> list[ScheduleQuery]:
    """One question per manager: them and their reports with something due, over the span
    every due meeting needs."""
    every: list[_Due | _Prep] = [*due, *preps]
    return per_organizer((d.view.manager.id, (d.view.manager.email, d.view.report.email),
                          *_span(d)) for d in every)


def _packs(due: list[_Due], preps: Sequence[_Prep] = ()) -> list[Pack]:
    """The managers' questions packed into as few calls as fit (see ``freebusy_packs``)."""
    return pack(_questions(due, preps))


async def check_absences(ctx: JobContext, now: datetime) -> AbsenceReport:
    """Check every occurrence that is due (see ``is_due``) and move, leave or note it."""
    report = AbsenceReport()
    due = find_due(ctx, now)
    preps = _preps_to_decide(ctx, now)
    if not due and not preps:
        return report
    moving = [d for d in due if d.occ.absence_state == AbsenceState.MOVING]
    again: list[_Due] = []
    for d in moving:
        if await _finish_move(ctx, d, now, report):
            # Decided again in this run, before the agenda step writes its agenda (after
            # which no run would look at it again).
            row = ctx.store.occurrence(d.occ.id)
            if row is not None:
                again.append(replace(d, occ=row))
    due = [d for d in due if d.occ.absence_state != AbsenceState.MOVING] + again
    if not due and not preps:
        return report
    told: dict[str, MailboxInfo] = {}
    try:
        groups = await holiday_groups(ctx, report.failed)
        by_manager = await ask(ctx.graph, _packs(due, preps), hours=told)
    except ServiceError as exc:
        report.failed.append(f"free/busy: {exc}")
        log.warning("absences.failed", extra={"error": str(exc)})
        return report
    # Judged on the working hours Outlook holds now, which the answers carry (see
    # jobs/hours_told.py), not on those read when the series was planned.
    hours = HoursTold(told)
    due = [replace(d, view=hours.view(d.view)) for d in due]
    preps = [replace(p, view=hours.view(p.view)) for p in preps]
    hours.store(ctx.store, now, ctx.settings.slot_policy())
    _decide_preps(ctx, preps, by_manager, groups, now)
    # Each meeting is judged on its manager's pack's answer (which spans what it needs), and
    # on the meetings this run has moved so far: a person's moves can be decided on the
    # answers of different packs (a manager who is also a report), so they are kept for the
    # whole run by address, not added to one answer, or two could land on the same time.
    moved: dict[str, list[ScheduleItem]] = {}
    # The pairs are leased, and their meetings read afresh, a chunk at a time rather than
    # one meeting at a time (three commits each, which dominated a busy tick).
    store = ctx.store
    for at in range(0, len(due), CLAIM_CHUNK):
        part = due[at:at + CLAIM_CHUNK]
        held = store.claim_many(list(dict.fromkeys(d.view.pairing.id for d in part)),
                                ctx.worker_id, ctx.moved_on(now), LEASE)
        try:
            fresh = store.occurrences_by_id(d.occ.id for d in part
                                            if d.view.pairing.id in held)
            for d in part:
                if d.view.pairing.id in held:  # else another worker has the pair: it or
                    # the next run checks it
                    await _check_one(ctx, d, by_manager.get(d.view.manager.id, {}), moved,
                                     groups, now, report, fresh.get(d.occ.id))
        finally:
            store.release_many(sorted(held), ctx.worker_id)
    return report


async def _check_one(ctx: JobContext, d: _Due, calendars: dict[str, list[ScheduleItem] | None],
                     moved: dict[str, list[ScheduleItem]], groups: dict[str, set[str]],
                     now: datetime, report: AbsenceReport,
                     fresh: OccurrenceRecord | None) -> None:
    """Decide on one meeting and act; its pair is leased by the caller, and ``fresh`` is its
    row as read after the lease was taken. ``moved``: the new times of the meetings this
    run moved, by address (added to as this one moves)."""
    occ, view, zone = d.occ, d.view, d.series.time_zone
    label = f"{view.manager.name} & {view.report.name} {local_date(occ.start, zone)}"
    m_email, r_email = view.manager.email.lower(), view.report.email.lower()
    m_read, r_read = calendars.get(m_email), calendars.get(r_email)
    if m_read is None or r_read is None:
        # Without both calendars a move could land on busy time or miss leave: try next run.
        report.failed.append(f"{label}: free/busy not readable")
        return
    m_items = [*m_read, *moved.get(m_email, ())]
    r_items = [*r_read, *moved.get(r_email, ())]
    report.checked += 1
    years = {occ.start.year - 1, occ.start.year, occ.start.year + 1}
    people = {role: replace(person, read=_span(d)) for role, person in zip(
        ("manager", "report"), attendees(ctx, view, m_items, r_items, years, groups),
        strict=True)}

    def judge() -> Decision:
        return decide(
            start=occ.start, end=occ.end, original_start=occ.original_start,
            kind=CadenceKind(d.series.cadence), manager=people["manager"],
            report=people["report"], not_before=now + MIN_NOTICE,
            step_minutes=ctx.settings.policy.step_minutes, between=d.between,
            policy=ctx.settings.slot_policy(), by_hand=placed_by_hand(occ))

    decision = judge()
    role = decision.absent
    called_off = occ.status in CALLED_OFF
    if (decision.action == "skip" and decision.absence is not None and role in people
            and not called_off and may_go_on(people[role], decision.absence, *_span(d))):
        # A long absence seen up to the edge of what was read may go on past it: it is read
        # further (absence_runs), so the one note about it names its real first day, the
        # same from every meeting inside it, and no cut-off as its last.
        wider = await whole_run(ctx, view.manager.id, m_email if role == "manager"
                                else r_email, people[role], occ.start)
        if wider is None:
            report.failed.append(f"{label}: free/busy not readable")
            return  # tried again next run, as when the first read failed
        people[role] = wider
        decision = judge()
    if fresh is None or (fresh.absence_checked_at, fresh.absence_state, fresh.start) != (
            occ.absence_checked_at, occ.absence_state, occ.start):
        return  # someone acted on it since we looked
    if called_off:
        _called_off(ctx, d, decision, now, report, label)
        return
    try:
        await _apply(ctx, d, decision, now, report, label, people.get(role or ""))
        if decision.action == "move" and decision.start and decision.end:
            # Later decisions this run read the same snapshots: the moved meeting is busy now.
            for email in (m_email, r_email):
                moved.setdefault(email, []).append(
                    ScheduleItem(decision.start, decision.end, "busy"))
    except ServiceError as exc:
        report.failed.append(f"{label}: {exc}")
        log.error("absences.apply_failed", extra={"occurrence": occ.id, "error": str(exc)})


async def _apply(ctx: JobContext, d: _Due, decision: Decision, now: datetime,
                 report: AbsenceReport, label: str, away: Attendee | None = None) -> None:
    store, occ, zone = ctx.store, d.occ, d.series.time_zone
    action = decision.action
    if action != "skip" and occ.agenda_state == AgendaState.SKIPPED:
        # The absence was withdrawn (or shortened): its agenda goes in after all, and the
        # "no notes" reminder held back for it may be sent again.
        store.update_occurrence(occ.id, now, agenda_state=AgendaState.PENDING, agenda_updates=0)
        store.drop_suppressed_mail(f"{occ.id}:reminder")
    if action == "clear":
        # A meeting moved earlier keeps saying why; only the check time changes.
        state = (occ.absence_state if occ.absence_state == AbsenceState.MOVED
                 else AbsenceState.CLEAR)
        store.update_occurrence(occ.id, now, absence_state=state, absence_checked_at=now)
        _release_prep(ctx, d)
        return
    if action == "move" and decision.start is not None and decision.end is not None:
        # Intent first: a kill after the PATCH is finished by _finish_move, never redone.
        store.update_occurrence(occ.id, now, start=decision.start, end=decision.end,
                                absence_state=AbsenceState.MOVING,
                                moved_reason=plain(decision.reason),
                                absence_checked_at=now)
        try:
            await _patch(ctx, d, decision.start, decision.end)
        except (OutcomeUnknown, Throttled):
            raise  # it may have gone through: the next run reads the event and finishes
        except ServiceError:
            # Refused (e.g. no access): put the row back, its check time too, so it is still
            # due: tried again next run, and the agenda waits for it (``check_pending``).
            store.update_occurrence(occ.id, now, start=occ.start, end=occ.end,
                                    absence_state=occ.absence_state,
                                    moved_reason=occ.moved_reason,
                                    absence_checked_at=occ.absence_checked_at)
            raise
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.MOVED,
                                absence_state=AbsenceState.MOVED)
        _release_prep(ctx, d)
        report.moved.append(f"{label} → {local_minute(decision.start, zone)} ({decision.reason})")
        # Whose absence, by role: the reason names the person and says they are away, which
        # is theirs to share (it goes to the pair), not the log's.
        log.info("absences.moved", extra={"occurrence": occ.id, "absent": decision.absent})
        return
    if action == "no_slot":
        _queue(ctx, d, "absence_no_slot", f"{occ.id}:absence_no_slot",
               subject=f"1-2-1 with {subject_name(d.view.report.name)} on "
                       f"{_when(occ.start, d.series.time_zone)}: no time to move it to",
               body=render("absence_no_slot.html.j2", a=_context(d, decision)), now=now)
        store.update_occurrence(occ.id, now, absence_state=AbsenceState.NO_SLOT,
                                absence_checked_at=now)
        report.no_slot.append(f"{label} ({decision.reason})")
        return
    if action == "skip" and decision.both:
        # Both away with nowhere to move it (a shutdown the holidays bridge): one note about
        # this meeting, in place of the "no time to move it to" mail.
        _queue(ctx, d, "absence_both_away", f"{occ.id}:absence_both_away",
               subject=f"1-2-1 with {subject_name(d.view.report.name)} on "
                       f"{_when(occ.start, d.series.time_zone)}: you're both away",
               body=render("absence_both_away.html.j2", a=_context(d, decision)), now=now)
        _skip(ctx, d, now, "not sent: both were away for the meeting")
        report.skipped.append(f"{label} ({decision.reason})")
    elif action == "skip" and decision.absence is not None:
        absence, mid = decision.absence, d.view.manager.id
        who = d.view.manager if decision.absent == "manager" else d.view.report
        # One note per absence, its dates edited or not (domain/absence_notes.py).
        step = note_step(store.noted_absences(mid, who.id), mid, who.id, absence,
                         lambda day: away is not None and bridges(away, day))
        if step is not None:
            mail = _row(d, "absence_long", step.mail_key or "", now=now,
                        subject=note_subject(absence, yours=decision.absent == "manager",
                                             longer=step.mail == "longer"),
                        body=render("absence_long.html.j2",
                                    a=_context(d, decision, step.mail))) if step.mail else None
            if store.note_absence(step.noted, mail, now) and mail:
                log.info("absences.mail_queued", extra={"key": mail.key, "kind": mail.kind})
        _skip(ctx, d, now, f"not sent: {absence.name} was on a long absence")
        report.skipped.append(f"{label} ({decision.reason})")


def _called_off(ctx: JobContext, d: _Due, decision: Decision, now: datetime,
                report: AbsenceReport, label: str) -> None:
    """A meeting cancelled or declined in Outlook before its check, decided on the same
    calendars, read only. Called off where the check would have left it alone (a long
    absence: the manager cancelling ahead, as the long-absence note invites, or the report
    declining their leave's meetings; both away with nowhere to move it) it is skipped, as
    such a meeting is: not missed, no rebooking offer, no reminder, and no agenda into a
    declined one (each would mail the person away). Nothing to move and no note (the
    manager knows; the meetings still on get theirs). Otherwise it stays missed, and its
    rebooking offer goes: a short absence (a day off, an appointment) would have moved it
    (or found no time: the offer looks wider), and an offer is how a meeting called off is
    moved. Looked at once either way."""
    if decision.action != "skip":
        ctx.store.update_occurrence(d.occ.id, now, absence_state=AbsenceState.CLEAR,
                                    absence_checked_at=now)
        return
    why = decision.reason or "away"
    _skip(ctx, d, now, f"not sent: called off while {plain(why)}")
    report.skipped.append(f"{label} ({d.occ.status} while {why})")


def _skip(ctx: JobContext, d: _Due, now: datetime, note: str) -> None:
    """The meeting is left alone on purpose: no "no notes" reminder afterwards (nothing to
    chase; the rebooking offer and the missed count pass over it too), and no agenda (each
    organizer update mails the people away; what is open carries to the next meeting)."""
    store, occ = ctx.store, d.occ
    store.enqueue(_row(d, "reminder", f"{occ.id}:reminder", subject="(not sent)", body="",
                       now=now, status=OutboxStatus.SUPPRESSED, note=note))
    store.update_occurrence(occ.id, now, absence_state=AbsenceState.SKIPPED,
                            absence_checked_at=now, agenda_state=AgendaState.SKIPPED,
                            agenda_updates=1 + ctx.settings.agenda.extra_updates)


async def _patch(ctx: JobContext, d: _Due, start: datetime, end: datetime) -> None:
    await ctx.graph.move_event(d.series.mailbox, d.occ.event_id, start, end,
                               d.series.time_zone)


async def _finish_move(ctx: JobContext, d: _Due, now: datetime, report: AbsenceReport) -> bool:
    """A move was interrupted: Graph says whether the PATCH went through. True when the
    meeting is to be decided again (the PATCH never took effect, and the sync has put the
    old time back in its row)."""
    store, occ, view, zone = ctx.store, d.occ, d.view, d.series.time_zone
    label = f"{view.manager.name} & {view.report.name} {local_date(occ.original_start, zone)}"
    if not store.claim(view.pairing.id, ctx.worker_id, ctx.moved_on(now), LEASE):
        return False
    try:
        event = await ctx.graph.get_event(d.series.mailbox, occ.event_id,
                                          "start,end,isCancelled")
        if event is None or event.cancelled or event.start is None or event.end is None:
            store.update_occurrence(occ.id, now, absence_state=None)
            return False  # gone; the sync records the cancellation
        start, end = event.start, event.end
        if start == occ.start and start != occ.original_start:  # ours went through
            store.update_occurrence(occ.id, now, start=start, end=end,
                                    status=OccurrenceStatus.MOVED,
                                    absence_state=AbsenceState.MOVED)
            _release_prep(ctx, d)
            return False
        if occ.start == occ.original_start:
            # The sync re-read the old time before we patched: decide again.
            store.update_occurrence(occ.id, now, absence_state=None, absence_checked_at=None,
                                    moved_reason=None)
            return True
        await _patch(ctx, d, occ.start, occ.end)
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.MOVED,
                                absence_state=AbsenceState.MOVED)
        _release_prep(ctx, d)
        report.moved.append(f"{label} → {local_minute(occ.start, zone)} (finished)")
    except ServiceError as exc:
        report.failed.append(f"{label}: {exc}")
    finally:
        store.release(view.pairing.id, ctx.worker_id)
    return False


# -- the prep mail ---------------------------------------------------------------------------


def _preps_to_decide(ctx: JobContext, now: datetime) -> list[_Prep]:
    """The prep mails due now whose meetings have had no absence check (usually: not stored
    yet; see ``outbox.preps_due``). Their calendars join this run's free/busy questions."""
    if not ctx.settings.sends_prep_mail:
        return []
    waiting = [p for p in preps_due(ctx, now) if not p.decided]
    views = ctx.store.active_views(p.pairing_id for p in waiting) if waiting else {}
    out: list[_Prep] = []
    for p in waiting:
        view = views.get(p.pairing_id)
        if view is not None:
            local = p.slot.astimezone(ZoneInfo(p.series.time_zone)).date()
            out.append(_Prep(p, view, cadence_window(CadenceKind(p.series.cadence), local,
                                                     working_days_of(view.manager))))
    return out


def _decide_preps(ctx: JobContext, preps: list[_Prep],
                  by_manager: dict[str, dict[str, list[ScheduleItem] | None]],
                  groups: dict[str, set[str]], now: datetime) -> None:
    """Whether each prep mail may go now, on the meeting's absence decision as its own check
    would make it from the same calendars. The prep mail falls due before that check (made
    when the agenda falls due, with the meeting listed): a mail naming a day the report is on
    leave, or that a holiday or absence will move, would otherwise go. Clear: the mail goes
    this run (``JobContext.preps_cleared``). Otherwise a held-back row keeps its key: a long
    absence sends none (as its note says); for a meeting that may move, the meeting's own
    check releases it once it is moved or found clear (``_release_prep``), and the mail then
    names where it is. Nothing is written to the meeting: its own check still decides it.
    A meeting missing from the report's calendar is held back too: Outlook takes an
    occurrence the report declined out of their calendar, and the organizer's copy, which
    says so, is listed only when the agenda falls due; the meeting's own check then sends
    the mail if it was not declined after all. (A calendar that can't be read at all tells
    nothing: the mail goes, as it would without this check.)"""
    for one in preps:
        p, view = one.due, one.view
        calendars = by_manager.get(view.manager.id, {})
        m_read = calendars.get(view.manager.email.lower())
        r_read = calendars.get(view.report.email.lower())
        if m_read is None or r_read is None:
            ctx.preps_cleared.add(p.key)
            continue
        years = {p.start.year - 1, p.start.year, p.start.year + 1}
        manager, report = attendees(ctx, view, m_read, r_read, years, groups)
        decision = decide(start=p.start, end=p.end, original_start=p.slot,
                          kind=CadenceKind(p.series.cadence), manager=manager, report=report,
                          not_before=now + MIN_NOTICE,
                          step_minutes=ctx.settings.policy.step_minutes,
                          policy=ctx.settings.slot_policy(), by_hand=placed_by_hand(p.stored))
        # (A declined meeting Outlook keeps, "Save declined events", shows as free.)
        invited = any(i.start < p.end and p.start < i.end and i.status != "free"
                      for i in r_read)
        if decision.action == "clear" and invited:
            ctx.preps_cleared.add(p.key)
            continue
        absence = decision.absence
        reason = (plain(decision.reason) if decision.action != "clear"
                  else f"not in {plain(view.report.name)}'s calendar (declined?)")
        note = ("not sent: both were away for the meeting" if decision.both else
                f"not sent: {absence.name} was on a long absence"
                if decision.action == "skip" and absence is not None else
                f"{UNTIL_CHECKED}{reason}; sent when the meeting's own check finds it on")
        ctx.store.enqueue(MailRecord(
            key=p.key, kind="prep", pairing_id=view.pairing.id,
            occurrence_id=p.stored.id if p.stored else None, mailbox=view.manager.id,
            to=(Recipient(view.report.name, view.report.email),), cc=(), subject="(not sent)",
            body_html="", tag=uuid.uuid4().hex, status=OutboxStatus.SUPPRESSED, attempts=0,
            last_error=note, created_at=now))


def _release_prep(ctx: JobContext, d: _Due) -> None:
    """The meeting goes ahead (found clear, or moved): a prep mail held back for it at its
    slot (``_decide_preps``) may be queued, by this run's mail step, naming where it is now.
    One held back only until this check is taken out of the outbox; one held back for a
    reason of its own (a long absence, both away, which this check finds over) stays, as
    the record of why no mail went then, and gives up its key. Never for a meeting this
    check skips: its held-back mail keeps its key, so none is ever queued for it."""
    if ctx.settings.sends_prep_mail:
        ctx.store.release_held_prep(prep_key(d.view.pairing.id, d.occ.original_start),
                                    UNTIL_CHECKED, "; the meeting's own check found it on")


# -- mail ------------------------------------------------------------------------------------


def _when(start: datetime, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{local:%A} {format_date(local.date())} at {local:%H:%M}"


def _context(d: _Due, decision: Decision, note: str | None = None) -> dict[str, Any]:
    zone = d.series.time_zone
    absence = decision.absence
    return {
        "manager_first": d.view.manager.first_name,
        "report_name": d.view.report.name,
        "when": _when(d.occ.start, zone),
        "reason": decision.reason,
        "window": f"{format_date(d.window[0])} – {format_date(d.window[1])}",
        "absent_name": absence.name if absence else "",
        "first": format_date(absence.first) if absence else "",
        "last": format_date(absence.last) if absence else "",
        "working_days": absence.working_days if absence else 0,
        "open_after": bool(absence and absence.open_after),
        "manager_away": decision.absent == "manager",
        "longer": note == "longer",
    }


def _row(d: _Due, kind: str, key: str, *, subject: str, body: str, now: datetime,
         status: str = OutboxStatus.PENDING, note: str = "") -> MailRecord:
    manager = d.view.manager
    return MailRecord(
        key=key, kind=kind, pairing_id=d.view.pairing.id, occurrence_id=d.occ.id,
        mailbox=manager.id, to=(Recipient(manager.name, manager.email),), cc=(),
        subject=subject[:400], body_html=body, tag=uuid.uuid4().hex, status=status,
        attempts=0, last_error=note, created_at=now)


def _queue(ctx: JobContext, d: _Due, kind: str, key: str, *, subject: str, body: str,
           now: datetime) -> None:
    """One mail to the manager only, from their own mailbox; the key makes it once."""
    if ctx.store.enqueue(_row(d, kind, key, subject=subject, body=body, now=now)):
        log.info("absences.mail_queued", extra={"key": key, "kind": kind})
