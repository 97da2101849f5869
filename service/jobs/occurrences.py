"""Mirror a series' occurrences from Graph (moved, cancelled, declined) when it matters.

A series' occurrences are listed when one of its agendas falls due (the pattern says when,
locally), or when a recorded upcoming meeting of it changed. Changes are learnt from the
manager's calendar (calendarView/delta, one request per mailbox; a whole re-read when there
is no link yet, its window no longer reaches far enough, or Graph forgot it), read once
as each recorded meeting comes within a day of its start (one read serves all of that
manager's meetings). So the calendar reads cost about one request per meeting, whatever
the tick interval, and a tick with no meeting about to start reads no calendar at all.
A change made before then (moved, cancelled, deleted, declined) is found on the day before
the meeting, in time for its read-back and reminders; one made later, by the read-back
itself. A series deleted in Outlook is noticed by the same reads (its listing is gone).
The agenda and capture jobs address the occurrence by id and notice a deletion; capture
also reads the report's answer and the time at the end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.events import CalendarEvent
from service.domain.series import occurrences as series_occurrences
from service.domain.status import AgendaState, OccurrenceStatus, SeriesStatus
from service.domain.timing import agenda_due_at
from service.errors import NotFound, ServiceError
from service.graph.wire import CalendarChanges
from service.jobs.context import JobContext
from service.store.calendar_delta import DeltaLink, DeltaRepository

log = logging.getLogger(__name__)

# The body too: the agenda step writes into these occurrences without reading them again.
SELECT = "id,start,end,isCancelled,originalStart,type,attendees,body"
GAP_LOOK_AROUND = timedelta(days=60)  # how far a moved occurrence is looked for
# How far past the look-ahead a delta window reaches: it is re-read whole (one request)
# when the look-ahead outgrows it, about once a week.
DELTA_SLACK = timedelta(days=7)
# A manager's calendar is read once as each of their recorded meetings comes this close to
# its start: the one read that tells whether it still stands, and when.
WATCH_CLOSE = timedelta(hours=24)
# Outcomes the capture job decided; sync never undoes them.
KEEP = (OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES)


@dataclass
class SyncReport:
    series: int = 0
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # series the manager deleted in Outlook


def window(ctx: JobContext, now: datetime) -> tuple[datetime, datetime]:
    """From now to past the agenda lead time (working days, so weekends need slack)."""
    ahead = timedelta(days=ctx.settings.agenda.lead_working_days * 2 + 5)
    return now, now + ahead


def _working_days(person: Any) -> frozenset[int]:
    if person is not None and person.working_days:
        return frozenset(person.working_days)
    return frozenset({0, 1, 2, 3, 4})


def needs_sync(ctx: JobContext, series: Any, manager: Any, now: datetime,
               stored: list[Any]) -> bool:
    """True when some upcoming occurrence's agenda is due but not written yet."""
    return sync_until(ctx, series, manager, now, stored) is not None


def sync_until(ctx: JobContext, series: Any, manager: Any, now: datetime,
               stored: list[Any]) -> datetime | None:
    """The end of the window to list the series' occurrences in now for an agenda that is
    due, or None for no look. (Meetings already recorded are followed by the calendar's
    delta instead: see ``_changed_series``.)"""
    lo, hi = window(ctx, now)
    zone = ZoneInfo(series.time_zone)
    days = _working_days(manager)
    lead = ctx.settings.agenda.lead_working_days
    # A slot is settled once its agenda is written, it is cancelled, or it was moved (the
    # row's own start is then what counts, below).
    done = {o.original_start for o in stored if o.agenda_state != AgendaState.PENDING
            or o.status == OccurrenceStatus.CANCELLED or o.start != o.original_start}
    starts = [s for s, _ in series_occurrences(series, lo, hi)]
    starts += [o.start for o in stored if lo <= o.start < hi
               and o.agenda_state == AgendaState.PENDING
               and o.status != OccurrenceStatus.CANCELLED]
    for start in starts:
        if start in done:
            continue
        if agenda_due_at(start.astimezone(zone), lead, days) <= now:
            return hi
    return None


def _followed(occ: Any, now: datetime) -> bool:
    """A recorded meeting still to come whose changes the sync follows (a rebooked meeting
    is not in the series' list; cancelled and withdrawn ones are settled)."""
    return (occ.rebook_of is None and occ.captured_at is None and occ.start >= now
            and occ.status not in (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN))


async def _changed_series(ctx: JobContext, now: datetime, todo: list[tuple[Any, Any]],
                          report: SyncReport
                          ) -> tuple[dict[int, datetime], dict[str, DeltaLink | None]]:
    """Series id -> end of the window to list it in, for each series one of whose recorded
    upcoming meetings changed in its organizer's calendar since the last tick; and each
    mailbox's new delta link, to keep once those series are synced (not before: a run that
    dies in between must be told of the same changes again)."""
    links = DeltaRepository(ctx.store.engine).delta_links()
    need = window(ctx, now)[1]
    by_mailbox: dict[str, list[tuple[Any, Any]]] = {}
    for series, view in todo:
        by_mailbox.setdefault(series.mailbox.lower(), []).append((series, view))
    out: dict[int, datetime] = {}
    new_links: dict[str, DeltaLink | None] = {}
    for mailbox, members in by_mailbox.items():
        saved = links.get(mailbox)
        rows = _followed_rows(ctx, now, members)
        if not _read_due(saved, now, rows):
            continue
        if saved is not None and saved.end < need:
            saved = None  # the look-ahead outgrew its window: re-read a new one whole
        start, end = (saved.start, saved.end) if saved else (now, need + DELTA_SLACK)
        try:
            changes = await ctx.graph.calendar_changes(
                mailbox, saved.link if saved else None, start, end)
        except ServiceError as exc:
            report.failed.append(f"calendar {mailbox}: {exc}")
            log.warning("occurrences.failed", extra={"mailbox": mailbox, "error": str(exc)})
            continue
        ctx.events_seen.update((e.id, e) for e in changes.events if e.id in rows)
        for series_id, until in _touched(rows, changes, end).items():
            out[series_id] = max(until, out.get(series_id, until))
        new_links[mailbox] = DeltaLink(changes.link, start, end) if changes.link else None
    return out, new_links


def _keep_links(ctx: JobContext, now: datetime, new_links: dict[str, DeltaLink | None],
                failed: set[str]) -> None:
    """Store each mailbox's new delta link, except where a series failed to sync (its
    changes are asked for again next time, from the old link)."""
    repo = DeltaRepository(ctx.store.engine)
    for mailbox, link in new_links.items():
        if mailbox in failed:
            continue
        if link is None:
            repo.forget_delta_link(mailbox)
        else:
            repo.save_delta_link(mailbox, link, now)


def _followed_rows(ctx: JobContext, now: datetime, members: list[tuple[Any, Any]]
                   ) -> dict[str, tuple[Any, Any, Any]]:
    """Event id -> (series, view, occurrence) of one mailbox's recorded meetings to come."""
    rows: dict[str, tuple[Any, Any, Any]] = {}
    for series, view in members:
        for occ in ctx.store.occurrences(series.id):
            if occ.event_id and _followed(occ, now):
                rows[occ.event_id] = (series, view, occ)
    return rows


def _read_due(saved: DeltaLink | None, now: datetime,
              rows: dict[str, tuple[Any, Any, Any]]) -> bool:
    """Whether a manager's calendar is read this tick: once one of their recorded meetings
    is within WATCH_CLOSE of its start and the calendar was not read since it got there."""
    read_at = saved.read_at if saved is not None else None
    for _series, _view, occ in rows.values():
        near = occ.start - WATCH_CLOSE
        if near <= now and (read_at is None or read_at < near):
            return True
    return False


def _touched(rows: dict[str, tuple[Any, Any, Any]], changes: CalendarChanges,
             end: datetime) -> dict[int, datetime]:
    """The series of one mailbox whose recorded meetings the changes move, cancel, delete
    or answer differently (a body edit alone, such as our own agenda, changes nothing here)."""
    out: dict[int, datetime] = {}

    def touch(series: Any, when: datetime) -> None:
        until = when + timedelta(minutes=1)
        out[series.id] = max(until, out.get(series.id, until))

    listed = set()
    for item in changes.events:
        listed.add(item.id)
        hit = rows.get(item.id)
        if hit is None or item.start is None or item.end is None:
            continue
        series, view, occ = hit
        status, _original, start, end_ = occurrence_state(item, view.report.email)
        if occ.status in KEEP and status != OccurrenceStatus.CANCELLED:
            status = occ.status
        if (status, start, end_) != (occ.status, occ.start, occ.end):
            touch(series, max(start, occ.start))
    gone = set(changes.removed)
    if changes.full:  # a whole re-read lists everything in the window that is still there
        gone |= {i for i, (_s, _v, occ) in rows.items() if occ.start < end and i not in listed}
    for event_id in gone:
        hit = rows.get(event_id)
        if hit is not None:
            touch(hit[0], hit[2].start)
    return out


def report_declined(item: CalendarEvent, report_email: str) -> bool:
    """Whether the report declined this occurrence (the organizer's copy carries each
    attendee's answer)."""
    # Graph's responseStatus word for the report's answer, not one of our states.
    return any(a.email == report_email.lower() and a.response == "declined"
               for a in item.attendees)


def occurrence_state(item: CalendarEvent, report_email: str) -> tuple[str, datetime, datetime,
                                                                      datetime]:
    """(status, original start, start, end) of one instance as Graph returned it."""
    assert item.start is not None and item.end is not None  # asked for in SELECT
    start, end = item.start, item.end
    original = item.slot or start
    status = OccurrenceStatus.SCHEDULED
    if item.cancelled:
        status = OccurrenceStatus.CANCELLED
    else:
        if report_declined(item, report_email):
            status = OccurrenceStatus.DECLINED
        if status == OccurrenceStatus.SCHEDULED and start != original:
            status = OccurrenceStatus.MOVED
    return status, original, start, end


async def sync_occurrences(ctx: JobContext, now: datetime) -> SyncReport:
    """Upsert the occurrences of every live series that has one in the window."""
    report = SyncReport()
    lo, _ = window(ctx, now)
    store = ctx.store
    ctx.events_seen.clear()
    todo: list[tuple[Any, Any]] = []
    for series in store.all_live_series():
        # A superseded series (extended by a follow-on) still holds its last meetings.
        if series.status not in (SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED) or (
                not series.event_id):
            continue
        view = store.view_of_pairing(series.pairing_id)
        if view is not None:
            todo.append((series, view))
    touched, new_links = await _changed_series(ctx, now, todo, report) if todo else ({}, {})
    failed: set[str] = set()
    for series, view in todo:
        hi = sync_until(ctx, series, view.manager, now, store.occurrences(series.id))
        moved_to = touched.get(series.id)
        if moved_to is not None:
            hi = max(hi, moved_to) if hi is not None else moved_to
        if hi is None:
            continue
        report.series += 1
        failures = len(report.failed)
        try:
            items = await ctx.graph.instances(series.mailbox, series.event_id, lo, hi, SELECT)
        except NotFound:
            # The manager deleted the whole series in Outlook: shown, never recreated.
            store.mark_series_deleted(series.id, now)
            report.deleted.append(f"series {series.id} ({series.mailbox})")
            log.warning("schedule.series_deleted", extra={"series": series.id})
            continue
        except ServiceError as exc:
            failed.add(series.mailbox.lower())
            report.failed.append(f"series {series.id}: {exc}")
            log.warning("occurrences.failed", extra={"series": series.id, "error": str(exc)})
            continue
        # A single meeting booked to replace a missed one is not an instance of the series:
        # the series' instance list never shows it, so it is never marked moved or cancelled.
        known = {o.original_start: o for o in store.occurrences(series.id)
                 if o.rebook_of is None}
        seen = set()
        rows = []
        changed: dict[str, list[str]] = {OccurrenceStatus.MOVED: report.moved,
                                         OccurrenceStatus.CANCELLED: report.cancelled,
                                         OccurrenceStatus.DECLINED: report.declined}
        for item in items:
            ctx.events_seen[item.id] = item
            status, original, start, end = occurrence_state(item, view.report.email)
            seen.add(original)
            previous = known.get(original)
            if (previous is not None and previous.status in KEEP
                    and status != OccurrenceStatus.CANCELLED):
                status = previous.status
            if previous is not None and previous.status == OccurrenceStatus.WITHDRAWN:
                status = previous.status  # onetoone is cancelling it: its series ends
            if previous is None or previous.status != status:
                label = f"{view.manager.name} & {view.report.name} {start:%Y-%m-%d}"
                changed.get(status, []).append(label)
            rows.append({"event_id": item.id, "original_start": original, "start": start,
                         "end": end, "status": status})
        # An occurrence missing from the list was deleted by the organizer, or moved out of
        # the window: one GET tells which.
        for original, row in known.items():
            if (not (lo <= row.start < hi) or original in seen
                    or row.status in (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)):
                continue
            try:
                event = await ctx.graph.get_event(series.mailbox, row.event_id, SELECT)
            except ServiceError as exc:
                report.failed.append(f"series {series.id}: {exc}")
                continue
            if event is not None and not event.cancelled:
                status, _, start, end = occurrence_state(event, view.report.email)
                if row.status in KEEP:
                    status = row.status
                rows.append({"event_id": row.event_id, "original_start": original,
                             "start": start, "end": end, "status": status})
                continue
            rows.append({"event_id": row.event_id, "original_start": original,
                         "start": row.start, "end": row.end,
                         "status": OccurrenceStatus.CANCELLED})
            report.cancelled.append(f"{view.manager.name} & {view.report.name} "
                                    f"{row.start:%Y-%m-%d}")
        rows += await _unlisted_slots(ctx, series, view, lo, hi, seen, known, report, items)
        store.upsert_occurrences(series.id, rows, now)
        _number(ctx, series.pairing_id, now)
        if len(report.failed) > failures:
            failed.add(series.mailbox.lower())
    _keep_links(ctx, now, new_links, failed)
    return report


async def _unlisted_slots(ctx: JobContext, series: Any, view: Any, lo: datetime, hi: datetime,
                          seen: set[datetime], known: dict[datetime, Any], report: SyncReport,
                          listed: list[CalendarEvent]) -> list[dict[str, Any]]:
    """Slots of the series' pattern in the window that Outlook doesn't list and we never
    stored: deleted by the organizer before we first looked (Graph's instances omit deleted
    occurrences), or moved outside the window. One wider look tells which, so a meeting
    cancelled weeks ahead is recorded as cancelled rather than silently missing."""
    gaps = [start for start, _end in series_occurrences(series, lo, hi)
            if start not in seen and start not in known]
    if not gaps or _off_pattern(series, listed, lo, hi):
        return []
    wide_lo, wide_hi = lo - GAP_LOOK_AROUND, hi + GAP_LOOK_AROUND
    try:
        items = await ctx.graph.instances(series.mailbox, series.event_id, wide_lo, wide_hi,
                                          SELECT)
    except ServiceError as exc:
        report.failed.append(f"series {series.id}: {exc}")
        return []
    if _off_pattern(series, items, wide_lo, wide_hi):
        return []
    by_original = {i.slot: i for i in items}
    rows: list[dict[str, Any]] = []
    for start in gaps:
        item = by_original.get(start)
        if item is not None:  # moved outside the window: record it at its new time
            status, original, new_start, end = occurrence_state(item, view.report.email)
            rows.append({"event_id": item.id, "original_start": original,
                         "start": new_start, "end": end, "status": status})
            continue
        rows.append({"event_id": "", "original_start": start, "start": start,
                     "end": start + timedelta(minutes=series.minutes),
                     "status": OccurrenceStatus.CANCELLED})
        report.cancelled.append(f"{view.manager.name} & {view.report.name} {start:%Y-%m-%d}")
    return rows


def _number(ctx: JobContext, pairing_id: int, now: datetime) -> None:
    """Meeting numbers count the pair's meetings that were not cancelled, oldest first."""
    n = 0
    for occ in ctx.store.pairing_occurrences(pairing_id):
        if occ.status == OccurrenceStatus.CANCELLED:
            continue
        n += 1
        if occ.meeting_number != n:
            ctx.store.update_occurrence(occ.id, now, meeting_number=n)


def _off_pattern(series: Any, items: list[CalendarEvent], lo: datetime, hi: datetime) -> bool:
    """Whether Outlook lists occurrences whose original slot (inside [lo, hi)) is not on our
    stored pattern: the whole series was re-timed there, so every one of our slots would look
    deleted. Nothing is then inferred from gaps (and no wider look is spent on it)."""
    pattern = {start for start, _end in series_occurrences(series, lo, hi)}
    for item in items:
        original = item.slot
        if original is not None and lo <= original < hi and original not in pattern:
            log.warning("occurrences.pattern_changed", extra={"series": series.id})
            return True
    return False
