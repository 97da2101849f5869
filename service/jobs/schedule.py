"""Keep one recurring 1-2-1 series per active pairing in the manager's calendar.

Every step is safe to repeat or to kill half-way:
- the intent to create a series is stored (with its transactionId) before the POST;
- before any POST the manager's calendar is searched for the series' tag, so a series
  created by a run that died (or before the database was lost) is adopted, not duplicated;
- the POST carries a deterministic transactionId, so a retried POST is dropped by Exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.cadence import (
    add_months,
    choose_cadence,
    extended_end,
    needs_extension,
    recurrence_for,
    series_end_date,
)
from service.domain.model import WEEKDAYS, Cadence, CadenceKind, Slot, WorkingHours
from service.domain.pairing import PairAction
from service.domain.recurrence import expand
from service.domain.slots import choose_slot
from service.domain.timezones import to_iana
from service.errors import GraphError, NotFound, PermissionDenied, ServiceError
from service.graph.client import MailboxInfo, parse_graph_datetime
from service.graph.payloads import (
    CADENCE_TEXT,
    PAIRING_PROPERTY,
    recurrence_patch,
    series_event,
    series_move_patch,
    transaction_id,
)
from service.jobs.context import JobContext
from service.render import render
from service.store.models import PairingRow, PersonRow, SeriesRow
from service.store.repo import PairingView

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
VERIFY_EVERY = timedelta(hours=24)
ADOPT_SELECT = "id,iCalUId,type,isCancelled,start,end,recurrence,originalStartTimeZone"
MANAGERS_AT_ONCE = 16
PLAN_LOCK = "schedule.plan"
PLAN_LEASE = timedelta(minutes=2)
PLAN_WAIT_TRIES = 120  # about 100 s of waiting in all
MOVING = "moving: "  # slot_note of a series whose move is stored but maybe not yet in Outlook
# How far ahead other 1-2-1s are checked when choosing a slot: longer than the look-ahead,
# because a fortnightly and a monthly series can first meet in month three.
TAKEN_HORIZON = timedelta(days=371)


@dataclass
class _ManagerInputs:
    """What Graph said about one manager and their reports, ready for planning."""

    views: list[PairingView]
    manager: PersonRow
    people: dict[str, PersonRow]
    busy: dict[str, list[tuple[datetime, datetime]] | None]
    teams: bool
    tagged: dict[str, list[dict[str, Any]]]


@dataclass
class ScheduleReport:
    """What one run did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    deleted_by_manager: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # re-timed: it double-booked someone
    busy: list[str] = field(default_factory=list)  # left to another worker that holds them
    failed: list[str] = field(default_factory=list)
    planned: list[tuple[str, str]] = field(default_factory=list)  # (pair, slot text)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


# -- pure helpers -------------------------------------------------------------------------


def working_hours(person: PersonRow, fallback_zone: str) -> WorkingHours:
    """A person's working hours from what their mailbox said (defaults when unknown)."""
    zone = person.time_zone or fallback_zone
    days = frozenset(int(d) for d in person.working_days.split(",")) if person.working_days else (
        frozenset({0, 1, 2, 3, 4}))
    start = time.fromisoformat(person.working_start) if person.working_start else time(9, 0)
    end = time.fromisoformat(person.working_end) if person.working_end else time(17, 0)
    return WorkingHours(time_zone=zone, days=days, start=start, end=end)


def mailbox_fields(info: MailboxInfo) -> dict[str, str | None]:
    """Columns for a person from mailboxSettings (Windows zone names become IANA)."""
    zone_name = info.working_time_zone or info.time_zone
    zone = None
    if zone_name:
        try:
            zone = to_iana(zone_name)
        except ValueError:
            log.warning("schedule.unknown_zone", extra={"zone": zone_name, "user": info.user_id})
    days = ",".join(str(WEEKDAYS.index(d.lower())) for d in info.working_days
                    if d.lower() in WEEKDAYS) or None
    return {
        "time_zone": zone,
        "days": days,
        "start": info.working_start[:5] if info.working_start else None,
        "end": info.working_end[:5] if info.working_end else None,
    }


def slot_of(series: SeriesRow) -> Slot:
    return Slot(weekday=series.weekday, start=time.fromisoformat(series.start_time),
                time_zone=series.time_zone, first_date=series.first_date,
                week_index=series.week_index)


def series_occurrences(series: SeriesRow, start: datetime, end: datetime, *,
                       open_ended: bool = False) -> list[tuple[datetime, datetime]]:
    """A stored series' occurrences in a window, computed locally (no Graph call).

    ``open_ended``: as if the series ran past its range end (live series are extended).
    """
    slot = slot_of(series)
    range_end = series.range_end
    if open_ended:
        range_end = max(range_end, end.date() + timedelta(days=1))
    rec = recurrence_for(CadenceKind(series.cadence), slot, range_end)
    zone = ZoneInfo(series.time_zone)
    first = datetime.combine(series.first_date, slot.start, tzinfo=zone)
    return expand(rec, first, first + timedelta(minutes=series.minutes), start, end)


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def series_from_event(event: dict[str, Any], fallback_zone: str) -> dict[str, Any]:
    """Series columns from a tagged event found in the calendar (adoption)."""
    rec = event.get("recurrence") or {}
    pattern, rng = rec.get("pattern") or {}, rec.get("range") or {}
    zone_name = event.get("originalStartTimeZone") or (event.get("start") or {}).get("timeZone")
    try:
        zone = to_iana(zone_name) if zone_name else fallback_zone
    except ValueError:
        zone = fallback_zone
    start = parse_graph_datetime(event["start"]).astimezone(ZoneInfo(zone))
    end = parse_graph_datetime(event["end"]).astimezone(ZoneInfo(zone))
    kind = CadenceKind.MONTHLY
    if pattern.get("type") == "weekly":
        kind = CadenceKind.FORTNIGHTLY if int(pattern.get("interval", 1)) == 2 else (
            CadenceKind.WEEKLY)
    days = pattern.get("daysOfWeek") or [WEEKDAYS[start.weekday()]]
    return {
        "cadence": str(kind),
        "minutes": int((end - start).total_seconds() // 60),
        "weekday": WEEKDAYS.index(days[0].lower()),
        "week_index": pattern.get("index") if pattern.get("type") == "relativeMonthly" else None,
        "start_time": start.strftime("%H:%M"),
        "time_zone": zone,
        "first_date": date.fromisoformat(rng["startDate"]) if rng.get("startDate")
        else start.date(),
        "range_end": date.fromisoformat(rng["endDate"]) if rng.get("endDate")
        else date(9999, 12, 31),
    }


def adoptable(events: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The live series among tagged events: a master, not cancelled, not already over."""
    live = []
    for e in events:
        if e.get("type") not in (None, "seriesMaster") or e.get("isCancelled"):
            continue
        rng = (e.get("recurrence") or {}).get("range") or {}
        end = rng.get("endDate")
        if rng.get("type") == "endDate" and end and date.fromisoformat(end) < today:
            continue
        live.append(e)
    live.sort(key=lambda e: (e.get("start") or {}).get("dateTime", ""))
    return live[-1] if live else None


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


# -- the job ------------------------------------------------------------------------------


class Scheduler:
    """One run of the schedule job over every pairing."""

    def __init__(self, ctx: JobContext, now: datetime, *, dry_run: bool = False) -> None:
        self.ctx = ctx
        self.now = now.astimezone(UTC)
        self.dry_run = dry_run
        self.report = ScheduleReport()
        self.slot_policy = ctx.settings.slot_policy()
        self.series_policy = ctx.settings.series_policy()
        # Pairings whose series was ended to move it: their new invite says why.
        self._why: dict[int, str] = {}
        # Dry run: events of the series the real run would end by now.
        self._ending: set[str] = set()

    async def run(self, planned: list[PairingView] | None = None,
                  changes: dict[str, PairingRow] | None = None) -> ScheduleReport:
        """One pass. In a dry run, ``planned`` are the pairings the pairs sync would add and
        ``changes`` the stored pairings it would end or re-cadence (by key; not stored), so
        the dry run reports what the real run does."""
        views = self._as_changed(self.ctx.store.views(), changes)
        await self._end_stale(views)
        if not self.dry_run:
            await self._verify()
            await self._extend()
        await self._repair_overlaps()
        active = self._as_changed(self.ctx.store.views(["active"]), changes)
        if self.dry_run:
            # A series the real run ends (cadence change) is created anew right after.
            active = [PairingView(v.pairing, v.manager, v.report, None)
                      if v.series is not None and _stale_reason(v) else v
                      for v in active if v.pairing.status == "active"]
        await self._create_missing(active + (planned or []))
        return self.report

    @staticmethod
    def _as_changed(views: list[PairingView], changes: dict[str, PairingRow] | None
                    ) -> list[PairingView]:
        if not changes:
            return views
        return [PairingView(changes.get(v.pairing.key, v.pairing), v.manager, v.report,
                            v.series) for v in views]

    # ending -----------------------------------------------------------------------------

    async def _end_stale(self, views: list[PairingView]) -> None:
        """End series whose pairing ended, or whose cadence no longer fits the pairing."""
        for view in views:
            series, pairing = view.series, view.pairing
            if series is None:
                continue
            label = f"{view.manager.name} & {view.report.name}"
            reason = _stale_reason(view)
            if reason is None:
                continue
            if self.dry_run:
                self.report.ended.append(f"{label}: {reason}")
                if series.event_id:  # ended, so not adoptable when the pair is re-planned
                    self._ending.add(series.event_id)
                continue
            if not self.ctx.store.claim(pairing.id, self.ctx.worker_id, self.now, LEASE):
                continue  # another replica is on it
            try:
                current = self.ctx.store.live_series(pairing.id)
                if current is not None:  # re-read under the claim: it may be done already
                    await self.end_series(current, reason)
                    self.report.ended.append(f"{label}: {reason}")
            except ServiceError as exc:
                self._fail(label, exc)
            finally:
                self.ctx.store.release(pairing.id, self.ctx.worker_id)

    async def end_series(self, series: SeriesRow, reason: str) -> None:
        """Stop a series: future occurrences go, past ones stay in both calendars."""
        graph = self.ctx.graph
        event_id = series.event_id
        pairing = self.ctx.store.pairing(series.pairing_id)
        if event_id is None and pairing is not None:
            found = adoptable(await graph.find_tagged_events(
                series.mailbox, PAIRING_PROPERTY, pairing.key, ADOPT_SELECT),
                local_today(self.now, series.time_zone))
            event_id = found["id"] if found else None
        today = local_today(self.now, series.time_zone)
        if event_id is None:
            self.ctx.store.end_series(series.id, self.now, None)
            return
        if series.first_date >= today:
            # Nothing has happened yet: cancel the whole series, with a word to the report.
            await graph.cancel_event(series.mailbox, event_id,
                                     f"This 1-2-1 series has ended: {reason}.")
            self.ctx.store.end_series(series.id, self.now, today)
        else:
            new_end = today - timedelta(days=1)
            rec = recurrence_for(CadenceKind(series.cadence), slot_of(series), new_end)
            # NotFound: already gone from the calendar, so nothing is left to end.
            with contextlib.suppress(NotFound):
                await graph.update_event(series.mailbox, event_id,
                                         recurrence_patch(rec, series.time_zone))
            self.ctx.store.end_series(series.id, self.now, new_end)
        log.info("schedule.ended", extra={"series": series.id, "reason": reason})

    # verifying and extending --------------------------------------------------------------

    async def _verify(self) -> None:
        """Notice series the manager deleted; they are shown, never silently recreated."""
        from service.graph.client import BatchItem, _path

        due = self.ctx.store.series_to_verify(self.now - VERIFY_EVERY)
        due = [s for s in due if s.event_id]
        if not due:
            return
        items = [BatchItem(id=str(s.id), method="GET",
                           url=_path("users", s.mailbox, "events", s.event_id or "")
                           + "?$select=id,isCancelled")
                 for s in due]
        try:
            results = await self.ctx.graph.batch(items)
        except GraphError as exc:
            log.warning("schedule.verify_failed", extra={"error": str(exc)})
            return
        for s in due:
            result = results.get(str(s.id))
            if result is None:
                continue
            gone = result.status == 404 or (
                result.status == 200 and (result.body or {}).get("isCancelled"))
            if gone:
                self.ctx.store.mark_series_deleted(s.id, self.now)
                self.report.deleted_by_manager.append(f"series {s.id} ({s.mailbox})")
                log.warning("schedule.series_deleted", extra={"series": s.id})
            elif result.status == 200:
                self.ctx.store.update_series(s.id, self.now, checked_at=self.now)

    async def _extend(self) -> None:
        """Keep every live series at least months_ahead months into the future."""
        pol = self.series_policy
        for series in self.ctx.store.all_live_series():
            if series.status != "active" or series.event_id is None:
                continue
            today = local_today(self.now, series.time_zone)
            if not needs_extension(series.range_end, today, pol.months_ahead):
                continue
            if not self.ctx.store.claim(series.pairing_id, self.ctx.worker_id, self.now, LEASE):
                continue
            try:
                await self._extend_one(series, today)
            finally:
                self.ctx.store.release(series.pairing_id, self.ctx.worker_id)

    async def _extend_one(self, series: SeriesRow, today: date) -> None:
        pol = self.series_policy
        fresh = self.ctx.store.live_series(series.pairing_id)
        if fresh is None or fresh.id != series.id or fresh.range_end != series.range_end:
            return  # changed by another replica since we listed it
        new_end = extended_end(today, pol.months_ahead, pol.extend_months)
        rec = recurrence_for(CadenceKind(series.cadence), slot_of(series), new_end)
        try:
            await self.ctx.graph.update_event(series.mailbox, series.event_id or "",
                                              recurrence_patch(rec, series.time_zone))
        except NotFound:
            self.ctx.store.mark_series_deleted(series.id, self.now)
            self.report.deleted_by_manager.append(f"series {series.id}")
            return
        except ServiceError as exc:
            self._fail(f"series {series.id}", exc)
            return
        self.ctx.store.update_series(series.id, self.now, range_end=new_end)
        self.report.extended.append(f"series {series.id} to {new_end}")
        log.info("schedule.extended", extra={"series": series.id, "range_end": str(new_end)})

    # repairing overlaps (series created before 1-2-1s were checked person by person) ------

    async def _repair_overlaps(self) -> None:
        """Move one series of every two that book a person twice in the look-ahead.

        The later-created series moves: to a slot chosen as for a new series (against all
        of both people's other 1-2-1s). A series that has not started yet (and whose
        occurrences onetoone has not mirrored yet) is moved with one PATCH whose invite text
        says why; any other is ended (its history stays as it was) and created anew from the
        next free slot, its invite saying why, because re-timing a series rewrites its past
        and drops the agendas already in its occurrences.
        """
        look_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)
        views = {v.series.id: v for v in self.ctx.store.views(["active"])
                 if v.series is not None and v.series.status == "active"}
        if not views:
            return
        items: defaultdict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
        for sid, view in views.items():
            for start, end in series_occurrences(view.series, self.now, look_end):
                items[view.manager.id].append((start, end, sid))
                items[view.report.id].append((start, end, sid))
        to_move: dict[int, int] = {}  # series id -> the series it clashes with
        for person_items in items.values():
            person_items.sort()
            latest: tuple[datetime, datetime, int] | None = None
            for item in person_items:
                if latest is not None and item[0] < latest[1] and item[2] != latest[2]:
                    a, b = sorted((latest[2], item[2]))
                    if a not in to_move:
                        to_move.setdefault(b, a)
                if latest is None or item[1] > latest[1]:
                    latest = item
        if self.dry_run:
            for sid, other in sorted(to_move.items()):
                view, why = views[sid], self._why_moved(views[sid], views[other])
                self.report.warnings.append(
                    f"{view.manager.name} & {view.report.name}: would move ({why})")
            return
        if not to_move and not any(v.series.slot_note.startswith(MOVING)
                                   for v in views.values() if v.series is not None):
            return
        # Moves choose slots too: one worker at a time, as for new series.
        if not await self._take_planning_lock():
            self.report.busy.extend(f"{views[sid].manager.name} & {views[sid].report.name}"
                                    for sid in to_move)
            return
        try:
            for view in views.values():  # a move a killed run left half-done
                if view.series is not None and view.series.slot_note.startswith(MOVING):
                    await self._claimed(view, self._finish_move)
            for sid, other in sorted(to_move.items()):
                view, why = views[sid], self._why_moved(views[sid], views[other])
                label = f"{view.manager.name} & {view.report.name}"
                if await self._claimed(view, lambda v, why=why: self._move_series(v, why)):
                    self.report.moved.append(f"{label}: {why}")
        finally:
            self.ctx.store.drop_lock(PLAN_LOCK, self.ctx.worker_id)

    def _why_moved(self, view: PairingView, clash: PairingView) -> str:
        """The sentence the report reads in the moved series' invite."""
        shared = {view.manager.id, view.report.id} & {clash.manager.id, clash.report.id}
        whose = f"{view.manager.name}'s" if shared == {view.manager.id} else "your"
        return (f"the old time clashed with another of {whose} 1-2-1s, so onetoone moved "
                "this series to a time that is free for both of you.")

    async def _claimed(self, view: PairingView,
                       work: Callable[[PairingView], Awaitable[bool]]) -> bool:
        """Run ``work`` holding the pairing's claim; False if another worker has it or the
        work failed (reported)."""
        store, label = self.ctx.store, f"{view.manager.name} & {view.report.name}"
        if not store.claim(view.pairing.id, self.ctx.worker_id, self.now, LEASE):
            self.report.busy.append(label)
            return False
        try:
            return await work(view)
        except ServiceError as exc:
            self._fail(label, exc)
            return False
        finally:
            store.release(view.pairing.id, self.ctx.worker_id)

    async def _move_series(self, view: PairingView, why: str) -> bool:
        """Move one series to a free slot (see _repair_overlaps); False if nothing moved."""
        store = self.ctx.store
        series = store.live_series(view.pairing.id)
        if series is None or series.status != "active" or series.event_id is None:
            return False  # changed by another replica since we looked
        people = store.people([view.manager.id, view.report.id])
        manager = people.get(view.manager.id, view.manager)
        report = people.get(view.report.id, view.report)
        manager_hours = working_hours(manager, self.slot_policy.fallback_time_zone)
        window_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)
        try:
            busy = await self.ctx.graph.free_busy(manager.email, [manager.email, report.email],
                                                  self.now, window_end)
        except GraphError:
            busy = {}
        booked = self.booked_by_person(skip_series=series.id)
        cadence = Cadence(CadenceKind(series.cadence), series.minutes, "")
        # A slot first: a series is never ended or touched unless there is somewhere to go
        # (choose_slot raises when nothing is free, and the clash is then only reported).
        slot = choose_slot(
            cadence=cadence, manager_hours=manager_hours,
            report_hours=working_hours(report, manager_hours.time_zone),
            manager_busy=busy.get(manager.email.lower()) or [],
            report_busy=busy.get(report.email.lower()) or [],
            taken=booked[manager.id] + booked[report.id], policy=self.slot_policy,
            now=self.now, seed=view.pairing.key,
            free_busy_known=bool(busy) and None not in busy.values(),
            taken_until=self.now + TAKEN_HORIZON)
        if series.first_date < local_today(self.now, series.time_zone) or store.occurrences(
                series.id):
            # A past, or occurrences already mirrored (an agenda may be in one): re-timing
            # the series would rewrite them, and their stored rows would look cancelled.
            self._why[view.pairing.id] = why
            await self.end_series(series, "moved to a time free of other 1-2-1s")
            self.report.ended.append(f"{view.manager.name} & {view.report.name}: moved to a "
                                     "time free of other 1-2-1s (booked anew)")
            return True  # the new series is created by this run's _create_missing
        # The intent first: a run killed (or failed) around the PATCH leaves it "moving",
        # and the next run looks at the calendar and finishes the move, never redoes it.
        store.update_series(series.id, self.now, weekday=slot.weekday,
                            week_index=slot.week_index, start_time=slot.start.strftime("%H:%M"),
                            first_date=slot.first_date, slot_note=f"{MOVING}{why}")
        await self._patch_move(store.series(series.id) or series, manager, report, why)
        store.update_series(series.id, self.now,
                            slot_note="; ".join((*slot.notes, f"moved: {why}")))
        log.info("schedule.moved", extra={"series": series.id, "slot": describe_slot(
            store.series(series.id) or series)})
        return True

    async def _patch_move(self, series: SeriesRow, manager: PersonRow, report: PersonRow,
                          why: str) -> None:
        """One PATCH putting the series on its stored slot, the invite saying why."""
        slot = slot_of(series)
        body = self._intro(series, manager, report, why)
        if series.online:
            # A Teams invite's body holds Exchange's join block, which must survive the
            # PATCH: say why at the top of the body as it is, keeping the rest.
            current = await self.ctx.graph.get_event(series.mailbox, series.event_id or "",
                                                     "body")
            html = str(((current or {}).get("body") or {}).get("content") or "")
            body = with_note_first(html, render("moved_note.html.j2", moved_why=why))
        recurrence = recurrence_for(CadenceKind(series.cadence), slot, series.range_end)
        await self.ctx.graph.update_event(series.mailbox, series.event_id or "",
                                          series_move_patch(slot=slot, minutes=series.minutes,
                                                            recurrence=recurrence,
                                                            body_html=body))

    async def _finish_move(self, view: PairingView) -> bool:
        """A move whose run was killed: PATCH only if the calendar doesn't show it yet."""
        store = self.ctx.store
        series = store.live_series(view.pairing.id)
        if series is None or not series.slot_note.startswith(MOVING) or not series.event_id:
            return False
        why = series.slot_note.removeprefix(MOVING)
        event = await self.ctx.graph.get_event(series.mailbox, series.event_id, "start")
        zone = ZoneInfo(series.time_zone)
        wanted = datetime.combine(series.first_date, time.fromisoformat(series.start_time),
                                  tzinfo=zone)
        if event is None or parse_graph_datetime(event["start"]) != wanted:
            people = store.people([view.manager.id, view.report.id])
            await self._patch_move(series, people.get(view.manager.id, view.manager),
                                   people.get(view.report.id, view.report), why)
        store.update_series(series.id, self.now, slot_note=f"moved: {why}")
        return True

    # creating -----------------------------------------------------------------------------

    async def _create_missing(self, views: list[PairingView]) -> None:
        """Create the series that are missing, in three steps.

        1. Per manager, side by side: read mailbox settings, free/busy and tagged events.
        2. One worker at a time (the planning lock), one pair at a time: choose each slot
           against every 1-2-1 either person is already in, as manager or as report, in
           any series (stored, or planned a moment ago by this loop), and record the intent.
           Planning is pure and quick, so holding the lock costs replicas little; without
           it two workers could each plan one of a person's two series into one slot.
        3. Side by side again: POST the series.
        """
        todo: dict[str, list[PairingView]] = defaultdict(list)
        for view in views:
            if view.series is None or view.series.status == "creating":
                todo[view.manager.id].append(view)
        if not todo:
            return
        total = sum(len(v) for v in todo.values())
        gate = asyncio.Semaphore(MANAGERS_AT_ONCE)

        async def read(manager_views: list[PairingView]) -> _ManagerInputs | None:
            async with gate:
                try:
                    return await self._read_inputs(manager_views)
                except ServiceError as exc:
                    for v in manager_views:
                        self._fail(f"{v.manager.name} & {v.report.name}", exc)
                    return None

        groups = [v for _, v in sorted(todo.items())]
        inputs = [i for i in await asyncio.gather(*(read(g) for g in groups)) if i is not None]
        claimed: list[PairingView] = []
        posting: list[asyncio.Task[None]] = []
        try:
            await self._plan(inputs, claimed, total, posting)
            await asyncio.gather(*posting)
        finally:
            for view in claimed:
                self.ctx.store.release(view.pairing.id, self.ctx.worker_id)

    async def _read_inputs(self, views: list[PairingView]) -> _ManagerInputs:
        """Everything Graph must tell before this manager's pairs can be planned."""
        graph, store = self.ctx.graph, self.ctx.store
        manager = views[0].manager
        people = [manager] + [v.report for v in views]
        infos = await graph.mailbox_settings([p.id for p in people])
        for person in people:
            info = infos.get(person.id)
            if info is not None and info.error is None and not self.dry_run:
                store.set_mailbox_info(person.id, **mailbox_fields(info))
            elif info is not None and info.error and person.id != manager.id:
                # The invite still reaches the report; only their hours are unknown.
                self.report.warnings.append(
                    f"{person.name} <{person.email}>: working hours unreadable, using the "
                    f"defaults ({info.error})")
        fresh = store.people(p.id for p in people)
        if self.dry_run:
            # Nothing is stored in a dry run, but the plan must use the hours and zones just
            # read, or it would show other slots than the real run creates. These rows are
            # detached copies (or a planned pair's unsaved people): changing them writes
            # nothing.
            for person in people:
                info = infos.get(person.id)
                if info is not None and info.error is None:
                    fields = mailbox_fields(info)
                    row = fresh.setdefault(person.id, person)
                    row.time_zone, row.working_days = fields["time_zone"], fields["days"]
                    row.working_start, row.working_end = fields["start"], fields["end"]
        manager = fresh.get(manager.id, manager)
        if infos.get(manager.id) and infos[manager.id].error:
            raise PermissionDenied(infos[manager.id].error or "", mailbox=manager.email)

        teams = False
        if self.series_policy.teams_meeting:
            teams = (await graph.teams_allowed([manager.id])).get(manager.id, False)

        window_start = self.now
        window_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)
        busy: dict[str, list[tuple[datetime, datetime]] | None]
        try:
            busy = await graph.free_busy(manager.email, [p.email for p in people],
                                         window_start, window_end)
        except GraphError as exc:
            log.warning("schedule.free_busy_unavailable",
                        extra={"mailbox": manager.email, "error": str(exc)})
            busy = {p.email: None for p in people}

        # One $batch finds any series already in the calendar for all these pairings.
        tagged = await graph.find_tagged_events_many(
            manager.id, PAIRING_PROPERTY, [v.pairing.key for v in views], ADOPT_SELECT)
        return _ManagerInputs(views=views, manager=manager, people=fresh, busy=busy,
                              teams=teams, tagged=tagged)

    async def _plan(self, inputs: list[_ManagerInputs], claimed: list[PairingView],
                    total: int, posting: list[asyncio.Task[None]]) -> None:
        """Choose every slot in turn under the planning lock. Each manager's series are
        POSTed (tasks added to ``posting``) as soon as they are planned, while later
        managers are planned: their intents are stored, so nothing can take their slots."""
        store = self.ctx.store
        locked = False
        if not self.dry_run:
            if not await self._take_planning_lock():
                for group in inputs:
                    self.report.busy.extend(f"{v.manager.name} & {v.report.name}"
                                            for v in group.views)
                log.warning("schedule.plan_lock_busy", extra={"pairs": total})
                return
            locked = True
        try:
            booked = self.booked_by_person()
            done = 0
            for n, group in enumerate(inputs):
                if locked and n:  # renewed as planning goes on (the lease is wall time)
                    store.take_lock(PLAN_LOCK, self.ctx.worker_id, lock_clock(), PLAN_LEASE)
                manager_hours = working_hours(group.manager, self.slot_policy.fallback_time_zone)
                for view in sorted(group.views, key=lambda v: v.pairing.key):
                    label = f"{view.manager.name} & {view.report.name}"
                    done += 1
                    if not self.dry_run:
                        if not store.claim(view.pairing.id, self.ctx.worker_id, self.now, LEASE):
                            self.report.busy.append(label)  # another live worker has it
                            continue
                        claimed.append(view)
                        # Re-read under the claim: another replica may have planned it.
                        live = store.live_series(view.pairing.id)
                        if live is not None and live.status == "active":
                            continue
                        view = PairingView(view.pairing, view.manager, view.report, live)
                    report = group.people.get(view.report.id, view.report)
                    try:
                        series, occurrences = self._prepare_one(
                            view, report, manager_hours, group.busy,
                            booked[view.manager.id] + booked[view.report.id], group.teams,
                            label, group.tagged.get(view.pairing.key, []))
                    except ServiceError as exc:
                        self._fail(label, exc)
                        continue
                    booked[view.manager.id].extend(occurrences)
                    booked[view.report.id].extend(occurrences)
                    if series is not None:
                        posting.append(asyncio.create_task(
                            self._post_one(view, report, series, label)))
                    self.ctx.report_progress("schedule", done, total)
                await asyncio.sleep(0)  # let the requests already started move on
        finally:
            if locked:
                store.drop_lock(PLAN_LOCK, self.ctx.worker_id)

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

    def booked_by_person(self, skip_series: int | None = None
                         ) -> defaultdict[str, list[tuple[datetime, datetime]]]:
        """Every person's 1-2-1 times from now to the taken horizon, from the store alone:
        each live series (as manager and as report, whoever created it) and meetings moved
        off their series' pattern."""
        start, end = self.now, self.now + TAKEN_HORIZON
        out: defaultdict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        people: dict[int, tuple[str, str]] = {}
        for series, manager_id, report_id in self.ctx.store.live_series_people():
            if series.id == skip_series:
                continue
            people[series.id] = (manager_id, report_id)
            times = series_occurrences(series, start, end, open_ended=series.status == "active")
            out[manager_id].extend(times)
            out[report_id].extend(times)
        for occ in self.ctx.store.occurrences_between(start, end):
            who = people.get(occ.series_id)
            moved = occ.start != occ.original_start or occ.rebook_of is not None
            if who is not None and moved and occ.status in ("scheduled", "moved"):
                for person in who:
                    out[person].append((occ.start, occ.end))
        return out

    def _prepare_one(
        self, view: PairingView, report: PersonRow, manager_hours: WorkingHours,
        busy: dict[str, list[tuple[datetime, datetime]] | None],
        taken: list[tuple[datetime, datetime]], teams: bool, label: str,
        tagged: list[dict[str, Any]],
    ) -> tuple[SeriesRow | None, list[tuple[datetime, datetime]]]:
        """Adopt an existing series, or record the intent to create one (no Graph calls).

        Returns the series row to POST (None when adopted or in a dry run) and its
        occurrences in the look-ahead, which later pairs of this manager must avoid.
        """
        store = self.ctx.store
        pairing, manager = view.pairing, view.manager
        window_end = self.now + TAKEN_HORIZON

        # 1. Adopt a series that already exists in the calendar (lost database, crash).
        found = adoptable([e for e in tagged if e.get("id") not in self._ending],
                          local_today(self.now, manager_hours.time_zone))
        if found is not None:
            fields = series_from_event(found, manager_hours.time_zone)
            if self.dry_run:
                self.report.adopted.append(label)
                return None, []
            series = view.series or store.begin_series(SeriesRow(
                pairing_id=pairing.id, mailbox=manager.id,
                transaction_id=f"adopted-{found['id'][-60:]}", status="creating",
                online=False, slot_note="adopted from the calendar", created_at=self.now,
                updated_at=self.now, **fields))
            store.activate_series(series.id, event_id=found["id"],
                                  ical_uid=found.get("iCalUId"), now=self.now, **fields)
            self.report.adopted.append(label)
            log.info("schedule.adopted", extra={"pairing": pairing.key})
            return None, series_occurrences(store.live_series(pairing.id) or series,
                                            self.now, window_end, open_ended=True)

        # 2. Resume a create that a previous run started, with the same transactionId.
        series = view.series if view.series and view.series.status == "creating" else None
        if series is None:
            cadence = Cadence(CadenceKind(pairing.cadence), pairing.minutes,
                              pairing.cadence_reason)
            report_hours = working_hours(report, manager_hours.time_zone)
            m_busy, r_busy = busy.get(manager.email), busy.get(report.email)
            slot = choose_slot(
                cadence=cadence, manager_hours=manager_hours, report_hours=report_hours,
                manager_busy=m_busy or [], report_busy=r_busy or [], taken=taken,
                policy=self.slot_policy, now=self.now, seed=pairing.key,
                free_busy_known=m_busy is not None and r_busy is not None,
                taken_until=window_end, first_by=self._first_by(pairing.id, cadence.kind),
            )
            range_end = series_end_date(slot.first_date, self.series_policy.months_ahead,
                                        self.series_policy.extend_months)
            series = SeriesRow(
                pairing_id=pairing.id, mailbox=manager.id,
                transaction_id=transaction_id(pairing.key, slot, cadence.kind),
                status="creating", cadence=str(cadence.kind), minutes=cadence.minutes,
                weekday=slot.weekday, week_index=slot.week_index,
                start_time=slot.start.strftime("%H:%M"), time_zone=slot.time_zone,
                first_date=slot.first_date, range_end=range_end, online=teams,
                slot_note="; ".join(slot.notes), created_at=self.now, updated_at=self.now,
            )
            if self.dry_run:
                self.report.created.append(label)
                self.report.planned.append((label, describe_slot(series)))
                return None, series_occurrences(series, self.now, window_end, open_ended=True)
            series = store.begin_series(series)
        return series, series_occurrences(series, self.now, window_end, open_ended=True)

    def _first_by(self, pairing_id: int, kind: CadenceKind) -> date | None:
        """After a cadence change: the new series' first meeting is due within one interval
        of the new cadence after the last meeting the pair had (None for a new pair)."""
        if pairing_id <= 0:
            return None  # a pair a dry run would add: nothing held yet
        past = [o for o in self.ctx.store.pairing_occurrences(pairing_id)
                if o.end <= self.now and o.status not in ("cancelled", "declined")]
        if not past:
            return None
        last = max(o.start for o in past).date()
        return first_meeting_due(kind, last)

    async def _post_one(self, view: PairingView, report: PersonRow, series: SeriesRow,
                        label: str) -> None:
        """Create the series in Outlook and record it (the intent row already exists)."""
        try:
            payload = self.event_payload(series, view.manager, report, view.pairing)
            event = await self.ctx.graph.create_event(view.manager.id, payload)
        except ServiceError as exc:
            self._fail(label, exc)
            return
        self.ctx.store.activate_series(series.id, event_id=event["id"],
                                       ical_uid=event.get("iCalUId"), now=self.now)
        self.report.created.append(label)
        self.report.planned.append((label, describe_slot(series)))
        log.info("schedule.created", extra={"pairing": view.pairing.key,
                                            "slot": describe_slot(series)})

    def event_payload(self, series: SeriesRow, manager: PersonRow, report: PersonRow,
                      pairing: PairingRow) -> dict[str, Any]:
        slot = slot_of(series)
        kind = CadenceKind(series.cadence)
        body = self._intro(series, manager, report, self._why.get(pairing.id))
        return series_event(
            subject=self.series_policy.subject.format(manager=manager.name, report=report.name),
            body_html=body, slot=slot, minutes=series.minutes,
            recurrence=recurrence_for(kind, slot, series.range_end),
            report_email=report.email, report_name=report.name, pairing_key=pairing.key,
            txn=series.transaction_id, teams=series.online,
        )

    def _intro(self, series: SeriesRow, manager: PersonRow, report: PersonRow,
               moved_why: str | None) -> str:
        """The series' invite text (and why it moved, when it did)."""
        return render(
            "intro.html.j2", manager_name=manager.name, report_name=report.name,
            report_first_name=first_name(report.name),
            cadence_text=CADENCE_TEXT[CadenceKind(series.cadence)], minutes=series.minutes,
            moved_why=moved_why,
        )

    def _fail(self, label: str, exc: Exception) -> None:
        self.report.failed.append(f"{label}: {exc}")
        log.error("schedule.failed", extra={"pair": label, "error": str(exc)})


def lock_clock() -> datetime:
    """Wall-clock time for the planning lock's lease. Replicas wait on one another in real
    time, whatever instant a run is *as of* (a `tick --now` replay, a simulated clock)."""
    return datetime.now(UTC)


def _stale_reason(view: PairingView) -> str | None:
    """Why a pairing's live series must end (its pairing ended or its cadence changed)."""
    series, pairing = view.series, view.pairing
    if series is None:
        return None
    if pairing.status == "ended":
        return pairing.end_reason or "pairing ended"
    if pairing.status == "active" and (
            series.cadence != pairing.cadence or series.minutes != pairing.minutes):
        return f"cadence changed to {pairing.cadence} ({pairing.cadence_reason})"
    return None


def dry_run_changes(ctx: JobContext, actions: list[PairAction], now: datetime
                    ) -> dict[str, PairingRow]:
    """Unsaved copies of the stored pairings a pairs sync would end or re-cadence."""
    policy = ctx.settings.cadence_policy()
    stored = {p.key: p for p in ctx.store.pairings()}
    out: dict[str, PairingRow] = {}
    for action in actions:
        current = stored.get(action.current.key) if action.current else None
        if current is None:
            continue
        copy = PairingRow(**{c.key: getattr(current, c.key)
                             for c in PairingRow.__table__.columns})
        if action.kind in ("leave", "unpaired", "move"):
            copy.status, copy.end_reason = "ended", action.reason
        elif action.kind == "recadence" and action.spec is not None:
            cadence = choose_cadence(action.spec, policy, now.date())
            copy.cadence, copy.minutes = str(cadence.kind), cadence.minutes
            copy.cadence_reason = cadence.reason
        else:
            continue
        out[current.key] = copy
    return out


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


def describe_slot(series: SeriesRow) -> str:
    """'every two weeks, Tuesday 10:30 Europe/London, from 2026-12-01'."""
    day = WEEKDAYS[series.weekday].capitalize()
    when = f"{series.week_index} {day}" if series.week_index else day
    text = CADENCE_TEXT[CadenceKind(series.cadence)]
    return (f"{text}, {when} {series.start_time} {series.time_zone}, {series.minutes} min, "
            f"from {series.first_date}")


async def schedule(
    ctx: JobContext, now: datetime, *, dry_run: bool = False,
    planned: list[PairingView] | None = None, changes: dict[str, PairingRow] | None = None,
) -> ScheduleReport:
    """Run the schedule job once as of ``now``."""
    return await Scheduler(ctx, now, dry_run=dry_run).run(planned, changes)
