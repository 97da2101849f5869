"""Read back what the manager typed into each occurrence after the meeting.

Runs after the meeting ends plus a grace period, then a day later and at the end of [agenda]
recapture_days so later edits are picked up, unless a read of the manager's calendar since
vouches that nothing changed; an edit such a read sees is read at once (see
``domain.readback``). Re-reading the same text changes nothing:
notes from an occurrence are replaced as a whole (each changed reading is also kept, as a
version with its time, for the evidence record), and each action line is recorded once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.action_identity import recorded_as
from service.domain.adoption import series_from_event
from service.domain.agenda import OpenAction
from service.domain.body import END, START, block_text, fingerprint
from service.domain.due_dates import DateOrder
from service.domain.hours_fit import HOURS_MOVED_WHY
from service.domain.htmltext import html_to_text
from service.domain.instances import move_undone, report_declined
from service.domain.mentions import as_shown
from service.domain.notes import ParsedNotes, parse_block
from service.domain.outside import typed_outside
from service.domain.readback import (
    CalendarRead,
    ReadBack,
    as_written,
    next_look,
    reach,
    read_back,
    waiting_until,
)
from service.domain.records import OccurrenceRecord, PairingView, SeriesRecord
from service.domain.retime import after_end, went_with_series
from service.domain.status import ActionStatus, OccurrenceStatus, PairingStatus
from service.domain.timezones import local_date
from service.errors import NotFound, Sealed, ServiceError
from service.graph.wire import mailbox_gone
from service.jobs.absence_due import working_days_of
from service.jobs.context import JobContext
from service.jobs.date_format import reading_order
from service.jobs.notes_seen import next_agendas
from service.jobs.occurrences import calendar_read_at
from service.jobs.retimed import MASTER_SELECT
from service.store.calendar_delta import DeltaRepository
from service.store.privacy import ERASED

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)


@dataclass
class CaptureReport:
    held: list[str] = field(default_factory=list)
    without_notes: list[str] = field(default_factory=list)
    actions_added: int = 0
    actions_closed: int = 0
    failed: list[str] = field(default_factory=list)
    vouched: int = 0  # re-reads saved: a calendar read saw no change since the last


def _no_notes(declined: bool) -> OccurrenceStatus:
    """A meeting nothing was typed in: declined stays declined (the report said no), so
    it gets no reminder."""
    return OccurrenceStatus.DECLINED if declined else OccurrenceStatus.HELD_NO_NOTES


async def capture_notes(ctx: JobContext, now: datetime) -> CaptureReport:
    report = CaptureReport()
    cfg = ctx.settings.agenda
    store = ctx.store
    grace = timedelta(minutes=cfg.grace_minutes)
    recapture = timedelta(days=cfg.recapture_days)
    due = store.read_backs_due(now, now - reach(recapture), now - grace + timedelta(seconds=1))
    contexts = store.occurrence_contexts(occ for occ, _mailbox in due)
    links = (DeltaRepository(store.engine).delta_links({mailbox for _occ, mailbox in due})
             if due else {})
    next_agenda = next_agendas(ctx, (occ for occ, _mailbox in due), contexts)
    vouched: list[tuple[int, datetime, datetime | None]] = []
    postponed: list[tuple[OccurrenceRecord, datetime]] = []
    for occ, mailbox in due:
        read_at = calendar_read_at(links.get(mailbox), occ)
        todo = read_back(occ, now, grace, recapture, read_at, next_agenda.get(occ.id))
        if todo == ReadBack.VOUCHED and read_at is not None:
            # As read back at the time of that calendar read: an edit made since is listed
            # by the next one, and read then.
            vouched.append((occ.id, read_at,
                            next_look(replace(occ, captured_at=read_at), recapture)))
            continue
        context = contexts.get(occ.id)
        if todo != ReadBack.READ or context is None:
            look = next_look(occ, recapture)
            waits = waiting_until(occ, now, recapture, next_agenda.get(occ.id))
            if occ.captured_at is not None and (look is None or look > now):
                store.update_occurrence(occ.id, now, read_back_at=look)
            elif waits is not None and waits > now and todo == ReadBack.NONE:
                # A re-read waiting for a calendar read: looked at again when it can wait
                # no longer, not every run (see domain.readback.waiting_until).
                postponed.append((occ, waits))
            continue
        series, view = context
        label = view.meeting(occ.start, series.time_zone)
        if not store.claim(view.pairing.id, ctx.worker_id, ctx.moved_on(now), LEASE):
            continue
        try:
            fresh = store.occurrence(occ.id)
            if fresh is None or fresh.captured_at != occ.captured_at:
                continue  # another replica read it between our read and our claim
            await _capture_one(ctx, view, fresh, series.time_zone, now, report, label,
                               ctx.calendars_read.get(mailbox), series=series)
            done = store.occurrence(occ.id)
            if done is not None:
                store.update_occurrence(occ.id, now, read_back_at=next_look(done, recapture))
        except Sealed:
            # `forget` or the retention erase ran while this read was under way: what it
            # found is not stored (the meeting stays sealed).
            log.info("capture.sealed", extra={"occurrence": occ.id})
        except ServiceError as exc:
            if (isinstance(exc, NotFound) and mailbox_gone(exc)
                    and view.pairing.status == PairingStatus.ENDED):
                # The pair ended and the manager's mailbox went with their account: what
                # was read back stands; nothing more can ever be read (not failed for ever).
                store.update_occurrence(occ.id, now, read_back_at=None)
                log.warning("capture.mailbox_gone", extra={"occurrence": occ.id})
                continue
            report.failed.append(view.calendar_failure(
                exc, local_date(occ.start, series.time_zone)))
            log.error("capture.failed", extra={"occurrence": occ.id, "error": str(exc)})
        finally:
            store.release(view.pairing.id, ctx.worker_id)
    store.postpone_read_backs(postponed)
    for occurrence_id, at, look in vouched:
        store.update_occurrence(occurrence_id, now, captured_at=at, read_back_at=look)
    report.vouched = len(vouched)
    return report


async def _went_with_series(ctx: JobContext, series: SeriesRecord,
                            occ: OccurrenceRecord) -> bool:
    """Whether ``occ``, gone from Outlook, went with its series: as the store has it (the
    sync saw the series deleted or cut short), else as its master says now (one GET, for a
    meeting found gone only: the sync may not have listed the series since): gone, or its
    range now ending before the meeting's day."""
    if went_with_series(series, occ):
        return True
    if not series.event_id:
        return False
    master = await ctx.graph.get_event(series.mailbox, series.event_id, MASTER_SELECT)
    if master is None:
        return True
    end = series_from_event(master, series.time_zone)["range_end"]
    return bool(end < series.range_end and after_end(occ, end, series.time_zone))


async def _capture_one(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
                       now: datetime, report: CaptureReport, label: str,
                       read: CalendarRead | None = None, *,
                       series: SeriesRecord | None = None) -> None:
    store = ctx.store
    recapture = timedelta(days=ctx.settings.agenda.recapture_days)

    def record(**fields: Any) -> None:
        # The read-back and its next look in one statement: a connection lost between two
        # would leave the meeting read back but never looked at again (read_back_at unset),
        # so notes typed after its first read would never be read.
        store.update_occurrence(occ.id, now, read_back_at=next_look(replace(occ, **fields),
                                                                    recapture), **fields)

    if occ.captured_fingerprint == ERASED:
        # Its notes were erased (`forget`, retention): what Outlook still holds is never
        # read again (the store marks it so; this is the last guard).
        store.update_occurrence(occ.id, now, read_back_at=None)
        return
    if as_written(occ, read) and (occ.status == OccurrenceStatus.DECLINED
                                  or store.notes(occ.id)):
        # This run's read of the calendar vouches that its agenda is as written: nothing
        # typed (see jobs/notes_seen.py), so no read of the event. Only for a meeting known
        # not held (declined) or held (notes added with `onetoone notes add`): one with
        # nothing in it may have been deleted or cancelled in Outlook, which a read of the
        # changes can leave without a trace (see CalendarRead.relisted: nothing at all when
        # no other meeting of its series is in the window), and taken for held without notes
        # it would be counted held and its manager reminded. It is read on its own.
        _untouched(store, view, occ, now, report, label, recapture)
        return
    # The event as this run's calendar read listed it, or read now; its body as HTML either
    # way, turned into text by one converter (ours), so the same notes read both ways give
    # the same text: Exchange's own text rendering differs from it, and a difference would
    # read as an edit (a new version, actions withdrawn and added again).
    listed = read.listed(occ) if read is not None else None
    event = listed or await ctx.graph.get_event(
        view.manager.id, occ.event_id, "body,isCancelled,start,end,attendees")
    if event is None or event.cancelled or event.start is None or event.end is None:
        if occ.captured_at is not None and occ.status in (OccurrenceStatus.HELD,
                                                          OccurrenceStatus.HELD_NO_NOTES):
            # Read back before: it was held, whatever became of it in Outlook since (a past
            # meeting deleted, or given a new id by a whole-series edit). Its notes stay,
            # and it is not re-read again (nor counted as missed).
            store.update_occurrence(occ.id, now, captured_at=now, read_back_at=None)
            return
        if event is None and series is not None and await _went_with_series(ctx, series,
                                                                             occ):
            # Gone with its series (deleted, or cut short on it, in Outlook) before it was
            # read back: nobody cancelled it, and its notes are gone. Its status stays (its
            # outcome is not known, as the report and the evidence say); not read again.
            store.update_occurrence(occ.id, now, captured_at=now, read_back_at=None)
            return
        record(status=OccurrenceStatus.CANCELLED, captured_at=now)
        return
    start, end = event.start, event.end
    if end + timedelta(minutes=ctx.settings.agenda.grace_minutes) > now:
        # Moved to later since we last looked: it hasn't happened yet. Or back on its own
        # slot: a whole-series edit in Outlook dropped a move of ours off an absence (the
        # absence check then looks at it again, as at a meeting never moved).
        status = (OccurrenceStatus.MOVED if start != occ.original_start
                  else OccurrenceStatus.SCHEDULED)
        if (report_declined(event, view.report.email) if event.attendees
                else occ.status == OccurrenceStatus.DECLINED):
            status = OccurrenceStatus.DECLINED
        again = (dict(absence_state=None, absence_checked_at=None, moved_reason=None)
                 if move_undone(occ, occ.original_start, start) else {})
        store.update_occurrence(occ.id, now, start=start, end=end, status=status, **again)
        return
    if (start, end) != (occ.start, occ.end):  # moved earlier: the reminder follows it
        store.update_occurrence(occ.id, now, start=start, end=end)
    # The report's answer as it is now (the manager's copy carries it): a decline made
    # after the agenda went in is noticed here, before any reminder is queued.
    declined = (report_declined(event, view.report.email) if event.attendees
                else occ.status == OccurrenceStatus.DECLINED)
    # (Its mentions marked with their addresses: a mention of either names them.)
    body = html_to_text(event.body, rows=True, mentions=True)
    text = block_text(body)
    # Words typed outside the block since the agenda went in (above its START line, where
    # Outlook's caret lands) are never read as notes, but they say the meeting took place:
    # its reminder then says where notes go, and no times are offered to rebook it. Kept
    # once seen (a later read finding them gone does not make it not held).
    outside = occ.typed_outside or typed_outside(occ.outside_print, as_shown(body))
    if text is None:
        # No agenda block (never injected, or removed): nothing to read as notes; those
        # added with `onetoone notes add` still make it held (and are summarised).
        if occ.captured_at is None:
            wrote = bool(store.notes(occ.id))
            record(captured_at=now, captured_etag=event.etag, typed_outside=outside,
                   status=OccurrenceStatus.HELD if wrote else _no_notes(declined))
            (report.held if wrote else report.without_notes).append(label)
        else:
            # Removed since it was read back: what that read found stands, and this re-read
            # is made all the same. Unrecorded, the meeting would stay due and be read again
            # on every run for good (and one without notes never reminded about, its
            # re-read forever overdue).
            record(captured_at=now, captured_etag=event.etag, typed_outside=outside)
        return
    fp = fingerprint(text)
    if fp == occ.captured_fingerprint:
        record(captured_at=now, captured_etag=event.etag, typed_outside=outside)
        return
    # The actions this meeting's agenda carried: still open, or ticked at an earlier read of
    # it (a re-read must know its line for that action's, however it was ticked, not take
    # it for a note).
    open_actions = [OpenAction(id=a.id, owner=a.owner, text=a.text, due=a.due,
                               raised_on=a.raised_on, carried=a.carried)
                    for a in store.actions(view.pairing.id)
                    if a.raised_occurrence_id != occ.id and (
                        a.status == ActionStatus.OPEN or a.closed_occurrence_id == occ.id)]
    meeting_date = occ.start.astimezone(ZoneInfo(zone)).date()
    # "12/10" as the manager's Outlook writes dates; as at the first read on a re-read
    # (an action's date is part of what it is: read otherwise, it would be a new one).
    template = _template_text(ctx, view, occ, zone)

    def parse(order: DateOrder) -> ParsedNotes:
        return parse_block(text, open_actions, meeting_date=meeting_date,
                           manager_name=view.manager.name, report_name=view.report.name,
                           template=template, working_days=working_days_of(view.manager),
                           given_names=view.given_names,
                           emails=(view.manager.addresses, view.report.addresses),
                           date_order=order)

    order, keep_order, parsed_in = await reading_order(ctx, view, occ.notes_date_order,
                                                       parse)
    parsed = parsed_in or parse(order)
    store.replace_outlook_notes(view.pairing.id, occ.id, parsed.notes, now,
                                actions=parsed.new_actions)
    added = 0
    done_now: list[int] = []
    in_body: set[str] = set()
    ticked: set[str] = set()
    recorded = {a.fingerprint for a in store.actions(view.pairing.id)
                if a.raised_occurrence_id == occ.id}
    for action in parsed.new_actions:
        # As this meeting's earlier reads recorded it, if a release before read its line
        # otherwise: a re-read after an upgrade withdraws nothing and adds nothing again.
        identity, owner, words = recorded_as(action.owner, action.text, action.due,
                                             action.formerly, recorded)
        in_body.add(identity)
        if action.done:
            ticked.add(identity)
        if store.add_action(pairing_id=view.pairing.id, occurrence_id=occ.id,
                            owner=owner, text=words, due=action.due,
                            raised_on=meeting_date, fingerprint=identity, now=now):
            added += 1
        if action.done:  # agreed and already done ("[x] Sam: ...", or ticked a day later)
            done_now += [a.id for a in store.actions(view.pairing.id)
                         if a.raised_occurrence_id == occ.id and a.status == ActionStatus.OPEN
                         and a.fingerprint == identity]
    if done_now:
        store.close_actions(done_now, occ.id, now, pairing_id=view.pairing.id)
    if occ.captured_fingerprint is not None and not parsed.fallback:
        # A later read of notes already read: an action line the manager since edited or
        # deleted is withdrawn (its new wording, if any, was added above), so the agendas
        # don't carry two versions of one action. CLI-added actions are not in the body.
        gone = [a.id for a in store.actions(view.pairing.id)
                if a.raised_occurrence_id == occ.id and a.status == ActionStatus.OPEN
                and ":" not in a.fingerprint and a.fingerprint not in in_body]
        if gone:
            store.withdraw_actions(gone, now)
            log.info("capture.actions_withdrawn", extra={"occurrence": occ.id,
                                                         "count": len(gone)})
        # An action ticked at an earlier read whose line is still there, unticked now (the
        # wrong one was ticked, and put right): open again, or it would be done for good
        # and never on an agenda again. A carried one, or one agreed here as already done.
        # (A deleted line proves nothing.)
        unticked = parsed.still_open_ids - parsed.missing_ids - parsed.closed_ids
        unticked |= {a.id for a in store.actions(view.pairing.id)
                     if a.raised_occurrence_id == occ.id and a.status == ActionStatus.DONE
                     and a.fingerprint in in_body - ticked}
        if unticked:
            store.reopen_actions(unticked, occ.id)
    closed = store.close_actions(parsed.closed_ids, occ.id, now, pairing_id=view.pairing.id)
    if parsed.topics_discussed:
        store.topics_discussed(parsed.topics_discussed, occ.id, view.pairing.id)
    # Notes added with `onetoone notes add` count as notes too (the summary carries them).
    # A meeting read back held stays held when a later read finds its notes cleared from
    # the invite: its summary is out, and "without notes" would draw a reminder and a
    # rebooking offer for it (as one whose event is gone stays held, above).
    wrote = bool(parsed.notes or parsed.new_actions or parsed.closed_ids
                 or store.notes(occ.id)) or occ.status == OccurrenceStatus.HELD
    status = OccurrenceStatus.HELD if wrote else _no_notes(declined)
    record(status=status, captured_at=now, captured_fingerprint=fp, captured_etag=event.etag,
           typed_outside=outside,
           notes_date_order=str(order) if keep_order else None)
    report.actions_added += added
    report.actions_closed += closed
    (report.held if wrote else report.without_notes).append(label)
    log.info("capture.read", extra={"occurrence": occ.id, "notes": len(parsed.notes),
                                    "actions_added": added, "actions_closed": closed})


def _untouched(store: Any, view: PairingView, occ: OccurrenceRecord, now: datetime,
               report: CaptureReport, label: str, recapture: timedelta) -> None:
    """Read back a meeting whose agenda is known to be as written: what reading it would do
    (its block is the agenda, whose own lines the parser never takes as notes), with notes
    added with `onetoone notes add` still counting."""
    wrote = bool(store.notes(occ.id))
    declined = occ.status == OccurrenceStatus.DECLINED
    status = OccurrenceStatus.HELD if wrote else _no_notes(declined)
    # No etag: the next calendar read that lists the meeting has it looked at again.
    store.update_occurrence(occ.id, now, status=status, captured_at=now,
                            captured_fingerprint=occ.agenda_fingerprint,
                            read_back_at=next_look(replace(occ, status=status, captured_at=now),
                                                   recapture))
    (report.held if wrote else report.without_notes).append(label)
    log.info("capture.as_written", extra={"occurrence": occ.id})


def _template_text(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str
                   ) -> str | None:
    """This occurrence's agenda as text, as written into it (no Graph call): the parser
    compares each line with it, so the agenda's own lines - an organisation's own wording,
    and the words a report put into a topic - are recognised as ours and only what the
    manager changed in them counts (a topic "Budget (#1) done?" ticks nothing).

    The text kept when it was written, whatever the template has become since (an
    organisation's edited agenda.html.j2 must not turn the old wording still in invites into
    notes). Rendered again from what the store knows when none is kept (written before it
    was, or erased), or when an update's outcome is unknown (the invite may hold that one)."""
    from service.jobs.agenda import agenda_for, question_bank, render_block
    from service.jobs.overlaps import moved_why
    from service.jobs.series_plan import intro_html

    try:
        written = None if occ.agenda_sending else ctx.store.agenda_text(occ.id)
        if written is not None:
            block = f"{START}\n{written.rstrip(chr(10))}\n{END}\n"
        else:
            agenda = agenda_for(ctx, view, occ, zone,
                                question_bank(ctx.settings.agenda.templates))
            # (A template the release before wrote with a heading above its lines, refused
            # for writing since, still tells the lines of the agendas it wrote: else they
            # would all be read as the manager's notes.)
            block = html_to_text(render_block(ctx, agenda, view.pairing.key, to_write=False),
                                 rows=True)
        # The series' own text follows the block: with the block's end line deleted it is
        # inside what is read, and it is ours, not the manager's notes. (Put before our END
        # line: the parser takes the template's lines from within its markers.)
        series = (view.series if view.series is not None
                  and view.series.id == occ.series_id else ctx.store.series(occ.series_id))
        end = block.rfind(END)
        if series is None or end < 0:
            return block
        end = block.rfind("\n", 0, end) + 1
        intro = html_to_text(intro_html(series, view.manager, view.report), rows=True)
        # A series moved off a clash or out of changed working hours says why first ("New
        # time: …", any wording): a template line the body lacks is harmless.
        moved = [html_to_text(f"<p>New time: {escape(why)}</p>").strip()
                 for why in (moved_why(view.manager, True), moved_why(view.manager, False),
                             HOURS_MOVED_WHY)]
        return f"{block[:end]}{chr(10).join(moved)}\n{intro}\n{block[end:]}"
    except (ServiceError, ValueError) as exc:
        # Without it the parser still knows its built-in lines; notes are read regardless.
        log.warning("capture.template_failed", extra={"occurrence": occ.id, "error": str(exc)})
        return None
