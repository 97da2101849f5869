"""Read back what the manager typed into each occurrence after the meeting.

Runs after the meeting ends plus a grace period, then once a day for [agenda]
recapture_days so later edits are picked up. Re-reading the same text changes nothing:
notes from an occurrence are replaced as a whole (each changed reading is also kept, as a
version with its time, for the evidence record), and each action line is recorded once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.domain.agenda import OpenAction
from service.domain.body import block_text, fingerprint
from service.domain.htmltext import html_to_text
from service.domain.notes import action_fingerprint, parse_block
from service.domain.records import OccurrenceRecord, PairingView
from service.domain.status import ActionStatus, OccurrenceStatus
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.jobs.occurrences import report_declined

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
RECHECK = timedelta(hours=24)


@dataclass
class CaptureReport:
    held: list[str] = field(default_factory=list)
    without_notes: list[str] = field(default_factory=list)
    actions_added: int = 0
    actions_closed: int = 0
    failed: list[str] = field(default_factory=list)


def due_for_capture(occ: OccurrenceRecord, now: datetime, grace: timedelta,
                    recapture: timedelta) -> bool:
    """Read at end + grace, again a day later (an action ticked the next day, or notes
    typed late, which also stop the reminder decided right after), and once more at the
    end of the recapture window: later edits are picked up for at most three reads per
    meeting."""
    if occ.status == OccurrenceStatus.CANCELLED or occ.end + grace > now:
        return False
    if occ.captured_at is None:
        return True
    return any(occ.captured_at < mark <= now
               for mark in (occ.end + RECHECK, occ.end + recapture))


def _no_notes(declined: bool) -> OccurrenceStatus:
    """A meeting nothing was typed in: declined stays declined (the report said no), so
    it gets no reminder."""
    return OccurrenceStatus.DECLINED if declined else OccurrenceStatus.HELD_NO_NOTES


async def capture_notes(ctx: JobContext, now: datetime) -> CaptureReport:
    report = CaptureReport()
    cfg = ctx.settings.agenda
    store = ctx.store
    grace = timedelta(minutes=cfg.grace_minutes)
    # A day of slack past the window so the last read (at end + recapture_days) is found.
    for occ in store.occurrences_ended_between(now - timedelta(days=cfg.recapture_days + 1),
                                               now - grace + timedelta(seconds=1)):
        if not due_for_capture(occ, now, grace, timedelta(days=cfg.recapture_days)):
            continue
        context = store.occurrence_context(occ)
        if context is None:
            continue
        series, view = context
        label = f"{view.manager.name} & {view.report.name} {occ.start:%Y-%m-%d}"
        if not store.claim(view.pairing.id, ctx.worker_id, now, LEASE):
            continue
        try:
            fresh = store.occurrence(occ.id)
            if fresh is None or fresh.captured_at != occ.captured_at:
                continue  # another replica read it between our read and our claim
            await _capture_one(ctx, view, fresh, series.time_zone, now, report, label)
        except ServiceError as exc:
            report.failed.append(f"{label}: {exc}")
            log.error("capture.failed", extra={"occurrence": occ.id, "error": str(exc)})
        finally:
            store.release(view.pairing.id, ctx.worker_id)
    return report


async def _capture_one(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
                       now: datetime, report: CaptureReport, label: str) -> None:
    store = ctx.store
    event = await ctx.graph.get_event(view.manager.id, occ.event_id,
                                      "body,isCancelled,start,end,attendees", text_body=True)
    if event is None or event.cancelled or event.start is None or event.end is None:
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.CANCELLED, captured_at=now)
        return
    start, end = event.start, event.end
    if end + timedelta(minutes=ctx.settings.agenda.grace_minutes) > now:
        # Moved to later since we last looked: it hasn't happened yet.
        store.update_occurrence(occ.id, now, start=start, end=end,
                                status=OccurrenceStatus.MOVED)
        return
    if (start, end) != (occ.start, occ.end):  # moved earlier: the reminder follows it
        store.update_occurrence(occ.id, now, start=start, end=end)
    # The report's answer as it is now (the manager's copy carries it): a decline made
    # after the agenda went in is noticed here, before any reminder is queued.
    declined = (report_declined(event, view.report.email) if event.attendees
                else occ.status == OccurrenceStatus.DECLINED)
    text = block_text(event.body)
    if text is None:
        # No agenda block (never injected, or removed): nothing to read as notes.
        if occ.captured_at is None:
            store.update_occurrence(occ.id, now, status=_no_notes(declined),
                                    captured_at=now)
            report.without_notes.append(label)
        return
    fp = fingerprint(text)
    if fp == occ.captured_fingerprint:
        store.update_occurrence(occ.id, now, captured_at=now)
        return
    open_actions = [OpenAction(id=a.id, owner=a.owner, text=a.text, due=a.due,
                               raised_on=a.raised_on, carried=a.carried)
                    for a in store.open_actions(view.pairing.id)
                    if a.raised_occurrence_id != occ.id]
    meeting_date = occ.start.astimezone(ZoneInfo(zone)).date()
    parsed = parse_block(text, open_actions, meeting_date=meeting_date,
                         manager_name=view.manager.name, report_name=view.report.name,
                         template=_template_text(ctx, view, occ, zone))
    store.replace_outlook_notes(view.pairing.id, occ.id, parsed.notes, now,
                                actions=parsed.new_actions)
    added = 0
    done_now: list[int] = []
    in_body: set[str] = set()
    for action in parsed.new_actions:
        identity = action_fingerprint(action.owner, action.text, action.due)
        in_body.add(identity)
        if store.add_action(pairing_id=view.pairing.id, occurrence_id=occ.id,
                            owner=action.owner, text=action.text, due=action.due,
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
    closed = store.close_actions(parsed.closed_ids, occ.id, now, pairing_id=view.pairing.id)
    if parsed.topics_discussed:
        store.topics_discussed(parsed.topics_discussed, occ.id)
    # Notes added with `onetoone notes add` count as notes too (the summary carries them).
    wrote = bool(parsed.notes or parsed.new_actions or parsed.closed_ids
                 or store.notes(occ.id))
    status = OccurrenceStatus.HELD if wrote else _no_notes(declined)
    store.update_occurrence(occ.id, now, status=status, captured_at=now,
                            captured_fingerprint=fp)
    report.actions_added += added
    report.actions_closed += closed
    (report.held if wrote else report.without_notes).append(label)
    log.info("capture.read", extra={"occurrence": occ.id, "notes": len(parsed.notes),
                                    "actions_added": added, "actions_closed": closed})


def _template_text(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str
                   ) -> str | None:
    """This occurrence's agenda rendered again from what the store knows (no Graph call), as
    text: the parser compares each line with it, so the agenda's own lines - an organisation's
    own wording, and the words a report put into a topic - are recognised as ours and only
    what the manager changed in them counts (a topic "Budget (#1) done?" ticks nothing)."""
    from service.jobs.agenda import agenda_for, question_bank, render_block

    try:
        agenda = agenda_for(ctx, view, occ, zone, question_bank(ctx.settings.agenda.templates))
        return html_to_text(render_block(ctx, agenda, view.pairing.key))
    except (ServiceError, ValueError) as exc:
        # Without it the parser still knows its built-in lines; notes are read regardless.
        log.warning("capture.template_failed", extra={"occurrence": occ.id, "error": str(exc)})
        return None
