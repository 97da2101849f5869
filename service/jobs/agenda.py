"""Write each occurrence's agenda into its invite, once, a couple of working days ahead.

Every organizer PATCH sends the report a meeting update, so an occurrence gets exactly one
agenda update, plus at most [agenda] extra_updates more when a new topic arrives. Only the
marked block is ours: the rest of the body (the Teams block Exchange added, anything a
person typed) is kept byte for byte, and if a person edited inside our block their text wins.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from jinja2 import TemplateError

from service.config.settings import AgendaSettings
from service.domain.agenda import Agenda, AgendaPolicy, OpenAction, Topic, build_agenda
from service.domain.body import (
    MARKERS,
    BlockDamaged,
    block_text,
    find_block,
    fingerprint,
    media_added,
    outside_block,
    replace_block,
)
from service.domain.htmltext import html_to_text
from service.domain.list_fit import topics_listed
from service.domain.outside import outside_print
from service.domain.questions import Question
from service.domain.records import (
    ActionRecord,
    OccurrenceRecord,
    PairingView,
    SeriesRecord,
    TopicRecord,
)
from service.domain.series import agenda_can_update
from service.domain.status import (
    MISSED,
    AbsenceState,
    AgendaState,
    OccurrenceStatus,
    PairingStatus,
)
from service.domain.timezones import local_date
from service.domain.timing import agenda_due_at, waits_for_previous
from service.domain.topics import private_address, topics_address
from service.errors import ConfigError, GraphError, NotFound, PermissionDenied, ServiceError
from service.graph.wire import STILL_ON_SELECT, body_patch
from service.jobs.absence_due import check_pending
from service.jobs.context import JobContext
from service.jobs.invite_shared import shared_beyond_the_pair
from service.jobs.missed import missed_meeting
from service.jobs.question_bank import question_bank
from service.jobs.recall import Recalled, notes_mailed, question_for, recall
from service.render import default_folder, render, unreadable
from service.store.repo import Store

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
PAIRS_AT_ONCE = 16
# Pairs claimed, and their history read, together (a few statements per chunk, not per pair).
PAIRS_READ_AT_ONCE = 200


@dataclass
class AgendaReport:
    injected: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_person_edit: list[str] = field(default_factory=list)
    # Invites the manager shared with someone besides the report: no agenda written.
    not_private: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PairReads:
    """The pair's history an agenda is composed from, as read once for it (in bulk for the
    pairs a tick writes, after claiming them): its meetings, open topics and actions."""

    meetings: list[OccurrenceRecord]
    open_topics: list[TopicRecord]
    open_actions: list[ActionRecord]


def pair_reads(store: Store, pairing_id: int) -> PairReads:
    return PairReads(store.pairing_occurrences(pairing_id), store.open_topics(pairing_id),
                     store.open_actions(pairing_id))


def pair_reads_of(store: Store, pairing_ids: list[int]) -> dict[int, PairReads]:
    """``pair_reads`` of each pairing, three statements per chunk rather than per pair."""
    meetings = store.pairing_occurrences_of(pairing_ids)
    topics = store.open_topics_of(pairing_ids)
    actions = store.open_actions_of(pairing_ids)
    return {pid: PairReads(meetings[pid], topics[pid], actions[pid]) for pid in pairing_ids}


def agenda_for(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
               bank: list[Question], *, fresh: bool = False) -> Agenda:
    """The agenda of one occurrence from what the store knows now (``fresh``: being
    written now; otherwise its Last time recalls what it did when written)."""
    return _compose(ctx, view, occ, zone, bank, fresh=fresh,
                    reads=pair_reads(ctx.store, view.pairing.id))[0]


def _compose(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
             bank: list[Question], *, fresh: bool, reads: PairReads
             ) -> tuple[Agenda, Recalled]:
    store, cfg = ctx.store, ctx.settings.agenda
    pairing = view.pairing
    topics = [Topic(id=t.id, text=t.text, by=t.by, raised_on=t.raised_on, carried=t.carried)
              for t in reads.open_topics]
    actions = [OpenAction(id=a.id, owner=a.owner, text=a.text, due=a.due,
                          raised_on=a.raised_on, carried=a.carried)
               for a in reads.open_actions
               if a.raised_occurrence_id != occ.id]
    last_dev: date | None = None
    focus_turns = 0  # earlier meetings that had a focus area other than development
    for other in reads.meetings:
        # Only a meeting that happened covered it: a cancelled or declined one did not.
        if (other.id != occ.id and other.agenda_state == AgendaState.INJECTED
                and other.status not in MISSED and other.start < occ.start):
            if other.covers_development:
                # Its day where the pair meets, as this one's (not UTC's: a day early in Sydney).
                last_dev = max(last_dev or date.min, local_date(other.start, zone))
            else:
                focus_turns += 1
    # Online is the series' (booked on Teams, or adopted as the manager made it): fixed, so
    # every render of this agenda has the face-to-face line or not alike.
    series = (view.series if view.series is not None and view.series.id == occ.series_id
              else store.series(occ.series_id))
    recalled = recall(store, view, occ, zone, [t.id for t in topics if t.id is not None],
                      fresh=fresh, meetings=reads.meetings)
    agenda = build_agenda(
        meeting_start=occ.start.astimezone(ZoneInfo(zone)), manager_name=view.manager.name,
        report_name=view.report.name, topics=topics, open_actions=actions,
        meeting_number=max(occ.meeting_number, 1), last_development_on=last_dev,
        policy=AgendaPolicy(cfg.development_every, cfg.development_max_days,
                            in_person_every=cfg.in_person_every),
        question=question_for(store, ctx.settings, view, occ, bank, zone, first=recalled.first),
        missed=missed_meeting(store, pairing.id, occ, zone), first=recalled.first,
        last_time=recalled.last_time, layout=cfg.layout, mailed=notes_mailed(ctx.settings),
        recent=recalled.recent, actions_shown=cfg.actions_shown, focus_turns=focus_turns,
        online=series is not None and series.online, given_names=view.given_names,
        topics_by_mail=bool(ctx.settings.mail.topics_mailbox))
    return agenda, recalled


def _first_shown(store: Store, view: PairingView, occ: OccurrenceRecord) -> set[int]:
    """Topics not yet shown in any earlier agenda of the pair (so not carried yet)."""
    return _first_shown_in(pair_reads(store, view.pairing.id), occ)


def _first_shown_in(reads: PairReads, occ: OccurrenceRecord) -> set[int]:
    """``_first_shown`` from the pair's history as read for the agenda being written."""
    shown: set[int] = set()
    for other in reads.meetings:
        if other.id != occ.id and other.agenda_state == AgendaState.INJECTED:
            shown |= set(other.agenda_topics)
    open_ids = {t.id for t in reads.open_topics if t.id is not None}
    return open_ids - shown


def render_block(ctx: JobContext, agenda: Agenda, pairing_key: str = "", *,
                 to_write: bool = True) -> str:
    """The agenda block as HTML. An organisation's template that cannot be used (a Jinja
    error, a plain Python one raised while rendering it, or its sentinel lines missing)
    raises ConfigError naming the file, the line and what to do, so each meeting reports
    it instead of the whole step dying. ``to_write`` False: rendered only to know the lines
    of one already in an invite (the notes read-back), which content outside them does not
    hinder."""
    folder = ctx.settings.agenda.templates
    box = ctx.settings.mail.topics_mailbox
    fix = ("fix it, or remove it from [agenda] templates to use the built-in agenda"
           if folder else "reinstall onetoone")
    # An organisation's own template fails at render time with any Python error, not only
    # Jinja's ('Meeting ' + agenda.meeting_number is a TypeError; a share of no topics a
    # ZeroDivisionError): theirs to fix, like a Jinja error. In the built-in one it is ours.
    own = _own_agenda(folder)
    theirs: tuple[type[Exception], ...] = (Exception,) if own else (TemplateError,)
    try:
        html = render("agenda.html.j2", str(folder) if folder else None, agenda=agenda,
                      markers=MARKERS,
                      topics_address=(topics_address(box, pairing_key) if box and pairing_key
                                      else ""),
                      private_address=(private_address(box, pairing_key) if box and pairing_key
                                       else ""))
    except ConfigError:
        raise  # their file that cannot be read, named (render.template)
    except theirs as exc:
        where = getattr(exc, "filename", None) or _template_path(folder)
        line = getattr(exc, "lineno", None) or _template_line(exc)
        at = f", line {line}" if line else ""
        what = getattr(exc, "message", None) or str(exc)
        raise ConfigError(f"{where}{at}: {type(exc).__name__}: {what}; {fix}") from exc
    if find_block(html) is None:
        raise ConfigError(f"{_template_path(folder)}: the agenda lacks its own start and end "
                          "lines; keep {{ markers.start }} as its first line and "
                          f"{{{{ markers.end }}}} as its last, or {fix}")
    if to_write and outside_block(html):
        # Written outside our lines, it would stay in the invite and come again with each
        # update (a topic added later): refused before anything is written.
        raise ConfigError(f"{_template_path(folder)}: the agenda has text or a picture outside "
                          "its start and end lines, which each update of the invite would add "
                          "again; move it between them (keep {{ markers.start }} as its first "
                          f"line and {{{{ markers.end }}}} as its last), or {fix}")
    return html


def _own_agenda(folder: Path | None) -> bool:
    """Whether the organisation's templates folder has its own agenda; a folder that cannot
    be searched is named, not taken for one without (its agenda silently not used)."""
    if folder is None:
        return False
    try:
        return (folder / "agenda.html.j2").is_file()
    except OSError as exc:
        raise unreadable(folder / "agenda.html.j2", exc) from exc


def _template_path(folder: Path | None) -> str:
    own = _own_agenda(folder)
    return str(folder / "agenda.html.j2" if folder and own else default_folder() / "agenda.html.j2")


def _template_line(exc: BaseException) -> int | None:
    """The template line a render error was raised on (Jinja's rewritten traceback has it)."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def agendas_due(store: Store, cfg: AgendaSettings, now: datetime
                ) -> list[tuple[OccurrenceRecord, SeriesRecord, PairingView, bool]]:
    """The meetings of the next days whose agenda is due now, by start, with their series,
    their pairing and whether it is their first: pending ones whose day has come (and whose
    pair's previous meeting is not still to be read back: ``waits_for_previous``), and
    written ones with an update left and an open topic their agenda does not show yet."""
    horizon = now + timedelta(days=cfg.lead_working_days * 2 + 5)
    # The database leaves out what cannot be due (not pending and out of updates or without
    # an open topic; pending before its zone's and manager's day), so a tick with nothing
    # due reads next to nothing; what it returns is decided here, exactly as ever.
    coming = store.agenda_candidates(
        now, horizon, 1 + cfg.extra_updates,  # agenda_can_update's budget
        lambda zone, days: agenda_cutoff(now, cfg.lead_working_days, ZoneInfo(zone),
                                         frozenset(days or (0, 1, 2, 3, 4)), horizon))
    open_topics = store.open_topics_of(
        view.pairing.id for occ, _s, view in coming if occ.agenda_state != AgendaState.PENDING)
    out = []
    for occ, series, view in coming:
        if view.pairing.status != PairingStatus.ACTIVE:
            continue
        if occ.absence_state == AbsenceState.MOVING:
            # A move off an absence whose outcome is unknown (no answer to its PATCH): the
            # absence step finishes it first. Written now, the agenda would name a time
            # Outlook may not show, and a written agenda ends the absence step's watch, so
            # the move would never be finished.
            continue
        days = frozenset(view.manager.working_days or (0, 1, 2, 3, 4))
        if now < agenda_due_at(occ.start.astimezone(ZoneInfo(series.time_zone)),
                               cfg.lead_working_days, days):
            continue
        first = occ.agenda_state == AgendaState.PENDING
        if not first:
            # Only a topic the agenda would list is new to it: one left out to keep the
            # agenda short (list_fit) would spend an update each run and change no line.
            listed = topics_listed(open_topics.get(view.pairing.id, []))[0]
            new_topic = bool({t.id for t in listed} - set(occ.agenda_topics))
            if not new_topic or not agenda_can_update(occ.agenda_updates, cfg.extra_updates):
                continue
        out.append((occ, series, view, first))
    firsts = {view.pairing.id for _o, _s, view, first in out if first}
    if not firsts:
        return out
    # The pairs' meetings when a first agenda is due (a few pairs per tick): ending within the
    # grace or later (an earlier end is read back by now, capture_due_at, so holds nothing
    # back), and starting before the last due (months booked ahead are no one's previous).
    meetings = store.pairing_occurrences_of(firsts, now - timedelta(minutes=cfg.grace_minutes),
                                            max(o.start for o, _s, _v, first in out if first))

    def previous_end(occ: OccurrenceRecord, pairing_id: int) -> datetime | None:
        return max((o.end for o in meetings[pairing_id] if o.id != occ.id
                    and o.start < occ.start and o.status != OccurrenceStatus.CANCELLED),
                   default=None)

    return [(occ, series, view, first) for occ, series, view, first in out
            if not (first and waits_for_previous(occ.start, previous_end(occ, view.pairing.id),
                                                 cfg.grace_minutes, now))]


def agenda_cutoff(now: datetime, lead_working_days: int, zone: ZoneInfo,
                  days: frozenset[int], until: datetime) -> datetime | None:
    """The first instant from which no meeting in ``zone`` (its manager working ``days``)
    has its agenda due at ``now``; None if there is none before ``until``.

    A meeting's agenda is due from the start of a day set by its local date alone, and a
    later date's day is never earlier (``agenda_due_at``): so the first date after today
    whose meetings are not due yet bounds them all, from that date's local midnight on.
    """
    day = now.astimezone(zone).date() + timedelta(days=1)
    last = until.astimezone(zone).date()
    while day <= last:
        if now < agenda_due_at(datetime.combine(day, time(12), tzinfo=zone),
                               lead_working_days, days):
            # The later reading of a midnight the clocks skip or repeat: a moment before
            # it may still fall on the day before.
            return max(datetime.combine(day, time(0, fold=fold), tzinfo=zone)
                       .astimezone(UTC) for fold in (0, 1))
        day += timedelta(days=1)
    return None


async def inject_agendas(ctx: JobContext, now: datetime) -> AgendaReport:
    """Inject agendas that are due; update ones whose topics changed, within the budget."""
    report = AgendaReport()
    cfg = ctx.settings.agenda
    store = ctx.store
    bank = question_bank(cfg.templates)
    due: dict[int, list[tuple[OccurrenceRecord, Any, PairingView, bool]]] = {}
    for occ, series, view, first in agendas_due(store, cfg, now):
        if first and check_pending(ctx, occ, series, view, now):
            # Its absence check could not be made this run: it comes first (next run).
            log.info("agenda.waits_for_absence_check", extra={"occurrence": occ.id})
            continue
        due.setdefault(view.pairing.id, []).append((occ, series, view, first))

    gate = asyncio.Semaphore(PAIRS_AT_ONCE)
    written: set[str] = set()  # the managers an agenda went in for, ...
    refused: set[int] = set()  # ... and the pairs refused (403), this run

    async def one_pair(items: list[tuple[OccurrenceRecord, Any, PairingView, bool]],
                       fresh_of: dict[int, OccurrenceRecord], reads: PairReads) -> None:
        # Pairs side by side (the transport keeps 4 requests per mailbox); a pair's own
        # occurrences in turn, so carried counts and question picks stay consistent.
        async with gate:
            for n, (seen, series, view, first) in enumerate(items):
                # The bulk reads were taken after the claim; a pair's later meeting is
                # composed from what its earlier one's write left.
                occ = fresh_of.get(seen.id) if n == 0 else store.occurrence(seen.id)
                if occ is None or _settled_meanwhile(seen, occ):
                    continue  # another replica wrote it between our read and our claim
                if n:
                    reads = pair_reads(store, view.pairing.id)
                day = local_date(occ.start, series.time_zone)  # (where the pair meets)
                label = f"{view.manager.name} & {view.report.name} {day}"
                try:
                    outcome = await _write(ctx, view, occ, series.time_zone, bank, now,
                                           first, reads)
                    {"injected": report.injected, "updated": report.updated,
                     "kept": report.kept_person_edit,
                     "shared": report.not_private}.get(outcome, []).append(label)
                    written.add(view.manager.id)
                except ServiceError as exc:
                    report.failed.append(view.calendar_failure(exc, day))
                    log.error("agenda.failed", extra={"occurrence": occ.id,
                                                      "error": str(exc)})
                    if isinstance(exc, PermissionDenied):
                        # Refused on every run until an admin acts: `onetoone status`
                        # says so, and since when (the log alone repeats it unread).
                        store.set_agenda_denied(view.pairing.id, now)
                        refused.add(view.pairing.id)

    order = list(due)
    for at in range(0, len(order), PAIRS_READ_AT_ONCE):
        # Claimed first, then their history read in bulk (what is read is what the lease
        # protects), then written side by side, then released.
        part = order[at:at + PAIRS_READ_AT_ONCE]
        taken = store.claim_many(part, ctx.worker_id, ctx.moved_on(now), LEASE)
        claimed = [pid for pid in part if pid in taken]
        try:
            fresh_of = store.occurrences_by_id(due[pid][0][0].id for pid in claimed)
            reads_of = pair_reads_of(store, claimed)
            await asyncio.gather(*(one_pair(due[pid], fresh_of, reads_of[pid])
                                   for pid in claimed))
        finally:
            store.release_many(claimed, ctx.worker_id)
    if written:
        # Allowed again in those mailboxes: each of their pairs marked refused is cleared,
        # not only those with an agenda due (a monthly pair's would outlive the fix by weeks).
        store.clear_agenda_denied(written, keep=refused)
    return report


def _too_large(store: Store, view: PairingView, occ: OccurrenceRecord, now: datetime,
               exc: GraphError, first: bool, *, budget: int) -> NoReturn:
    """Graph refused the write as over its 4 MB request limit: the body goes back whole, and
    it is that big because of something pasted into the invite. Every later run would send
    it and fail the same way until the meeting, so this meeting gets no (more) agenda
    updates, said once, naming the mailbox. Nothing was written; its notes are still read
    back."""
    log.warning("agenda.too_large", extra={"occurrence": occ.id, "mailbox": view.manager.email})
    store.update_occurrence(occ.id, now, agenda_sending=None, agenda_updates=budget,
                            **({"agenda_state": AgendaState.SKIPPED} if first else {}))
    what = "no agenda was written into" if first else "its agenda was not updated in"
    raise GraphError(
        f"the invite in {view.manager.email}'s calendar is too large for Microsoft Graph to "
        f"update (over its 4 MB request limit: something large was pasted into it), so "
        f"{what} this meeting, and it is not tried again. ({exc})",
        status=exc.status, code=exc.code, mailbox=exc.mailbox)


def _ours_untouched(current: str, wanted: str | None, occ: OccurrenceRecord) -> bool:
    """Whether a block found before the first agenda is recorded is exactly one we wrote:
    what this run would write, or what an earlier run recorded it was about to write."""
    found = fingerprint(current)
    return ((wanted is not None and found == fingerprint(wanted))
            or found == occ.agenda_fingerprint)


def _settled_meanwhile(seen: OccurrenceRecord, fresh: OccurrenceRecord) -> bool:
    """Whether the agenda state read before the claim changed by the time it was taken."""
    def state(o: OccurrenceRecord) -> tuple[object, ...]:
        return o.agenda_state, o.agenda_updates, o.agenda_topics, o.status

    return state(seen) != state(fresh)


def _typed_in(store: Store, occ: OccurrenceRecord, now: datetime) -> None:
    """Someone's words are in the agenda block: its notes are never taken to be the agenda
    as written (see jobs/notes_seen.py), whatever a later calendar read lists."""
    store.mark_changed([occ.id], now)


async def _write(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
                 bank: list[Question], now: datetime, first: bool, reads: PairReads) -> str:
    graph, store = ctx.graph, ctx.store
    mailbox = view.manager.id
    agenda, recalled = _compose(ctx, view, occ, zone, bank, fresh=True, reads=reads)
    block_html = render_block(ctx, agenda, view.pairing.key)
    # The occurrence as this tick's calendar read returned it (lately: see
    # SEEN_FRESH_SECONDS), or one read for it now.
    event = ctx.seen_event(occ.event_id)
    if event is None:
        event = await graph.get_event(mailbox, occ.event_id,
                                      "body,isCancelled,attendees,locations")
    if event is None or event.cancelled:
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.CANCELLED,
                                agenda_state=AgendaState.SKIPPED)
        return "cancelled"
    if await shared_beyond_the_pair(ctx, event, view):
        # The agenda recalls the pair's notes and topics, and every update of the invite goes
        # to each attendee: once the manager has added (or forwarded it to) someone else, no
        # agenda is written into it. (A room booked for it is not a person.)
        log.warning("agenda.invite_shared", extra={"occurrence": occ.id})
        # Decided for good: no update budget left, so a topic arriving later does not
        # bring it back each tick (another read, another "not private").
        store.update_occurrence(occ.id, now, agenda_state=AgendaState.SKIPPED,
                                agenda_updates=1 + ctx.settings.agenda.extra_updates)
        return "shared"
    html = event.body
    current = block_text(html_to_text(html, rows=True))
    wanted = block_text(html_to_text(block_html, rows=True))
    # Their words win: if anyone typed inside our block since we wrote it, leave it be.
    # (The fingerprint is of the block as Exchange stored it, read from the HTML we already
    # have, so telling costs no second read.) The update this run would write is ours too:
    # an earlier run sent it and got no answer, or died before recording it.
    ours = {occ.agenda_fingerprint, occ.agenda_sending,
            *([fingerprint(wanted)] if wanted is not None else [])} - {None}
    # A picture pasted into the block has no words for the fingerprint: theirs all the same.
    pasted = current is not None and media_added(html, block_html)
    if not first and (current is None or pasted or fingerprint(current) not in ours):
        log.info("agenda.person_edited", extra={"occurrence": occ.id})
        store.update_occurrence(occ.id, now, agenda_updates=1 + ctx.settings.agenda
                                .extra_updates)
        _typed_in(store, occ, now)
        return "kept"
    if first and current is not None and (pasted or not _ours_untouched(current, wanted, occ)):
        # A run wrote the block and died before recording it, and someone has typed into
        # it since (or it was never ours): their words win over a second update.
        log.info("agenda.person_edited", extra={"occurrence": occ.id})
        store.update_occurrence(occ.id, now, agenda_state=AgendaState.INJECTED, agenda_at=now,
                                agenda_updates=1 + ctx.settings.agenda.extra_updates)
        _typed_in(store, occ, now)
        return "kept"
    written_html = html
    if current is not None and wanted is not None and fingerprint(current) == fingerprint(wanted):
        pass  # a previous run wrote it and died before recording it: don't send it again
    else:
        if first and wanted is not None:
            # Recorded before the write, so a rerun after a kill can tell our block from one
            # a person has typed into since.
            store.update_occurrence(occ.id, now, agenda_fingerprint=fingerprint(wanted))
        elif wanted is not None:
            # An update: the block it sends is kept aside (the one in the invite stays the
            # baseline until this is recorded), so a run after a lost answer knows it for
            # ours whatever it would write by then.
            store.update_occurrence(occ.id, now, agenda_sending=fingerprint(wanted))
        try:
            new_html = replace_block(html, block_html)
        except BlockDamaged:
            log.warning("agenda.block_damaged", extra={"occurrence": occ.id})
            store.update_occurrence(occ.id, now, agenda_state=AgendaState.INJECTED,
                                    agenda_updates=1 + ctx.settings.agenda.extra_updates)
            _typed_in(store, occ, now)
            return "kept"
        # Graph answers a PATCH with the event as stored: its body is the baseline a later
        # run compares with (no read-back request).
        try:
            if occ.rebook_of is None:
                answer = await graph.set_event_body(mailbox, occ.event_id, new_html)
            else:
                # A single meeting (booked to replace a missed one) takes the sensitivity in
                # the same update. An occurrence always shows its series' (wire.body_patch), so
                # none is sent for one: a series switches when it is next extended
                # (series_create).
                answer = (await graph.update_event(mailbox, occ.event_id, body_patch(
                    new_html, sensitivity=ctx.settings.policy.sensitivity))).body or None
        except NotFound:
            # Gone between the read and the write (cancelled or deleted in Outlook meanwhile,
            # or a calendar read that was already out of date): settled as a cancelled
            # meeting if a read of it says so too, rather than failing on every run.
            again = await graph.get_event(mailbox, occ.event_id, STILL_ON_SELECT)
            if again is not None and not again.cancelled:
                raise
            store.update_occurrence(occ.id, now, status=OccurrenceStatus.CANCELLED,
                                    agenda_state=AgendaState.SKIPPED)
            return "cancelled"
        except GraphError as exc:
            if exc.status != 413:
                raise
            _too_large(store, view, occ, now, exc, first,
                       budget=1 + ctx.settings.agenda.extra_updates)
        written_html = answer or new_html
    body = html_to_text(written_html, rows=True)
    written = block_text(body) or ""
    topic_ids = [t.topic.id for t in agenda.topics if t.topic.id is not None]
    action_ids = [a.id for a in agenda.actions]
    # Carried: shown again after the agenda they were first on (raised before the meeting's
    # day where the pair meets, as the topic's day is: a Sydney 09:00 is the day before in UTC).
    carried = (action_ids, [t.topic.id for t in agenda.topics
                            if t.topic.id is not None
                            and t.topic.raised_on < local_date(occ.start, zone)
                            and t.topic.id not in _first_shown_in(reads, occ)]
               ) if first else None
    store.record_agenda(occ.id, now, dict(
        agenda_state=AgendaState.INJECTED, agenda_updates=occ.agenda_updates + 1,
        agenda_fingerprint=fingerprint(written), agenda_sending=None, agenda_at=now,
        # Its lines as written: the read-back knows them for the agenda's (not notes) even
        # after the organisation's template is edited (see capture._template_text).
        agenda_text=written or None,
        # What is outside the block now, as a print: words typed there later (notes above
        # the START line, where Outlook's caret lands) are noticed at the read-back.
        outside_print=str(outside_print(body)),
        agenda_topics=tuple(topic_ids),
        covers_development=agenda.covers_development,
        question_id=agenda.question.id if agenda.question else None,
        last_time_id=recalled.last_time_id, share_report=recalled.recent.report,
        share_topics=recalled.recent.total,
    ), carried=carried, question=((view.pairing.id, agenda.question.id)
                                  if agenda.question is not None else None))
    log.info("agenda.injected" if first else "agenda.updated",
             extra={"occurrence": occ.id, "topics": len(topic_ids), "actions": len(action_ids)})
    return "injected" if first else "updated"
