"""Creating missing series: read what Graph knows per manager, plan every slot under the
planning lock (adopting a series already in the calendar), then POST the series."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from service.domain import records
from service.domain.adoption import (
    adoptable,
)
from service.domain.cadence import (
    known_change,
    recurrence_for,
    series_end_date,
)
from service.domain.events import CalendarEvent, MailboxInfo
from service.domain.model import Cadence, CadenceKind, WorkingHours
from service.domain.pairing import chart_depths
from service.domain.records import PairingRecord, PairingView, PersonRecord, SeriesRecord
from service.domain.series import held_before, slot_of
from service.domain.series import occurrences as series_occurrences
from service.domain.slot_text import compromises, for_the_report, late_first_note
from service.domain.slots import choose_slot
from service.domain.status import MISSED, SeriesStatus
from service.domain.subjects import series_subject
from service.domain.timezones import local_date
from service.errors import GraphError, PermissionDenied, ServiceError
from service.graph.wire import (
    series_event,
    transaction_id,
)
from service.jobs.hours_told import retime_outside_hours
from service.jobs.series_found import SeriesFound
from service.jobs.series_plan import (
    LEASE,
    MANAGERS_AT_ONCE,
    PLAN_LEASE,
    PLAN_LOCK,
    TAKEN_HORIZON,
    _ManagerInputs,
    describe_slot,
    first_meeting_due,
    local_today,
    lock_clock,
    mailbox_fields,
    not_before,
    passing,
    report_working_hours,
    stored_differs,
    working_hours,
    zone_known,
)

log = logging.getLogger(__name__)
# Stored mailbox settings younger than this are used as they are (see _read_mailboxes).
MAILBOX_FRESH = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How often the planning lock is renewed while held (a quarter of its lease).
RENEW_EVERY = PLAN_LEASE / 4
# Series recorded as created in one commit, once all of them are answered.
ACTIVATE_EVERY = 32


class SeriesCreation(SeriesFound):
    """The create-missing step of a schedule run."""

    async def _create_missing(self, views: list[PairingView]) -> None:
        """Create the series that are missing, in three steps.

        1. Per manager, side by side: read mailbox settings, free/busy and tagged events.
        2. One worker at a time (the planning lock), one pair at a time: choose each slot
           against every 1-2-1 either person is already in, as manager or as report, in
           any series (stored, or planned a moment ago by this loop), and record the intent.
           Planning is pure and quick, so holding the lock costs replicas little; without
           it two workers could each plan one of a person's two series into one slot.
        3. Side by side again: POST the series.

        The steps overlap: managers are planned in a fixed order (top-down, so the same
        organisation gets the same slots), each as soon as its reads are in while later
        managers' reads go on, and its series are POSTed while later managers are planned.
        Waiting for every read before planning the first would add the reads' time to the
        CPU time of planning instead of hiding one behind the other.
        """
        todo: dict[str, list[PairingView]] = defaultdict(list)
        for view in views:
            if view.series is None or view.series.status == SeriesStatus.CREATING:
                todo[view.manager.id].append(view)
        if not todo:
            return
        total = sum(len(v) for v in todo.values())
        gate = asyncio.Semaphore(MANAGERS_AT_ONCE)

        # Top-down by depth in the chart (then by id, a fixed order): a person's own 1-2-1
        # with their manager is planned before their reports' 1-2-1s with them, so that
        # where their time runs short it is not their own (the guidance's must for a
        # manager of others) that finds none left: a part-time manager's new starters took
        # every slot when her id sorted before her manager's.
        depth = chart_depths({v.report.id: v.manager.id for vs in todo.values() for v in vs})
        groups = [v for _, v in sorted(todo.items(), key=lambda m: (depth.get(m[0], 0), m[0]))]

        async def read(manager_views: list[PairingView]) -> _ManagerInputs | None:
            async with gate:
                try:
                    return await self._read_inputs(manager_views)
                except Exception as exc:
                    if not isinstance(exc, ServiceError):
                        # A defect, or data no one foresaw: this manager's pairs fail, with
                        # the traceback logged, not every manager's (the reads store nothing).
                        log.exception("schedule.read_failed",
                                      extra={"pairing": manager_views[0].pairing.key})
                        exc = ServiceError(f"unexpected error, logged: {exc!r}")
                    for v in manager_views:
                        self._fail(f"{v.manager.name} & {v.report.name}", exc, v)
                    return None

        reads = [asyncio.create_task(read(g)) for g in groups]  # started in this order
        claimed: list[PairingView] = []
        posting: list[asyncio.Task[None]] = []
        try:
            await self._plan(reads, claimed, total, posting)
            if self._settings_new and not self.dry_run:  # every read is in by now
                changed = self.ctx.store.set_mailbox_infos(self._settings_new, self.now)
                # Their other series may now fall outside their hours (those just booked
                # were planned on them).
                retime_outside_hours(self.ctx.store, changed, self.slot_policy, self.now,
                                     skip=[v.pairing.id for v in views])
            await asyncio.gather(*posting)
        finally:
            for task in reads + posting:  # only left running when planning failed
                task.cancel()
            self.ctx.store.release_many([v.pairing.id for v in claimed], self.ctx.worker_id)

    async def _mailbox_infos(self, people: list[PersonRecord], told: dict[str, MailboxInfo],
                             stored: dict[str, PersonRecord]) -> dict[str, MailboxInfo]:
        """Each person's zone and working hours, by id. ``told``: the working hours the
        getSchedule answers carried (by address), which Graph takes from the mailbox's
        settings, so they cost no request of their own. Where an answer carried none (an
        error for that address, no hours) or named a zone onetoone cannot map (a custom
        zone: Graph's customTimeZone carries a free-text name), the stored settings serve
        while less than a week old, else mailboxSettings is read for those people (one
        batched read), as before. ``stored``: the people's rows. What is new is kept for
        storing after every manager's inputs are read."""
        ids = list(dict.fromkeys(p.id for p in people))
        read_at = self.ctx.store.mailbox_read(ids)
        from_schedule: dict[str, MailboxInfo] = {}
        for person in people:
            info = told.get(person.email.lower())
            if info is not None and zone_known(info):
                from_schedule[person.id] = replace(info, user_id=person.id)

        def fresh(pid: str) -> bool:
            return self.now - MAILBOX_FRESH < read_at.get(pid, EPOCH)

        known = self._settings_known
        async with self._settings_lock:  # held across the read: managers' runs overlap
            stale = [pid for pid in ids
                     if pid not in from_schedule and pid not in known and not fresh(pid)]
            infos = await self.ctx.graph.mailbox_settings(stale) if stale else {}
            known.update(infos)
        new = self._settings_new
        new.update((pid, {**mailbox_fields(info), "date_format": info.date_format or ""})
                   for pid, info in infos.items() if info.error is None)
        for pid, info in from_schedule.items():
            fields = mailbox_fields(info)
            if pid not in known and (not fresh(pid) or stored_differs(stored.get(pid), fields)):
                new[pid] = fields
            known[pid] = info
        return {**{pid: known[pid] for pid in ids if pid in known}, **from_schedule}

    async def _read_inputs(self, views: list[PairingView]) -> _ManagerInputs:
        """Everything Graph must tell before this manager's pairs can be planned.

        Free/busy comes first: its window is instants from now (no one's zone or hours is
        needed to ask), and its answers carry everyone's working hours, so a first rollout
        reads no mailboxSettings unless Graph could not tell about someone. The Teams
        check and the search for series already there (tagged, or the pair's own) need
        neither, so they go at the same time (three requests at the manager's mailbox, within
        its limit of four): one round trip, not three."""
        manager = views[0].manager
        people = [manager] + [v.report for v in views]
        weeks = timedelta(weeks=self.slot_policy.free_busy_weeks)
        windows = [(self.now, self.now + weeks)]
        # A joiner not started yet is planned from their first day: their first weeks are
        # read too, as a window of their own (not the months before it, which no one's plan
        # uses: Graph answers a getSchedule call per 61 days).
        starts = [datetime.combine(d, time(0), tzinfo=UTC) - timedelta(days=1)
                  for v in views if (d := not_before(v.manager, v.report))]
        later = [d for d in starts if d + weeks > windows[0][1]]
        if later:
            lo, hi = min(later), max(later) + weeks + timedelta(days=3)
            if lo <= windows[0][1]:
                windows = [(self.now, hi)]
            else:
                windows.append((lo, hi))
        side = asyncio.gather(self._teams(manager), self._find_series(manager, views),
                              return_exceptions=True)
        try:
            busy, fresh, infos = await self._read_people(manager, people, windows)
        except BaseException:
            side.cancel()
            raise
        teams, series = await side
        if infos.get(manager.id) and infos[manager.id].error:
            raise PermissionDenied(infos[manager.id].error or "", mailbox=manager.email)
        for found in (teams, series):
            if isinstance(found, BaseException):
                raise found
        assert isinstance(teams, bool) and isinstance(series, tuple)
        tagged, masters = series
        await self.end_left_behind(views, tagged)  # a restored manager's old series
        await self.clear_restored_copies(views)  # a restored report's copy of the old one
        return _ManagerInputs(views=views, manager=fresh.get(manager.id, manager),
                              people=fresh, busy=busy, teams=teams, tagged=tagged,
                              masters=masters)

    async def _teams(self, manager: PersonRecord) -> bool:
        """Whether the series get a Teams link (policy, and the manager's calendar allows)."""
        if not self.series_policy.teams_meeting:
            return False
        return (await self.ctx.graph.teams_allowed([manager.id])).get(manager.id, False)

    async def _read_people(
        self, manager: PersonRecord, people: list[PersonRecord],
        windows: list[tuple[datetime, datetime]],
    ) -> tuple[dict[str, list[tuple[datetime, datetime]] | None], dict[str, PersonRecord],
               dict[str, MailboxInfo]]:
        """Free/busy of the manager and reports over ``windows``, their rows with the hours
        and zones Graph told, and what it told (by person id)."""
        graph, store = self.ctx.graph, self.ctx.store
        busy: dict[str, list[tuple[datetime, datetime]] | None] = {}
        told: dict[str, MailboxInfo] = {}
        try:
            for lo, hi in windows:
                part = await graph.free_busy(manager.id, [p.email for p in people], lo, hi,
                                             hours=told)
                for who, found in part.items():
                    # Unknown in any window: unknown (a partial picture is not a free one).
                    had = busy.get(who, [])
                    busy[who] = None if found is None or had is None else had + found
        except GraphError as exc:
            if passing(exc):
                # Throttled, a 5xx or no answer: it passes, and booking blind meanwhile would
                # put months of meetings over busy time. The pairs wait for the next run.
                raise
            log.warning("schedule.free_busy_unavailable",
                        extra={"mailbox": manager.email, "error": str(exc)})
            busy = {p.email: None for p in people}
        fresh = store.people(p.id for p in people)
        infos = await self._mailbox_infos(people, told, fresh)
        for person in people:
            info = infos.get(person.id)
            if info is not None and info.error and person.id != manager.id:
                # The invite still reaches the report; only their hours are unknown.
                self.report.warnings.append(  # (Graph's words name the mailbox by id)
                    f"{person.name} <{person.email}>: working hours unreadable, using the "
                    f"defaults ({records.by_address(info.error, person.id, person.email)})")
        # The plan uses the hours and zones just told or read (stored once every manager's
        # are known; in a dry run, never). These rows are detached copies (or a planned
        # pair's unsaved people): changing them writes nothing.
        for person in people:
            info = infos.get(person.id)
            if info is not None and info.error is None:
                zone, days, start, end = mailbox_fields(info).values()
                fresh[person.id] = replace(
                    fresh.get(person.id, person), time_zone=zone, working_days=days,
                    working_start=start, working_end=end)
        return busy, fresh, infos

    async def _plan(self, reads: list[asyncio.Task[_ManagerInputs | None]],
                    claimed: list[PairingView], total: int,
                    posting: list[asyncio.Task[None]]) -> None:
        """Choose every slot in turn under the planning lock. Each manager's series are
        POSTed (tasks added to ``posting``) as soon as they are planned, while later
        managers are planned: their intents are stored, so nothing can take their slots.

        The store is asked per manager, not per pair: one claim of all the manager's
        pairings, one re-read of their live series, one commit of every intent (before any
        of their POSTs), so planning costs little beyond choosing the slots."""
        store = self.ctx.store
        locked = False
        if not self.dry_run:
            if not await self._take_planning_lock():
                await self._left_to_others(reads)
                log.warning("schedule.plan_lock_busy", extra={"pairs": total})
                return
            locked = True
        try:
            booked = self.booked_by_person()
            done = 0
            renewed = lock_clock()
            for n, read in enumerate(reads):
                # The lock is renewed as planning goes on (the lease is wall time), well
                # before it ends, also while a manager's reads are still out (throttled).
                while locked:
                    if lock_clock() - renewed > RENEW_EVERY:
                        renewed = lock_clock()
                        if not store.take_lock(PLAN_LOCK, self.ctx.worker_id, renewed,
                                               PLAN_LEASE):
                            # Ours ran out (this run stalled) and another worker plans now:
                            # going on would choose slots beside it, blind to its choices.
                            locked = False
                            await self._left_to_others(reads[n:])
                            log.warning("schedule.plan_lock_lost",
                                        extra={"pairs_left": len(self.report.busy)})
                            return
                    if read.done():
                        break
                    await asyncio.wait({read}, timeout=RENEW_EVERY.total_seconds())
                group = await read
                if group is None:  # its pairs are reported failed
                    continue
                done = self._plan_manager(group, booked, claimed, posting, done, total)
                await asyncio.sleep(0)  # let the requests already started move on
        finally:
            if locked:
                store.drop_lock(PLAN_LOCK, self.ctx.worker_id)

    async def _left_to_others(self, reads: list[asyncio.Task[_ManagerInputs | None]]) -> None:
        """Report the pairs of these managers as left to the worker holding the planning
        lock (their claims end with this run; the next run books any it did not)."""
        for group in await asyncio.gather(*reads):
            if group is not None:
                self.report.busy.extend(f"{v.manager.name} & {v.report.name}"
                                        for v in group.views)

    def _plan_manager(self, group: _ManagerInputs,
                      booked: defaultdict[str, list[tuple[datetime, datetime]]],
                      claimed: list[PairingView], posting: list[asyncio.Task[None]],
                      done: int, total: int) -> int:
        """Plan one manager's pairs (see _plan); returns ``done`` counted on."""
        store = self.ctx.store
        manager_hours = working_hours(group.manager, self.slot_policy.fallback_time_zone)
        views = sorted(group.views, key=lambda v: v.pairing.key)
        ids = [v.pairing.id for v in views if v.pairing.id > 0]
        got: set[int] = set()
        live: dict[int, SeriesRecord] = {}
        still: dict[int, PairingView] = {}
        if not self.dry_run:
            got = store.claim_many(ids, self.ctx.worker_id, self.ctx.moved_on(self.now), LEASE)
            # Re-read under the claim: another replica may have planned them, or ended or
            # re-cadenced the pairing (its pairs sync) since this run listed them.
            live = store.live_series_of(sorted(got))
            still = store.active_views(sorted(got))
        history = store.pairings_with_series(ids) if ids else set()
        intents: list[tuple[PairingView, PersonRecord, SeriesRecord, str]] = []
        for view in views:
            label = f"{view.manager.name} & {view.report.name}"
            done += 1
            if not self.dry_run:
                if view.pairing.id not in got:
                    self.report.busy.append(label)  # another live worker has it
                    continue
                claimed.append(view)
                current = live.get(view.pairing.id)
                if current is not None and current.status == SeriesStatus.ACTIVE:
                    continue
                if view.pairing.id not in still:
                    continue  # ended meanwhile: nothing to book
                view = PairingView(still[view.pairing.id].pairing, view.manager, view.report,
                                   current)
            report = group.people.get(view.report.id, view.report)
            try:
                series, occurrences = self._prepare_one(
                    view, report, manager_hours, group.busy,
                    (booked[view.manager.id], booked[view.report.id]), group.teams,
                    label, group.tagged.get(view.pairing.key, []),
                    view.pairing.id in history, group.masters)
            except ServiceError as exc:
                self._fail(label, exc, view)
                continue
            booked[view.manager.id].extend(occurrences)
            booked[view.report.id].extend(occurrences)
            if series is not None:
                intents.append((view, report, series, label))
            self.ctx.report_progress("schedule", done, total)
        if intents:
            # Every intent is stored (one commit) before any of these POSTs: a kill
            # after this point leaves rows the next run adopts or retries, never a twin.
            try:
                saved = iter(store.begin_series_many([s for _v, _r, s, _l in intents
                                                      if not s.id]))
            except ServiceError as exc:  # nothing stored: none of them is POSTed
                for entry_view, *_entry, label in intents:
                    self._fail(label, exc, entry_view)
                return done
            ready = []
            for view, report, series, label in intents:
                series = series if series.id else next(saved)
                if series.status == SeriesStatus.CREATING:  # not one another worker made
                    ready.append((view, report, series, label))
            for start in range(0, len(ready), ACTIVATE_EVERY):
                posting.append(asyncio.create_task(
                    self._post_some(ready[start:start + ACTIVATE_EVERY])))
        return done

    def _prepare_one(
        self, view: PairingView, report: PersonRecord, manager_hours: WorkingHours,
        busy: dict[str, list[tuple[datetime, datetime]] | None],
        taken: tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]],
        teams: bool, label: str,
        tagged: list[CalendarEvent], history: bool = True,
        masters: list[CalendarEvent] | None = None,
    ) -> tuple[SeriesRecord | None, list[tuple[datetime, datetime]]]:
        """Adopt an existing series, or plan one to create (no Graph calls).

        ``taken``: the manager's other 1-2-1s and the report's (as manager or as report).
        Returns the series to POST (None when adopted, left to the pair's own or in a dry
        run; not yet stored when new: the caller stores the manager's intents together) and
        its occurrences in the look-ahead, which later pairs of this manager must avoid.
        ``history``: whether the pairing ever had a series (without one it has no past
        meetings to follow on from). ``masters``: the manager's series masters, read when
        a pair may hold a series of its own.
        """
        pairing, manager = view.pairing, view.manager
        window_end = self.now + TAKEN_HORIZON

        # 1. Adopt a series that already exists in the calendar (lost database, crash),
        # or the pair's own made by hand before (never once onetoone booked the pair, unless
        # the manager deleted what it booked: see _deleted_last).
        found = adoptable(self.not_ours(pairing.id, tagged),
                          local_today(self.now, manager_hours.time_zone)) if tagged else None
        if found is not None:
            return None, self._adopt(view, found, manager_hours.time_zone, label,
                                     "adopted from the calendar")
        if view.series is None and masters and (not history
                                                or self._deleted_last(pairing.id)):
            own = self._take_own(view, report, masters, manager_hours.time_zone, label)
            if own is not None:
                return None, own

        # 2. Resume a create that a previous run started, with the same transactionId.
        series = (view.series if view.series and view.series.status == SeriesStatus.CREATING
                  else None)
        if series is None:
            cadence = Cadence(CadenceKind(pairing.cadence), pairing.minutes,
                              pairing.cadence_reason)
            report_hours = report_working_hours(report, manager_hours.time_zone)
            m_busy, r_busy = busy.get(manager.email), busy.get(report.email)
            # A pair whose series was ended to move it may still meet on the one it followed
            # on from (never ended with it): the new one starts after that one's last day.
            held = (held_before(self.ctx.store.pairing_series(pairing.id),
                                local_today(self.now, manager_hours.time_zone))
                    if history and pairing.id > 0 else None)
            earliest = not_before(manager, report)
            if held is not None:
                earliest = max(held[0], earliest or held[0])
            choose = functools.partial(
                choose_slot,
                cadence=cadence, manager_hours=manager_hours, report_hours=report_hours,
                manager_busy=m_busy or [], report_busy=r_busy or [], taken=[*taken[0], *taken[1]],
                policy=self.slot_policy, now=self.now, seed=pairing.key,
                # One calendar Graph could not tell about doesn't hide the other's busy time.
                free_busy_known=m_busy is not None or r_busy is not None,
                taken_until=window_end, not_before=earliest, taken_apart=taken)
            first_by = (self._first_by(pairing.id, cadence.kind, manager_hours.time_zone, held)
                        if history else None)
            try:
                slot = choose(first_by=first_by)
            except ServiceError:
                if first_by is None:
                    raise
                # A preference, not a rule: the old series has ended, and refusing would
                # leave the pair none at all. The best later time, with a note.
                slot = choose()
                slot = replace(slot, notes=(*slot.notes, late_first_note(first_by)))
            change = known_change(pairing, report, self.cadence_policy)
            if change is not None and slot.first_date >= change.on:
                # No meeting can be held before the change (a new starter's weeks, a lead's
                # vacancy, ending): booked now, the series would run months at the old
                # cadence past it. It is booked at the cadence the pair has from then.
                cadence = Cadence(change.kind, cadence.minutes, cadence.reason)
                later = max(change.on, earliest or change.on)
                if held is not None:  # due after the older series' last meeting, as now
                    first_by = self._first_by(pairing.id, change.kind,
                                              manager_hours.time_zone, held)
                try:
                    slot = choose(cadence=cadence, first_by=first_by, not_before=later)
                except ServiceError:
                    if first_by is None:
                        raise
                    slot = choose(cadence=cadence, not_before=later)
                    slot = replace(slot, notes=(*slot.notes, late_first_note(first_by)))
            if (m_busy is None) != (r_busy is None):
                unread = "manager" if m_busy is None else "report"
                slot = replace(slot, notes=(*slot.notes, (
                    f"The {unread}'s free/busy was unavailable, so only the other calendar "
                    "was checked.")))
            range_end = series_end_date(slot.first_date, self.series_policy.months_ahead,
                                        self.series_policy.extend_months)
            if change is not None and slot.first_date < change.on:
                # Ends the day before the change (a new starter's weeks, a vacancy's grace),
                # set now: ending it then cancels each meeting to come, and a new end date
                # drops every exception. The horizon step books the follow-on (_extend).
                range_end = min(range_end, change.on - timedelta(days=1))
            series = SeriesRecord(
                pairing_id=pairing.id, mailbox=manager.id,
                transaction_id=transaction_id(pairing.key, slot, cadence.kind),
                status=SeriesStatus.CREATING, cadence=str(cadence.kind),
                minutes=cadence.minutes,
                weekday=slot.weekday, week_index=slot.week_index,
                start_time=slot.start.strftime("%H:%M"), time_zone=slot.time_zone,
                first_date=slot.first_date, range_end=range_end, online=teams,
                slot_note="; ".join(slot.notes), created_at=self.now, updated_at=self.now,
            )
            if self.dry_run:
                self.report.created.append(label)
                self.report.planned.append((label, describe_slot(series)))
                self._planned_series.append((series, replace(view, report=report)))
                self._note_compromise(pairing.key, label, series, report_hours.time_zone)
                return None, series_occurrences(series, self.now, window_end, open_ended=True)
        return series, series_occurrences(series, self.now, window_end, open_ended=True)

    def _first_by(self, pairing_id: int, kind: CadenceKind, zone: str,
                  held: tuple[date, date] | None = None) -> date | None:
        """After a cadence change: the new series' first meeting is due within one interval
        of the new cadence after the last meeting the pair had (None for a new pair), or
        will have on an older series still holding meetings (``held``: ``held_before``)."""
        if held is not None:
            return first_meeting_due(kind, held[1])
        if pairing_id <= 0:
            return None  # a pair a dry run would add: nothing held yet
        past = [o for o in self.ctx.store.pairing_occurrences(pairing_id)
                if o.end <= self.now and o.status not in MISSED]
        if not past:
            return None
        last = local_date(max(o.start for o in past), zone)  # the slots' own calendar days
        return first_meeting_due(kind, last)

    async def _post_some(self, entries: list[tuple[PairingView, PersonRecord, SeriesRecord,
                                                   str]]) -> None:
        """Create these series in Outlook (side by side; the transport keeps each mailbox's
        limit) and record those created in one commit. Until then a created series is
        what a kill would leave anyway: an intent the next run adopts by its tag."""
        events = await asyncio.gather(*(self._post_one(*entry) for entry in entries))
        done = [(entry, event) for entry, event in zip(entries, events, strict=True)
                if event is not None]
        self.ctx.store.activate_series_many(
            [(series.id, event.id, event.ical_uid) for (_v, _r, series, _l), event in done],
            self.now)
        for (view, report, series, label), _event in done:
            self.report.created.append(label)
            self.report.planned.append((label, describe_slot(series)))
            log.info("schedule.created", extra={"pairing": view.pairing.key,
                                                "slot": describe_slot(series)})
            # The report's zone as the planning saw it (unknown: the manager's).
            zone = report_working_hours(report, series.time_zone).time_zone
            self._note_compromise(view.pairing.key, label, series, zone)

    def _note_compromise(self, pairing_key: str, label: str, series: SeriesRecord,
                         report_zone: str) -> None:
        """Put a series booked at a compromise time where an admin sees it: the run's
        "needs a look" lines and a WARNING log event. The stored note alone reached no one,
        so a 1-2-1 at 06:00 for the report, or outside the configured window, went
        unnoticed. The log carries the pairing key, slot and reason codes, never names."""
        found = compromises(series.slot_note)
        if not found:
            return
        slot = describe_slot(series) + for_the_report(
            series.first_date, time.fromisoformat(series.start_time), series.time_zone,
            report_zone)
        self.report.needs_a_look.append(
            f"{label}: {slot}: " + "; ".join(c.words for c in found))
        log.warning("schedule.slot_compromise",
                    extra={"pairing": pairing_key, "slot": slot,
                           "reasons": ",".join(c.code for c in found),
                           "dry_run": self.dry_run})

    async def _post_one(self, view: PairingView, report: PersonRecord, series: SeriesRecord,
                        label: str) -> CalendarEvent | None:
        """POST one series whose intent row exists; None when it failed (reported)."""
        try:
            payload = self.event_payload(series, view.manager, report, view.pairing)
            return await self.ctx.graph.create_event(view.manager.id, payload)
        except ServiceError as exc:
            self._fail(label, exc, view)
            return None

    def event_payload(self, series: SeriesRecord, manager: PersonRecord, report: PersonRecord,
                      pairing: PairingRecord) -> dict[str, Any]:
        slot = slot_of(series)
        kind = CadenceKind(series.cadence)
        body = self._intro(series, manager, report, self._why.get(pairing.id))
        return series_event(
            subject=series_subject(self.series_policy.subject, manager.name, report.name),
            body_html=body, slot=slot, minutes=series.minutes,
            recurrence=recurrence_for(kind, slot, series.range_end),
            report_email=report.email, report_name=report.name, pairing_key=pairing.key,
            txn=series.transaction_id, teams=series.online,
            sensitivity=self.ctx.settings.policy.sensitivity,
        )
