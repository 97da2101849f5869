"""What every step of the schedule job shares: the run's state and report, the series'
times, and the Graph and store steps more than one step takes (ending a series, claiming a
pairing, the planning lock, every person's booked 1-2-1s, the invite text)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.adoption import adoptable
from service.domain.cadence import add_months
from service.domain.events import CalendarEvent, MailboxInfo
from service.domain.model import WEEKDAYS, CadenceKind, WorkingHours
from service.domain.records import (
    OccurrenceRecord,
    PairingView,
    PersonRecord,
    SeriesRecord,
)
from service.domain.series import (
    WindowOccurrences,
    listed_until,
    outlook_range_end,
)
from service.domain.status import (
    ENDING,
    HOLDING_SERIES,
    LIVE_SERIES,
    OccurrenceStatus,
    PairingStatus,
    SeriesStatus,
)
from service.domain.timezones import to_iana
from service.errors import (
    GraphError,
    NotFound,
    ServiceError,
)
from service.graph.wire import (
    CADENCE_TEXT,
    PAIRING_PROPERTY,
    mailbox_gone,
    series_ended_patch,
)
from service.jobs.context import JobContext
from service.jobs.runs_on import RunsOnSteps
from service.jobs.series_orphans import OrphanSteps, passing
from service.render import render

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
# isOnlineMeeting: an adopted series is recorded online as it is (its rebooked meetings too).
ADOPT_SELECT = ("id,iCalUId,type,isCancelled,start,end,recurrence,originalStartTimeZone,"
                "isOnlineMeeting")
MANAGERS_AT_ONCE = 16
PLAN_LOCK = "schedule.plan"
PLAN_LEASE = timedelta(minutes=2)
PLAN_WAIT_TRIES = 120  # about 100 s of waiting in all
MOVING = "moving: "  # slot_note of a series whose move is stored but maybe not yet in Outlook
# How far ahead other 1-2-1s are checked when choosing a slot: longer than the look-ahead,
# because a fortnightly and a monthly series can first meet in month three.
TAKEN_HORIZON = timedelta(days=371)
# How far before now a series ending on or before its first day is looked at for a meeting
# already held (one moved earlier by the manager included).
EARLIER_LOOK = timedelta(days=60)


@dataclass
class _ManagerInputs:
    """What Graph said about one manager and their reports, ready for planning."""

    views: list[PairingView]
    manager: PersonRecord
    people: dict[str, PersonRecord]
    busy: dict[str, list[tuple[datetime, datetime]] | None]
    teams: bool
    tagged: dict[str, list[CalendarEvent]]
    masters: list[CalendarEvent] = field(default_factory=list)  # read for own series


@dataclass
class ScheduleReport:
    """What one run did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    deleted_by_manager: list[str] = field(default_factory=list)
    # Pairs whose series the manager cut short in Outlook, now over, with no new one there.
    ended_in_outlook: list[str] = field(default_factory=list)
    # Pairs left to a 1-2-1 series of their own that onetoone cannot take on: "pair: why".
    own_series: list[str] = field(default_factory=list)
    # Pairs that were left so, whose own series is over or gone: booked again this run.
    own_series_over: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # re-timed: it double-booked someone
    renamed: list[str] = field(default_factory=list)  # subject updated: a rename
    # A follow-on series given the time the manager chose for the series before it.
    carried: list[str] = field(default_factory=list)
    # Ended series with no end date in Outlook: their next meetings cancelled, or let go.
    runs_on: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # left to another worker that holds them
    failed: list[str] = field(default_factory=list)
    planned: list[tuple[str, str]] = field(default_factory=list)  # (pair, slot text)
    warnings: list[str] = field(default_factory=list)
    # Booked at a compromise time (outside the window or working hours, over busy time):
    # "pair: slot: why", for an admin to look at.
    needs_a_look: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


# -- pure helpers -------------------------------------------------------------------------


def working_hours(person: PersonRecord, fallback_zone: str) -> WorkingHours:
    """A person's working hours from what their mailbox said (defaults when unknown)."""
    zone = person.time_zone or fallback_zone
    days = frozenset(person.working_days or (0, 1, 2, 3, 4))
    start = time.fromisoformat(person.working_start) if person.working_start else time(9, 0)
    end = time.fromisoformat(person.working_end) if person.working_end else time(17, 0)
    return WorkingHours(time_zone=zone, days=days, start=start, end=end)


def report_working_hours(report: PersonRecord, manager_zone: str) -> WorkingHours:
    """A report's working hours, in the manager's zone (``manager_zone``) where theirs is
    unknown (their mailbox settings could not be read, or both of Outlook's zones are custom
    ones onetoone cannot map): the rule every step that judges the pair's day takes
    (booking, moving a clash, rebooking, the hours check, the absence check), so that they
    agree on it. A default zone of the policy's instead would put a New York pair's report
    at 09:00-17:00 London, 04:00-12:00 in New York."""
    return working_hours(report, manager_zone)


def not_before(manager: PersonRecord, report: PersonRecord) -> date | None:
    """The first day a pair's series may start: accounts are often made weeks before a
    joiner's first day (their employeeHireDate), and no 1-2-1 is held before either person
    has started."""
    return max((d for d in (report.hire_date, manager.hire_date) if d), default=None)


def mailbox_fields(info: MailboxInfo) -> dict[str, Any]:
    """Columns for a person from mailboxSettings (Windows zone names become IANA)."""
    zone = None
    # The working hours' own zone first; when that is one onetoone cannot map (a custom zone:
    # Graph's customTimeZone, "Customized Time Zone", offsets but no name), the mailbox's
    # own zone, in which Outlook shows that person their day: not the policy's fallback,
    # which would put a New York report's 09:00 at 09:00 London.
    for zone_name in dict.fromkeys(z for z in (info.working_time_zone, info.time_zone) if z):
        try:
            zone = to_iana(zone_name)
            break
        except ValueError:
            log.warning("schedule.unknown_zone", extra={"zone": zone_name, "user": info.user_id})
    days = tuple(WEEKDAYS.index(d.lower()) for d in info.working_days
                 if d.lower() in WEEKDAYS) or None
    return {
        "time_zone": zone,
        "days": days,
        "start": info.working_start[:5] if info.working_start else None,
        "end": info.working_end[:5] if info.working_end else None,
    }


def zone_known(info: MailboxInfo) -> bool:
    """Whether the zone ``info``'s working hours are in maps to an IANA zone. A custom zone
    (Graph's customTimeZone: offsets and a free-text name such as "Customized Time Zone")
    does not; nor does a missing one, where mailboxSettings would give the user's own."""
    try:
        to_iana(info.working_time_zone or "")
    except ValueError:
        return False
    return True


def stored_differs(person: PersonRecord | None, fields: dict[str, Any]) -> bool:
    """Whether ``fields`` (from ``mailbox_fields``) differ from what is stored for
    ``person`` (None: not stored)."""
    if person is None:
        return True
    zone, days, start, end = fields.values()
    told = tuple(days) if days is not None else None
    stored = tuple(person.working_days) if person.working_days is not None else None
    return (person.time_zone, stored, person.working_start, person.working_end) != (
        zone, told, start, end)


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def lock_clock() -> datetime:
    """Wall-clock time for the planning lock's lease. Replicas wait on one another in real
    time, whatever instant a run is *as of* (a `tick --now` replay, a simulated clock)."""
    return datetime.now(UTC)


def with_note_first(html: str, note_html: str) -> str:
    """``note_html`` as the first thing inside the body of ``html`` (the rest unchanged)."""
    opening = re.search(r"<body[^>]*>", html, re.IGNORECASE)
    at = opening.end() if opening else 0
    return html[:at] + note_html + html[at:]


def first_meeting_due(kind: CadenceKind, last_met: date) -> date:
    """The latest first meeting of a new series that leaves no gap longer than ``kind``."""
    if kind is CadenceKind.MONTHLY:
        return add_months(last_met, 1)
    return last_met + timedelta(weeks=2 if kind is CadenceKind.FORTNIGHTLY else 1)


def describe_slot(series: SeriesRecord) -> str:
    """'every two weeks, Tuesday 10:30 Europe/London, from 2026-12-01'."""
    day = WEEKDAYS[series.weekday].capitalize()
    when = f"{series.week_index} {day}" if series.week_index else day
    text = CADENCE_TEXT[CadenceKind(series.cadence)]
    return (f"{text}, {when} {series.start_time} {series.time_zone}, {series.minutes} min, "
            f"from {series.first_date}")


def series_cell(live: SeriesRecord, holding: list[SeriesRecord], now: datetime) -> str:
    """A pair's series in a table, in the series' own zone (named).

    A series still being created may not exist in Outlook (its creation may have been
    killed): the pair is not scheduled until it is. After an extension the pair meets on the
    superseded series until its follow-on starts, so that one is shown, with the follow-on
    (and its cadence, when that changes then: a new starter's weeks ending)."""
    older = [s for s in holding if s.status == SeriesStatus.SUPERSEDED
             and s.range_end >= local_today(now, s.time_zone)]
    current = max(older, key=lambda s: s.first_date) if older else None
    if live.status == SeriesStatus.CREATING:
        if current is None:
            return "being created (not scheduled yet)"
        return f"{describe_slot(current)} (follow-on being created)"
    if current is None:
        return describe_slot(live)
    if live.cadence != current.cadence:
        then = CADENCE_TEXT[CadenceKind(live.cadence)]
        return f"{describe_slot(current)} (then {then} from {live.first_date})"
    return f"{describe_slot(current)} (follow-on from {live.first_date})"


class SchedulerBase(RunsOnSteps, OrphanSteps):
    """One run of the schedule job: its context, clock, policies and report."""

    report: ScheduleReport

    def __init__(self, ctx: JobContext, now: datetime, *, dry_run: bool = False) -> None:
        self.ctx = ctx
        self.now = now.astimezone(UTC)
        self.dry_run = dry_run
        self.report = ScheduleReport()
        self.slot_policy = ctx.settings.slot_policy()
        self.series_policy = ctx.settings.series_policy()
        self.cadence_policy = ctx.settings.cadence_policy()
        # Pairings whose series was ended to move it: their new invite says why.
        self._why: dict[int, str] = {}
        # Dry run: events of the series the real run would end by now.
        self._ending: set[str] = set()
        # Mailbox settings known this run (told by getSchedule or read), so a person in
        # two managers' runs (a manager who is also a report) is read at most once.
        self._settings_known: dict[str, MailboxInfo] = {}
        self._settings_lock = asyncio.Lock()
        # What of them is new, stored in one transaction once every manager's is known.
        self._settings_new: dict[str, dict[str, Any]] = {}
        # Why each pairing that failed this run failed (by key): a pair the create step
        # could not book keeps it as its note, for `onetoone status`.
        self._failed_keys: dict[str, str] = {}
        # Each manager's series masters read this run (by manager id): the look at pairs
        # left to their own series and the booking of those it brings back share one read.
        self._masters: dict[str, list[CalendarEvent]] = {}
        # The iCalUIds of the series onetoone booked with each manager whose masters are
        # looked through (see SeriesFound._own_of).
        self._booked_uids: dict[str, frozenset[str]] = {}
        # Dry run: the series planned (not stored), for the extension step after them.
        self._planned_series: list[tuple[SeriesRecord, PairingView | None]] = []

    async def end_series(self, series: SeriesRecord, reason: str, *, today_stands: bool = True
                         ) -> None:
        """Stop a pairing's series: its meetings to come go, past ones stay as they are in
        both calendars. Any older series it followed on from (superseded, still holding
        meetings) ends with it. A pair that ended loses its rebooked meetings to come too."""
        pairing = self.ctx.store.pairing(series.pairing_id)
        ended = pairing is not None and pairing.status == PairingStatus.ENDED
        # A pair that goes on keeps its meeting later today (agenda in, prep mail sent: both
        # expect it); its new series begins days later (``choose_slot``). A pair that
        # ended loses it with the rest, as does one whose time no longer works
        # (``today_stands`` false: a clash with another 1-2-1, hours now outside the day).
        goes_on = today_stands and pairing is not None and pairing.status == PairingStatus.ACTIVE
        # Found first (ending the series withdraws its stored meetings, these with them),
        # and cancelled before the series is recorded ended: once it is, no run looks at the
        # pair again, so a cancel that failed in passing (a 5xx, throttling) would leave the
        # replacement in both calendars for good. A replacement that cannot be cancelled at
        # all never holds the end up.
        coming = self.ctx.store.rebooked_to_come(series.pairing_id, self.now) if ended else []
        if coming and pairing is not None:
            await self._end_rebooked(pairing.manager_id, series.pairing_id, coming,
                                     f"This 1-2-1 series has ended: {reason}.")
        for older in self.ctx.store.pairing_series(series.pairing_id):
            if older.status == SeriesStatus.SUPERSEDED and older.id != series.id:
                await self._end_one(older, reason, keep_today=goes_on)
        await self._end_one(series, reason, keep_today=goes_on)

    async def _end_rebooked(self, mailbox: str, pairing_id: int,
                            coming: list[OccurrenceRecord], comment: str) -> None:
        """Cancel the pair's replacement meetings to come (single events booked for missed
        ones, in the manager's calendar: cancelling the series leaves them), and withdraw
        them (gone counts as cancelled; one that could not be is logged)."""
        store = self.ctx.store
        errors = await self.ctx.graph.cancel_events(mailbox, [o.event_id for o in coming],
                                                    comment)
        failed = {o.event_id: exc for o in coming if (exc := errors.get(o.event_id))}
        if orphans := [o for o in coming if mailbox_gone(failed.get(o.event_id))]:
            # The manager's mailbox is gone: nothing was cancelled, and Exchange keeps a deleted
            # organizer's meetings in the report's calendar: they go, as a series' do.
            await self._remove_rebooked_copies(pairing_id, orphans)
            failed = {eid: exc for eid, exc in failed.items() if not mailbox_gone(exc)}
        for occ in coming:
            if occ.event_id not in failed:
                store.update_occurrence(occ.id, self.now, status=OccurrenceStatus.WITHDRAWN)
        if any(passing(exc) for exc in failed.values()):
            # The series is not recorded ended yet: the next run cancels what is left.
            raise GraphError(f"{len(failed)} replacement meeting(s) of the pair could not be "
                             "cancelled; the next run tries again")
        if failed:  # still in Outlook: read back after it as any meeting, not withdrawn
            log.warning("schedule.rebooked_not_cancelled", extra={"pairing": pairing_id,
                                                                  "left": len(failed)})

    async def _end_one(self, series: SeriesRecord, reason: str, *,
                       keep_today: bool = False) -> None:
        """End one series without touching its recurrence: a new end date would drop every
        exception of the series, past ones included (MS-OXOCAL 3.1.4.7.3.5; Outlook warns
        "Any exceptions associated with this recurring appointment will be cancelled"), so
        the notes typed into past meetings and every moved meeting would go. Instead each
        meeting from now on is cancelled by itself: one instances read and one cancel per
        meeting (rare: leavers, movers, cadence changes, moves). When the manager's mailbox
        is gone (deleted with their account) nothing can be cancelled, and Exchange keeps a
        deleted organizer's meetings in the attendees' calendars: the report's copy loses
        its meetings to come instead (``remove_orphans``). The store says ended last, so a
        run killed anywhere leaves the rest to the next one. ``keep_today``: the meetings
        later today stand (the pair goes on); only those from tomorrow go."""
        today = local_today(self.now, series.time_zone)
        if not series.slot_note.startswith(ENDING):  # before anything in Outlook is cancelled
            self.ctx.store.update_series(series.id, self.now, slot_note=ENDING + reason)
        cut = (datetime.combine(today + timedelta(days=1), time(0),
                                tzinfo=ZoneInfo(series.time_zone)) if keep_today else self.now)
        try:
            last_day = await self._end_in_outlook(series, reason, today, cut)
        except NotFound as exc:
            if not mailbox_gone(exc):
                raise
            log.warning("schedule.organizer_gone", extra={"series": series.id,
                                                          "mailbox": series.mailbox})
            await self.remove_orphans(series, today)
            # Nothing can cancel its meetings stored ahead: withdrawn, not left to come.
            self.ctx.store.withdraw_upcoming(series.id, self.now)
            last_day = today if series.first_date >= today else today - timedelta(days=1)
        self.ctx.store.end_series(series.id, self.now, last_day)
        log.info("schedule.ended", extra={"series": series.id, "reason": reason})

    async def _end_in_outlook(self, series: SeriesRecord, reason: str, today: date,
                              cut: datetime | None = None) -> date | None:
        """Cancel the meetings of ``series`` starting from ``cut`` (now by default) in the
        manager's calendar; the series' last day to store (None: nothing in Outlook is to
        come, the stored range stands)."""
        cut = cut or self.now
        graph, store = self.ctx.graph, self.ctx.store
        event_id = series.event_id
        pairing = store.pairing(series.pairing_id)
        if event_id is None and pairing is not None:
            found = adoptable(self.not_ours(series.pairing_id, await graph.find_tagged_events(
                series.mailbox, PAIRING_PROPERTY, pairing.key, ADOPT_SELECT)), today)
            event_id = found.id if found else None
        if event_id is None or series.range_end < today:
            return None
        comment = f"This 1-2-1 series has ended: {reason}."
        begun = series.first_date < today or await self._begun(series, event_id, cut)
        if not begun:
            # Nothing has happened yet: cancel the whole series, with a word to the report.
            # Its meetings stored meanwhile (for their agendas) are withdrawn first, as
            # cancel_future does, so none is later read as cancelled (a missed 1-2-1).
            store.withdraw_upcoming(series.id, self.now)
            await graph.cancel_event(series.mailbox, event_id, comment)
            return today
        # One with no end date in Outlook is cancelled a stretch at a time (runs_on.py): a
        # new end date instead would drop every exception of the series (its meetings
        # held, with their notes) in Outlook.
        through = self.runs_on_through(series, today)
        await self.cancel_future(replace(series, event_id=event_id), comment, cut, through)
        if through is not None:
            self.ran_on(series, through, reason)
        if pairing is not None:
            await self.mark_ended(series.mailbox, event_id, pairing.key, today)
        # A series whose first meeting was earlier today (or moved before it) keeps today:
        # its last day is never before its first. So does one whose meetings today stand.
        kept = cut > self.now
        return today if kept or series.first_date >= today else today - timedelta(days=1)

    async def end_left_behind(self, views: list[PairingView],
                              tagged: dict[str, list[CalendarEvent]]) -> None:
        """End in Outlook the series of these pairs that the store has ended but the tag
        search (live tags only) finds in the manager's calendar: ended while that mailbox
        was gone (deleted, unlicensed), so nothing could cancel it, and back whole with the
        restored account, where it would sit beside the pair's new series. Ended as any
        series is (meetings to come cancelled, past ones kept, tag marked ended: found
        once). A fault that passes fails the pair for the next run; others are warnings."""
        for view in views if not self.dry_run else []:
            found = {e.id: e for e in tagged.get(view.pairing.key, [])}
            for old in self.ctx.store.pairing_series(view.pairing.id) if found else []:
                event = found.get(old.event_id or "")
                if old.status != SeriesStatus.ENDED or event is None or not event.recurrence:
                    continue
                today = local_today(self.now, old.time_zone)
                # Its range as Outlook holds it (the store's was cut short when it ended).
                rec = event.recurrence
                until = outlook_range_end(rec)
                try:
                    await self._end_in_outlook(replace(old, range_end=until),
                                               "a new series replaces it", today)
                except GraphError as exc:
                    if passing(exc):
                        raise
                    self.report.warnings.append(f"{view.manager.name} & {view.report.name}: "
                                                f"an old series could not be ended ({exc})")

    async def _begun(self, series: SeriesRecord, event_id: str, cut: datetime) -> bool:
        """Whether a meeting of a series not due to start before today has begun all the
        same: its first one earlier today, or one the manager moved to an earlier day; or
        starts before ``cut`` (later today, kept as the pair goes on). Cancelling the whole
        series would take it, and the notes typed into it, out of the manager's calendar
        (an organizer's cancel deletes their copy). One instances read, only when a series
        ends before or on its first day."""
        try:
            items = await self.ctx.graph.instances(series.mailbox, event_id,
                                                   self.now - EARLIER_LOOK, cut)
        except NotFound as exc:
            if mailbox_gone(exc):
                raise
            return False  # the series is gone: nothing of it is left to keep
        return any(i.start is not None and i.start < cut and not i.cancelled
                   for i in items)

    async def mark_ended(self, mailbox: str, event_id: str, pairing_key: str,
                         today: date) -> None:
        """Tag the master as ended, its recurrence untouched: its range still reaches ahead
        in Outlook, so after a lost database the tag search would otherwise find it and
        adopt a series whose meetings to come are all cancelled. Done after the cancels and
        before the store says ended, so a run killed anywhere leaves the series live in the
        store and the rerun does whatever is missing (the PATCH is idempotent)."""
        try:
            await self.ctx.graph.update_event(mailbox, event_id,
                                              series_ended_patch(pairing_key, today))
        except NotFound as exc:
            if mailbox_gone(exc):  # gone since the cancels: the report's copy is left
                raise
            # The series was deleted meanwhile: nothing is left to adopt.

    async def cancel_future(self, series: SeriesRecord, comment: str,
                            cut: datetime | None = None, through: date | None = None) -> None:
        """Cancel every meeting of ``series`` starting from ``cut`` (now by default) on, one
        by one (the master and its exceptions untouched), to its end or ``through``. They
        are stored as withdrawn first, so a sync never takes the gaps for meetings the
        manager cancelled; a run that dies half-way leaves the rest to the next, which
        reads the instances again (cancelled ones are gone)."""
        cut = max(cut or self.now, self.now)
        zone = ZoneInfo(series.time_zone)
        last = through or listed_until(series.range_end, local_today(self.now,
                                                                     series.time_zone))
        until = datetime.combine(last + timedelta(days=2), time(0), tzinfo=zone)
        try:
            items = await self.ctx.graph.instances(series.mailbox, series.event_id or "",
                                                   cut, until)
        except NotFound as exc:
            if mailbox_gone(exc):
                raise  # nothing can be cancelled: the caller sees to the report's copy
            return  # the whole series is gone: nothing is left to cancel
        coming = [i for i in items if not i.cancelled and i.start is not None
                  and i.end is not None and i.start >= cut]
        if not coming:
            return
        self.ctx.store.upsert_occurrences(series.id, [
            {"event_id": i.id, "original_start": i.slot or i.start, "start": i.start,
             "end": i.end, "status": OccurrenceStatus.WITHDRAWN} for i in coming], self.now)
        done = await self.ctx.graph.cancel_occurrences(series.mailbox, [i.id for i in coming],
                                                       comment)
        failed = [oid for oid, ok in done.items() if not ok]
        if failed:
            raise GraphError(f"{len(failed)} of {len(coming)} meetings of series {series.id} "
                             "could not be cancelled; the next run tries again")

    def not_ours(self, pairing_id: int, events: list[CalendarEvent]) -> list[CalendarEvent]:
        """Tagged events without those of the pairing's other series onetoone knows
        (superseded ones hold the tag, as do series ended before ended ones were marked, and
        their range in Outlook is never cut short, so they would look adoptable) and those a
        dry run would end."""
        known = {s.event_id for s in self.ctx.store.pairing_series(pairing_id)
                 if s.event_id and s.status not in LIVE_SERIES} if pairing_id > 0 else set()
        return [e for e in events if e.id not in known and e.id not in self._ending]

    async def _claimed(self, view: PairingView,
                       work: Callable[[PairingView], Awaitable[bool]]) -> bool:
        """Run ``work`` holding the pairing's claim; False if another worker has it or the
        work failed (reported)."""
        store, label = self.ctx.store, f"{view.manager.name} & {view.report.name}"
        if not store.claim(view.pairing.id, self.ctx.worker_id, self.ctx.moved_on(self.now),
                           LEASE):
            self.report.busy.append(label)
            return False
        try:
            return await work(view)
        except ServiceError as exc:
            self._fail(label, exc, view)
            return False
        finally:
            store.release(view.pairing.id, self.ctx.worker_id)

    async def _take_planning_lock(self) -> bool:
        """Wait for the planning lock (another replica plans in seconds; a killed holder on
        this host loses it at once, elsewhere when its lease ends). False after
        PLAN_WAIT_TRIES tries: this run leaves creation to the next one rather than hang."""
        store = self.ctx.store
        for attempt in range(PLAN_WAIT_TRIES):
            if store.take_lock(PLAN_LOCK, self.ctx.worker_id, lock_clock(), PLAN_LEASE):
                return True
            if attempt == 0:
                log.info("schedule.waiting_for_plan_lock")
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
        return False

    def booked_by_person(self, skip_series: int | None = None,
                         people: Sequence[str] | None = None
                         ) -> defaultdict[str, list[tuple[datetime, datetime]]]:
        """Every person's 1-2-1 times from now to the taken horizon, from the store alone:
        each live series (as manager and as report, whoever created it) and meetings moved
        off their series' pattern. ``people``: only the series booking any of them are read
        (each of those people's times is then complete; others' may not be)."""
        start, end = self.now, self.now + TAKEN_HORIZON
        store = self.ctx.store
        out: defaultdict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        who: dict[int, tuple[str, str]] = {}
        expand = WindowOccurrences(start, end)
        for series in store.booked_series(people, HOLDING_SERIES, active_pairings_only=False):
            if series.id == skip_series:
                continue
            who[series.id] = (series.manager_id, series.report_id)
            times = expand(series, open_ended=series.status == SeriesStatus.ACTIVE)
            out[series.manager_id].extend(times)
            out[series.report_id].extend(times)
        stored = (store.occurrences_between(start, end) if people is None else
                  [o for found in store.occurrences_of(who).values() for o in found
                   if start <= o.start < end])
        for occ in stored:
            pair = who.get(occ.series_id)
            moved = occ.start != occ.original_start or occ.rebook_of is not None
            if pair is not None and moved and occ.status in (OccurrenceStatus.SCHEDULED,
                                                              OccurrenceStatus.MOVED):
                for person in pair:
                    out[person].append((occ.start, occ.end))
        return out

    def _intro(self, series: SeriesRecord, manager: PersonRecord, report: PersonRecord,
               moved_why: str | None) -> str:
        """The series' invite text (and why it moved, when it did)."""
        return intro_html(series, manager, report, moved_why)

    def _fail(self, label: str, exc: Exception, view: PairingView) -> None:
        # The names are for the command's own output (and the pair's note); the log names
        # the pair by its key.
        self.report.failed.append(f"{label}: {view.named(exc)}")
        self._failed_keys[view.pairing.key] = view.named(exc)
        log.error("schedule.failed", extra={"pairing": view.pairing.key, "error": str(exc)})


def intro_html(series: SeriesRecord, manager: PersonRecord, report: PersonRecord,
               moved_why: str | None = None) -> str:
    """A series' invite text, below the agenda in each meeting (and why it moved, when it
    did). The read-back knows its lines by it: with the agenda's end line deleted they would
    otherwise be read as notes."""
    return render(
        "intro.html.j2", manager_name=manager.name, report_name=report.name,
        report_first_name=report.first_name,
        cadence_text=CADENCE_TEXT[CadenceKind(series.cadence)], minutes=series.minutes,
        moved_why=moved_why,
    )
