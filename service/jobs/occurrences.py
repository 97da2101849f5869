"""Mirror a series' occurrences from Graph (moved, cancelled, declined) when it matters.

A series' occurrences are listed when one of its agendas falls due (the pattern says when,
locally), or when a recorded upcoming meeting of it changed. Changes are learnt from the
manager's calendar (calendarView/delta, one request per mailbox; a whole re-read when there
is no link yet, its window no longer reaches far enough, or Graph forgot it), read once
as each recorded meeting comes within a day of its start and again as its notes fall due
(one read serves all of that manager's meetings). So the calendar reads cost about two
requests per meeting, whatever the tick interval, and a tick with no meeting about to
start or just ended reads no calendar at all. The window reaches back over the meetings
whose notes may still be read back, so the same reads tell the capture job which of those
changed, and carry their bodies (see ``domain.readback`` and ``jobs.notes_seen``).
A change made before then (moved, cancelled, deleted, declined) is found on the day before
the meeting, in time for its read-back and reminders; one made later, by the read-back
itself. A series deleted in Outlook is noticed by the same reads (its listing is gone).
The agenda and capture jobs address the occurrence by id and notice a deletion; capture
also reads the report's answer and the time at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.domain.events import CalendarEvent
from service.domain.instances import move_undone, occurrence_state
from service.domain.readback import CalendarRead, owed, reach, read_late
from service.domain.records import by_address
from service.domain.retime import (
    PATTERN_COLUMNS,
    after_retime,
    as_settled,
    looks_retimed,
    unlisted_slot,
    vanished,
    went_with_series,
    withdrawn_unlisted,
)
from service.domain.series import TICK, listing_due_at, listing_retry_at
from service.domain.series import occurrences as series_occurrences
from service.domain.status import AgendaState, OccurrenceStatus
from service.errors import NotFound, PermissionDenied, ServiceError
from service.graph.wire import CalendarChanges, mailbox_gone
from service.jobs.context import JobContext
from service.jobs.moved_in import moved_in, series_by_master
from service.jobs.notes_seen import (
    changed_unread,
    next_agendas,
    read_backs_now,
    still_to_come,
    unread_since_due,
)
from service.jobs.retimed import MASTER_UNREAD, UNFOLLOWABLE, outlook_pattern
from service.jobs.series_listing import SELECT, list_series
from service.jobs.series_plan import MOVING
from service.store.calendar_delta import DeltaLink, DeltaRepository

log = logging.getLogger(__name__)

GAP_LOOK_AROUND = timedelta(days=60)  # how far a moved occurrence is looked for
# How far past the look-ahead a delta window reaches: it is re-read whole (one request)
# when the look-ahead outgrows it, about once a week.
DELTA_SLACK = timedelta(days=7)
# A manager's calendar is read once as each of their recorded meetings comes this close to
# its start: the one read that tells whether it still stands, and when.
WATCH_CLOSE = timedelta(hours=24)
# Series whose stored meetings are read together (see _with_meetings).
MEETINGS_AT_ONCE = 250
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
    retimed: list[str] = field(default_factory=list)  # whole series re-timed in Outlook
    # Series the manager changed in Outlook to a pattern onetoone cannot book.
    unfollowable: list[str] = field(default_factory=list)
    # Series the manager cut short in Outlook (an earlier end): meetings after it withdrawn.
    cut: list[str] = field(default_factory=list)


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
    hi = window(ctx, now)[1]
    due = next_listing(ctx, series, manager, now, stored)
    return hi if due is not None and due <= now else None


def next_listing(ctx: JobContext, series: Any, manager: Any, now: datetime,
                 stored: list[Any]) -> datetime | None:
    """When the series must next be listed for an agenda falling due (``now`` when it must
    be now; None: never), with its stored meetings as they are."""
    lo, hi = window(ctx, now)
    cfg = ctx.settings.agenda
    return listing_due_at(series, stored, now, lead_working_days=cfg.lead_working_days,
                          working_days=_working_days(manager), ahead=hi - lo,
                          grace_minutes=cfg.grace_minutes)


def _followed(occ: Any, now: datetime) -> bool:
    """A recorded meeting still to come whose changes the sync follows (a rebooked meeting
    is not in the series' list; cancelled and withdrawn ones are settled)."""
    return (occ.rebook_of is None and occ.captured_at is None and occ.start >= now
            and occ.status not in (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN))


async def _changed_series(ctx: JobContext, now: datetime, report: SyncReport
                          ) -> tuple[dict[int, tuple[datetime, Any, Any]],
                                     dict[str, DeltaLink | None]]:
    """Series id -> (end of the window to list it in, series, view), for each series one of
    whose recorded upcoming meetings changed in its organizer's calendar since the last
    tick; and each mailbox's new delta link, to keep once those series are synced (not
    before: a run that dies in between must be told of the same changes again). Only the
    calendars with a recorded meeting about to start are looked at (one indexed read)."""
    # (Inclusive: a meeting exactly WATCH_CLOSE away counts.)
    near = ctx.store.followed_starts(now, now + WATCH_CLOSE + TICK)
    cfg = ctx.settings.agenda
    recapture = timedelta(days=cfg.recapture_days)
    # Meetings whose notes fall due (``firsts``): their calendar is read instead of each
    # event.
    again, firsts = read_backs_now(ctx, now)
    links = (DeltaRepository(ctx.store.engine).delta_links(
        set(near) | {m for _occ, m in again + firsts}) if near or again or firsts else {})
    firsts = unread_since_due(ctx, firsts, links)
    # Meetings already read back whose re-read can wait no longer: their manager's calendar
    # is read instead (one read vouches for all of theirs; see domain.readback).
    owed_from: dict[str, datetime] = {}
    next_agenda = next_agendas(ctx, (occ for occ, _mailbox in again))
    for occ, mailbox in again:
        if owed(occ, now, timedelta(minutes=cfg.grace_minutes), recapture,
                calendar_read_at(links.get(mailbox), occ), next_agenda.get(occ.id)):
            owed_from[mailbox] = min(occ.start, owed_from.get(mailbox, occ.start))
    for occ, mailbox in firsts:
        owed_from[mailbox] = min(occ.start, owed_from.get(mailbox, occ.start))
    due = sorted({m for m, starts in near.items() if _read_due(links.get(m), now, starts)}
                 | set(owed_from))
    if not due:
        return {}, {}
    by_mailbox: dict[str, dict[str, tuple[Any, Any, Any]]] = {m: {} for m in due}
    for occ, series, view in ctx.store.followed_from(now, mailboxes=due):
        if occ.event_id and _followed(occ, now):
            by_mailbox[series.mailbox.lower()][occ.event_id] = (series, view, occ)
    need = window(ctx, now)[1]
    by_master = series_by_master(ctx, due, now)
    came_due = still_to_come(ctx, firsts)
    back = reach(recapture)
    out: dict[int, tuple[datetime, Any, Any]] = {}
    new_links: dict[str, DeltaLink | None] = {}
    for mailbox in due:
        rows = by_mailbox[mailbox]
        saved = links.get(mailbox)
        if saved is not None and (saved.end < need or saved.start > owed_from.get(
                mailbox, saved.start)):
            # The look-ahead outgrew its window, or a meeting to vouch for is before it: read
            # a new one whole.
            saved = None
        start, end = (saved.start, saved.end) if saved else (now - back, need + DELTA_SLACK)
        try:
            changes = await ctx.graph.calendar_changes(
                mailbox, saved.link if saved else None, start, end)
        except ServiceError as exc:
            email = _named(mailbox, rows, by_master)
            if not (isinstance(exc, NotFound) and mailbox_gone(exc) and not by_master[mailbox]):
                report.failed.append(f"calendar of {email}: {by_address(exc, mailbox, email)}")
            # (Gone with no series left holding meetings in it: capture settles the meetings
            # left to re-read.) By address, as the run's output: the id tells no one who.
            log.warning("occurrences.failed", extra={
                "mailbox": email, "error": by_address(exc, mailbox, email)})
            continue
        events = {e.id: e for e in changes.events}
        for occ, series, view in came_due.get(mailbox, ()):  # listed later than recorded
            e = events.get(occ.event_id)
            if e is not None and not e.cancelled and e.start is not None and e.start >= now:
                rows[occ.event_id] = (series, view, occ)
        # Not a plain occurrence: delta shows one without its body or attendees (the agenda
        # written from it would drop the rest of the invite), so it is listed or read instead.
        ctx.saw(e for e in changes.events if e.id in rows and e.type != "occurrence")
        views = {series.id: (series, view) for series, view, _occ in rows.values()}
        seen = CalendarRead(events, frozenset(changes.removed), changes.full, start, end)
        touched = _touched(rows, changes, seen)
        # An occurrence not recorded yet that the manager moved into the look-ahead (to
        # an earlier day than its slot): listed now, so its agenda is not missed.
        masters = by_master.get(mailbox, {})
        for series_id, until in moved_in(masters, rows, changes, now, need).items():
            touched[series_id] = max(until, touched.get(series_id, until))
            views.update((s.id, (s, v)) for s, v in masters.values() if s.id == series_id)
        for series_id, until in touched.items():
            before = out.get(series_id)
            out[series_id] = (max(until, before[0]) if before else until, *views[series_id])
        new_links[mailbox] = DeltaLink(changes.link, start, end) if changes.link else None
        ctx.calendars_read[mailbox] = seen
    # Meetings read back lately: a calendar read that lists one changed has it read again,
    # and one that does not vouches for it (see domain.readback). Looked up after the reads,
    # so one another run read back meanwhile is among them, and marked later than that.
    seen_at: dict[int, datetime] = {}
    for mailbox, past in ctx.store.read_back_since(now - back, ctx.calendars_read).items():
        # By etag, not by being listed: a whole re-read lists everything.
        for e in ctx.calendars_read[mailbox].events.values():
            read = past.get(e.id)
            if read is not None and (e.etag is None or e.etag != read.captured_etag):
                assert read.captured_at is not None  # (what read_back_since finds)
                seen_at[read.id] = max(now, read.captured_at + timedelta(seconds=1))
    changed = list(seen_at) + changed_unread(ctx, ctx.calendars_read)
    # Before the links are kept: a run that dies in between is told of them again.
    ctx.store.mark_changed(changed, now, seen_at=seen_at)
    return out, new_links


def _named(mailbox: str, rows: dict[str, tuple[Any, Any, Any]],
           by_master: dict[str, dict[str, tuple[Any, Any]]]) -> str:
    """The manager's email for a mailbox read by its directory id (which tells no one who)."""
    views = [v for _s, v, _o in rows.values()] + [v for _s, v in by_master[mailbox].values()]
    return views[0].manager.email if views else mailbox


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


def calendar_read_at(link: DeltaLink | None, occ: Any) -> datetime | None:
    """When the manager's calendar was last read with a window holding this meeting."""
    if link is None or not (link.start <= occ.start and occ.end <= link.end):
        return None
    return link.read_at


def _read_due(saved: DeltaLink | None, now: datetime, starts: list[datetime]) -> bool:
    """Whether a manager's calendar is read this tick: once one of their recorded meetings
    (``starts``) is within WATCH_CLOSE of its start and the calendar was not read since it
    got there."""
    read_at = saved.read_at if saved is not None else None
    for start in starts:
        near = start - WATCH_CLOSE
        if near <= now and (read_at is None or read_at < near):
            return True
    return False


def _touched(rows: dict[str, tuple[Any, Any, Any]], changes: CalendarChanges,
             read: CalendarRead) -> dict[int, datetime]:
    """The series of one mailbox whose recorded meetings the changes move, cancel, delete
    or answer differently (a body edit alone, such as our own agenda, changes nothing here),
    or that the read finds gone (``CalendarRead.gone``)."""
    out: dict[int, datetime] = {}

    def touch(series: Any, when: datetime) -> None:
        until = when + timedelta(minutes=1)
        out[series.id] = max(until, out.get(series.id, until))

    for item in changes.events:
        hit = rows.get(item.id)
        if hit is None or item.start is None or item.end is None:
            continue
        series, view, occ = hit
        status, _original, start, end_ = occurrence_state(item, view.report.email)
        if occ.status in KEEP and status != OccurrenceStatus.CANCELLED:
            status = occ.status
        if (status, start, end_) != (occ.status, occ.start, occ.end) or (
                _agenda_dropped(item, occ)):
            touch(series, max(start, occ.start))
    for event_id, (series, _view, occ) in rows.items():
        if read.gone(event_id, series.event_id, occ.start):
            touch(series, occ.start)
    return out


def _agenda_dropped(item: CalendarEvent, occ: Any) -> bool:
    """Whether Outlook shows a meeting whose agenda went in as a plain occurrence again:
    writing the agenda made it an exception, and a change to the whole series (its times,
    even put back as they were, or its end date) dropped every exception, the agenda with
    them. (A manager who deletes the agenda from one meeting leaves it an exception.)"""
    return (item.type == "occurrence" and occ.agenda_state == AgendaState.INJECTED
            and occ.captured_at is None)


async def sync_occurrences(ctx: JobContext, now: datetime) -> SyncReport:
    """Upsert the occurrences of every series (active or superseded) that has one in the
    window to list now: an agenda falling due (the series whose stored due instant has
    come, one indexed read), or a recorded meeting changed in the calendar."""
    report = SyncReport()
    store = ctx.store
    ctx.events_seen.clear()
    ctx.calendars_read.clear()
    # The stored instants were worked out with the lead time and the read-back grace (an
    # agenda waits for the meeting before it to be read back): a new one makes them stale.
    cfg = ctx.settings.agenda
    store.use_due_basis(f"lead_working_days={cfg.lead_working_days} "
                        f"grace_minutes={cfg.grace_minutes}")
    touched, new_links = await _changed_series(ctx, now, report)
    failed, _ = await _list_due(ctx, now, set(store.series_due_ids(now)),
                                {sid: t[0] for sid, t in touched.items()}, report)
    _keep_links(ctx, now, new_links, failed)
    return report


async def list_now(ctx: JobContext, now: datetime, until: Mapping[int, datetime]
                   ) -> tuple[set[int], SyncReport]:
    """The sync of these series now, each listed to at least its instant in ``until`` (see
    jobs/prep_recheck.py): the series listed and recorded, and what the listings found."""
    report = SyncReport()
    return (await _list_due(ctx, now, set(), until, report))[1], report


async def _list_due(ctx: JobContext, now: datetime, due: set[int],
                    until: Mapping[int, datetime], report: SyncReport
                    ) -> tuple[set[str], set[int]]:
    """List the series whose listing is due (``due``) and those in ``until``, record their
    meetings and next due instants: the mailboxes where one failed, and the series listed."""
    # Each instant is stored only if nothing changed since it was read with the series (see
    # set_series_due). A series in ``until`` is always listed, and read again after that.
    next_due: dict[int, tuple[datetime | None, int]] = {}
    read: dict[int, tuple[datetime | None, int]] = {}  # of those listed: no longer failing
    failed: set[str] = set()
    held: dict[int, bool] = {}  # series whose listing failed: whether it lasts
    for part in _with_meetings(ctx, due | set(until)):
        listed: list[tuple[Any, Any, datetime]] = []
        for series, view, stored, version in part:
            if not series.event_id:
                continue  # (never: only created series are found)
            hi = sync_until(ctx, series, view.manager, now, stored)
            if (wanted := until.get(series.id)) is not None:
                hi = max(hi, wanted) if hi is not None else wanted
            if hi is None:
                next_due[series.id] = (next_listing(ctx, series, view.manager, now, stored),
                                       version if series.id in due else -1)
            else:
                listed.append((series, view, hi))
        read.update(await _list_part(ctx, now, listed, report, failed, held))
    ctx.store.set_series_due({**next_due, **read}, listed=read.keys())
    ctx.store.hold_failed_listings(held, now, listing_retry_at)  # (see listing_retry_at)
    return failed, set(read)


async def _list_part(ctx: JobContext, now: datetime, listed: list[tuple[Any, Any, datetime]],
                     report: SyncReport, failed: set[str], held: dict[int, bool]
                     ) -> dict[int, tuple[datetime | None, int]]:
    """List each series' occurrences (side by side: the transport keeps Graph's per-mailbox
    limit) and record them in turn; returns the next due instant of each series synced."""
    lo = window(ctx, now)[0]
    answers = await list_series(ctx, lo, [(series, hi) for series, _view, hi in listed])
    store = ctx.store
    # Read after the listings, in one statement: what each series has stored now.
    known_of = store.occurrences_of(series.id for series, _view, _hi in listed)
    synced: list[int] = []
    # Stored together once the part is read (one transaction: a kill before it leaves the
    # part unsynced, its due instants and delta links unkept, so it is listed again).
    upserts: list[tuple[int, list[dict[str, Any]], int | None]] = []
    # Patterns taken from Outlook (the columns as read, and as Outlook has them) and the
    # meetings they settle, stored with the part's meetings (one transaction).
    retimed: dict[int, tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]] = {}
    for (series, view, hi), items in zip(listed, answers, strict=True):
        report.series += 1
        failures = len(report.failed)
        if isinstance(items, NotFound) and not mailbox_gone(items):
            # The manager deleted the whole series in Outlook: shown, never recreated. (A
            # mailbox not found, or without Exchange for now, is a failure: a licence change
            # or a mailbox move, which the directory sync follows if the person left.)
            store.mark_series_deleted(series.id, now)
            # Its meetings stored ahead (for their agendas) went with it: withdrawn, not
            # read back later as passed without notes (a reminder, a missed 1-2-1).
            store.withdraw_upcoming(series.id, now)
            report.deleted.append(f"{view.manager.name} & {view.report.name}")
            log.warning("schedule.series_deleted", extra={"series": series.id})
            continue
        if isinstance(items, ServiceError):
            failed.add(series.mailbox.lower())
            # Denied, or the mailbox gone (a deleted series went above): until someone acts.
            held[series.id] = isinstance(items, PermissionDenied | NotFound)
            report.failed.append(view.calendar_failure(items))
            log.warning("occurrences.failed", extra={
                "series": series.id, "mailbox": view.manager.email,
                "error": by_address(items, view.manager.id, view.manager.email)})
            continue
        stored, settled = known_of[series.id], []
        if (looks_retimed(series, items, lo, hi) or vanished(stored, items, lo, hi)
                or unlisted_slot(series, stored, items, lo, hi)) and (
                not series.slot_note.startswith(MOVING)):
            # (While onetoone moves a series itself, the store leads Outlook: not this.)
            adopted = await outlook_pattern(ctx, series, view, now, report)
            if adopted == MASTER_UNREAD:
                # Nothing is inferred from the gaps without the master (the old slots'
                # meetings would look deleted): the next run lists the series again.
                failed.add(series.mailbox.lower())
                held[series.id] = False
                continue
            before = {name: getattr(series, name) for name in PATTERN_COLUMNS}
            columns: dict[str, Any] = {}
            if adopted == UNFOLLOWABLE:
                settled = withdrawn_unlisted(stored, items, lo, hi, now)
            elif isinstance(adopted, tuple):
                series, columns = adopted
                settled = after_retime(series, stored, now)
            if columns or settled:
                retimed[series.id] = (before, columns, settled)
            stored = as_settled(stored, settled)
        rows = await _rows(ctx, series, view, lo, hi, items, stored, report)
        rows = read_late(rows, stored, now, timedelta(days=ctx.settings.agenda.recapture_days))
        upserts.append((series.id, rows, series.pairing_id))
        if len(report.failed) > failures:
            failed.add(series.mailbox.lower())
            held[series.id] = False
        else:
            synced.append(series.id)
    store.upsert_occurrences_of(upserts, now, retimed=retimed)
    # Read again: the series and its manager's days with the version, then its meetings as
    # this sync left them.
    fresh_of = store.series_views(synced)
    stored_of = store.occurrences_of(synced)
    return {sid: (next_listing(ctx, fresh.series, fresh.view.manager, now, stored_of[sid]),
                  fresh.version)
            for sid in synced if (fresh := fresh_of.get(sid)) is not None}


async def _rows(ctx: JobContext, series: Any, view: Any, lo: datetime, hi: datetime,
                items: list[CalendarEvent], stored: list[Any], report: SyncReport
                ) -> list[dict[str, Any]]:
    """The rows to upsert for one series from its instances listed in [lo, hi)."""
    # A single meeting booked to replace a missed one is not an instance of the series:
    # the series' instance list never shows it, so it is never marked moved or cancelled.
    known = {o.original_start: o for o in stored if o.rebook_of is None}
    seen = set()
    rows = []
    changed: dict[str, list[str]] = {OccurrenceStatus.MOVED: report.moved,
                                     OccurrenceStatus.CANCELLED: report.cancelled,
                                     OccurrenceStatus.DECLINED: report.declined}
    ctx.saw(items)
    for item in items:
        status, original, start, end = occurrence_state(item, view.report.email)
        seen.add(original)
        previous = known.get(original)
        if (previous is not None and previous.status in KEEP
                and status != OccurrenceStatus.CANCELLED):
            status = previous.status
        if previous is not None and previous.status == OccurrenceStatus.WITHDRAWN:
            status = previous.status  # onetoone is cancelling it: its series ends
        if previous is None or previous.status != status:
            label = view.meeting(start, series.time_zone)
            changed.get(status, []).append(label)
        row = {"event_id": item.id, "original_start": original, "start": start, "end": end,
               "status": status}
        if previous is not None and _agenda_dropped(item, previous) and start >= lo:
            row["agenda_state"] = AgendaState.PENDING  # written again when due
        if previous is not None and move_undone(previous, original, start):
            # On the absent day again: checked again, as a meeting never moved.
            row.update(absence_state=None, absence_checked_at=None, moved_reason=None)
        rows.append(row)
    # An occurrence missing from the list was deleted by the organizer, or moved out of the
    # window: one GET tells which (not one its series took with it: went_with_series).
    for original, row in known.items():
        if (not (lo <= row.start < hi) or original in seen or went_with_series(series, row)
                or row.status in (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)):
            continue
        try:
            event = await ctx.graph.get_event(series.mailbox, row.event_id, SELECT)
        except ServiceError as exc:
            report.failed.append(view.calendar_failure(exc))
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
        report.cancelled.append(view.meeting(row.start, series.time_zone))
    return rows + await _unlisted_slots(ctx, series, view, lo, hi, seen, known, report, items)


def _with_meetings(ctx: JobContext, ids: set[int]
                   ) -> Iterator[list[tuple[Any, Any, list[Any], int]]]:
    """The series (by id) a few hundred at a time, each with its pairing, its stored
    meetings and the version of its due instant: after an upgrade or a rollout every series
    is looked at at once, and their views and histories need not all be in memory together."""
    order = sorted(ids)
    for at in range(0, len(order), MEETINGS_AT_ONCE):
        part = order[at:at + MEETINGS_AT_ONCE]
        views = ctx.store.series_views(part)
        stored_of = ctx.store.occurrences_of(part)
        yield [(one.series, one.view, stored_of[sid], one.version)
               for sid in part if (one := views.get(sid)) is not None]


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
        report.failed.append(view.calendar_failure(exc))
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
        report.cancelled.append(view.meeting(start, series.time_zone))
    return rows


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
