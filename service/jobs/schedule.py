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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.cadence import extended_end, needs_extension, recurrence_for, series_end_date
from service.domain.model import WEEKDAYS, Cadence, CadenceKind, Slot, WorkingHours
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


@dataclass
class ScheduleReport:
    """What one run did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    deleted_by_manager: list[str] = field(default_factory=list)
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


def series_occurrences(series: SeriesRow, start: datetime, end: datetime
                       ) -> list[tuple[datetime, datetime]]:
    """A stored series' occurrences in a window, computed locally (no Graph call)."""
    slot = slot_of(series)
    rec = recurrence_for(CadenceKind(series.cadence), slot, series.range_end)
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

    async def run(self, planned: list[PairingView] | None = None) -> ScheduleReport:
        """One pass. ``planned``: pairings a dry run's pairs sync would add (not stored)."""
        views = self.ctx.store.views()
        await self._end_stale(views)
        if not self.dry_run:
            await self._verify()
            await self._extend()
        await self._create_missing(self.ctx.store.views(["active"]) + (planned or []))
        return self.report

    # ending -----------------------------------------------------------------------------

    async def _end_stale(self, views: list[PairingView]) -> None:
        """End series whose pairing ended, or whose cadence no longer fits the pairing."""
        for view in views:
            series, pairing = view.series, view.pairing
            if series is None:
                continue
            label = f"{view.manager.name} & {view.report.name}"
            if pairing.status == "ended":
                reason = pairing.end_reason or "pairing ended"
            elif pairing.status == "active" and (
                series.cadence != pairing.cadence or series.minutes != pairing.minutes
            ):
                reason = f"cadence changed to {pairing.cadence} ({pairing.cadence_reason})"
            else:
                continue
            if self.dry_run:
                self.report.ended.append(f"{label}: {reason}")
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

    # creating -----------------------------------------------------------------------------

    async def _create_missing(self, views: list[PairingView]) -> None:
        todo: dict[str, list[PairingView]] = defaultdict(list)
        for view in views:
            if view.series is None or view.series.status == "creating":
                todo[view.manager.id].append(view)
        total = sum(len(v) for v in todo.values())
        done = 0
        gate = asyncio.Semaphore(MANAGERS_AT_ONCE)

        async def one(manager_views: list[PairingView]) -> None:
            nonlocal done
            async with gate:
                try:
                    await self._create_for_manager(manager_views)
                except ServiceError as exc:
                    for v in manager_views:
                        self._fail(f"{v.manager.name} & {v.report.name}", exc)
                done += len(manager_views)
                self.ctx.report_progress("schedule", done, total)

        await asyncio.gather(*(one(v) for _, v in sorted(todo.items())))

    async def _create_for_manager(self, views: list[PairingView]) -> None:
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
        fallback = self.slot_policy.fallback_time_zone
        manager_hours = working_hours(manager, fallback)
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

        taken: list[tuple[datetime, datetime]] = []
        for other in store.manager_series(manager.id):
            if other.status == "active":
                taken.extend(series_occurrences(other, window_start, window_end))

        # One $batch finds any series already in the calendar for all these pairings.
        tagged = await graph.find_tagged_events_many(
            manager.id, PAIRING_PROPERTY, [v.pairing.key for v in views], ADOPT_SELECT)

        claimed: list[PairingView] = []
        to_post: list[tuple[PairingView, SeriesRow, str]] = []
        try:
            # Slots are chosen one pair at a time (each must avoid the ones before it)...
            for view in sorted(views, key=lambda v: v.pairing.key):
                label = f"{view.manager.name} & {view.report.name}"
                if not self.dry_run:
                    if not store.claim(view.pairing.id, self.ctx.worker_id, self.now, LEASE):
                        continue  # another worker has it
                    claimed.append(view)
                try:
                    series, occurrences = self._prepare_one(
                        view, fresh.get(view.report.id, view.report), manager_hours, busy,
                        taken, teams, label, tagged.get(view.pairing.key, []))
                except ServiceError as exc:
                    self._fail(label, exc)
                    continue
                taken.extend(occurrences)
                if series is not None:
                    to_post.append((view, series, label))
            # ...then created side by side (the transport keeps 4 in flight per mailbox).
            await asyncio.gather(*(self._post_one(view, fresh.get(view.report.id, view.report),
                                                  series, label)
                                   for view, series, label in to_post))
        finally:
            for view in claimed:
                store.release(view.pairing.id, self.ctx.worker_id)

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
        window_end = self.now + timedelta(weeks=self.slot_policy.free_busy_weeks)

        # 1. Adopt a series that already exists in the calendar (lost database, crash).
        found = adoptable(tagged, self.now.date())
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
                                            self.now, window_end)

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
                return None, series_occurrences(series, self.now, window_end)
            series = store.begin_series(series)
        return series, series_occurrences(series, self.now, window_end)

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
        body = render(
            "intro.html.j2", manager_name=manager.name, report_name=report.name,
            report_first_name=first_name(report.name), cadence_text=CADENCE_TEXT[kind],
            minutes=series.minutes,
        )
        return series_event(
            subject=self.series_policy.subject.format(manager=manager.name, report=report.name),
            body_html=body, slot=slot, minutes=series.minutes,
            recurrence=recurrence_for(kind, slot, series.range_end),
            report_email=report.email, report_name=report.name, pairing_key=pairing.key,
            txn=series.transaction_id, teams=series.online,
        )

    def _fail(self, label: str, exc: Exception) -> None:
        self.report.failed.append(f"{label}: {exc}")
        log.error("schedule.failed", extra={"pair": label, "error": str(exc)})


def describe_slot(series: SeriesRow) -> str:
    """'every two weeks, Tuesday 10:30 Europe/London, from 2026-12-01'."""
    day = WEEKDAYS[series.weekday].capitalize()
    when = f"{series.week_index} {day}" if series.week_index else day
    text = CADENCE_TEXT[CadenceKind(series.cadence)]
    return (f"{text}, {when} {series.start_time} {series.time_zone}, {series.minutes} min, "
            f"from {series.first_date}")


async def schedule(
    ctx: JobContext, now: datetime, *, dry_run: bool = False,
    planned: list[PairingView] | None = None,
) -> ScheduleReport:
    """Run the schedule job once as of ``now``."""
    return await Scheduler(ctx, now, dry_run=dry_run).run(planned)
