"""Keep one recurring 1-2-1 series per active pairing in the manager's calendar.

Every step is safe to repeat or to kill half-way:
- the intent to create a series is stored (with its transactionId) before the POST;
- before any POST the manager's calendar is searched for the series' tag, so a series
  created by a run that died (or before the database was lost) is adopted, not duplicated;
- the POST carries a deterministic transactionId, so a retried POST is dropped by Exchange.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

from service.domain.cadence import (
    choose_cadence,
    extended_end,
    needs_extension,
    recurrence_for,
)
from service.domain.model import CadenceKind
from service.domain.pairing import PairAction
from service.domain.records import PairingRecord, PairingView, SeriesRecord
from service.domain.series import slot_of
from service.domain.status import PairingStatus, SeriesStatus
from service.errors import GraphError, NotFound, ServiceError
from service.graph.wire import (
    recurrence_patch,
)
from service.jobs.context import JobContext
from service.jobs.overlaps import OverlapRepair
from service.jobs.series_create import SeriesCreation
from service.jobs.series_plan import (  # re-exported: other jobs and tests name them here
    LEASE,
    VERIFY_EVERY,
    ScheduleReport,
    describe_slot,
    first_meeting_due,
    local_today,
    stale_reason,
    with_note_first,
    working_hours,
)

__all__ = ["ScheduleReport", "Scheduler", "describe_slot", "dry_run_changes",
           "first_meeting_due", "local_today", "schedule", "with_note_first", "working_hours"]

log = logging.getLogger(__name__)


class Scheduler(OverlapRepair, SeriesCreation):
    """One run of the schedule job over every pairing."""

    async def run(self, planned: list[PairingView] | None = None,
                  changes: dict[str, PairingRecord] | None = None) -> ScheduleReport:
        """One pass. In a dry run, ``planned`` are the pairings the pairs sync would add and
        ``changes`` the stored pairings it would end or re-cadence (by key; not stored), so
        the dry run reports what the real run does."""
        views = self._as_changed(self.ctx.store.views(), changes)
        await self._end_stale(views)
        if not self.dry_run:
            await self._verify()
            await self._extend()
        await self._repair_overlaps()
        active = self._as_changed(self.ctx.store.views([PairingStatus.ACTIVE]), changes)
        if self.dry_run:
            # A series the real run ends (cadence change) is created anew right after.
            active = [PairingView(v.pairing, v.manager, v.report, None)
                      if v.series is not None and stale_reason(v) else v
                      for v in active if v.pairing.status == PairingStatus.ACTIVE]
        await self._create_missing(active + (planned or []))
        return self.report

    @staticmethod
    def _as_changed(views: list[PairingView], changes: dict[str, PairingRecord] | None
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
            reason = stale_reason(view)
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

    # verifying and extending --------------------------------------------------------------

    async def _verify(self) -> None:
        """Notice series the manager deleted; they are shown, never silently recreated."""
        due = self.ctx.store.series_to_verify(self.now - VERIFY_EVERY)
        due = [s for s in due if s.event_id]
        if not due:
            return
        try:
            states = await self.ctx.graph.events_gone(
                {str(s.id): (s.mailbox, s.event_id or "") for s in due})
        except GraphError as exc:
            log.warning("schedule.verify_failed", extra={"error": str(exc)})
            return
        for s in due:
            gone = states.get(str(s.id))
            if gone is None:
                continue
            if gone:
                self.ctx.store.mark_series_deleted(s.id, self.now)
                self.report.deleted_by_manager.append(f"series {s.id} ({s.mailbox})")
                log.warning("schedule.series_deleted", extra={"series": s.id})
            else:
                self.ctx.store.update_series(s.id, self.now, checked_at=self.now)

    async def _extend(self) -> None:
        """Keep every live series at least months_ahead months into the future."""
        pol = self.series_policy
        for series in self.ctx.store.all_live_series():
            if series.status != SeriesStatus.ACTIVE or series.event_id is None:
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

    async def _extend_one(self, series: SeriesRecord, today: date) -> None:
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


def dry_run_changes(ctx: JobContext, actions: list[PairAction], now: datetime
                    ) -> dict[str, PairingRecord]:
    """Unsaved copies of the stored pairings a pairs sync would end or re-cadence."""
    policy = ctx.settings.cadence_policy()
    stored = {p.key: p for p in ctx.store.pairings()}
    out: dict[str, PairingRecord] = {}
    for action in actions:
        current = stored.get(action.current.key) if action.current else None
        if current is None:
            continue
        if action.kind in ("leave", "unpaired", "move"):
            copy = replace(current, status=PairingStatus.ENDED, end_reason=action.reason)
        elif action.kind == "recadence" and action.spec is not None:
            cadence = choose_cadence(action.spec, policy, now.date())
            copy = replace(current, cadence=str(cadence.kind), minutes=cadence.minutes,
                           cadence_reason=cadence.reason)
        else:
            continue
        out[current.key] = copy
    return out


async def schedule(
    ctx: JobContext, now: datetime, *, dry_run: bool = False,
    planned: list[PairingView] | None = None, changes: dict[str, PairingRecord] | None = None,
) -> ScheduleReport:
    """Run the schedule job once as of ``now``."""
    return await Scheduler(ctx, now, dry_run=dry_run).run(planned, changes)
