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
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from service.domain.cadence import (
    add_months,
    choose_cadence,
    known_change,
    needs_extension,
    series_end_date,
    week_index_of,
)
from service.domain.hours_fit import HOURS_MOVED_WHY, HOURS_REASON
from service.domain.model import CadenceKind
from service.domain.own_series import is_own, rarer_than
from service.domain.pairing import PairAction
from service.domain.records import PairingRecord, PairingView, SeriesRecord
from service.domain.retime import PATTERN_COLUMNS, RETIMED, is_cut
from service.domain.series import NO_END, outlook_range_end, slot_of
from service.domain.series import occurrences as series_occurrences
from service.domain.slot_text import carried_note
from service.domain.stale import RECADENCED, ends_alone, stale_reason
from service.domain.status import NOT_BOOKED, PairingStatus, SeriesStatus
from service.errors import ServiceError
from service.graph.wire import transaction_id
from service.jobs.context import JobContext
from service.jobs.overlaps import OverlapRepair
from service.jobs.series_create import SeriesCreation
from service.jobs.series_found import CUT_LISTED, retimed_from
from service.jobs.series_plan import (  # re-exported: other jobs and tests name them here
    LEASE,
    MOVING,
    ScheduleReport,
    describe_slot,
    first_meeting_due,
    local_today,
    report_working_hours,
    with_note_first,
    working_hours,
)

__all__ = ["ScheduleReport", "Scheduler", "describe_slot", "dry_run_changes",
           "first_meeting_due", "local_today", "report_working_hours", "schedule",
           "with_note_first", "working_hours"]

log = logging.getLogger(__name__)


class Scheduler(OverlapRepair, SeriesCreation):
    """One run of the schedule job over every pairing."""

    async def run(self, planned: list[PairingView] | None = None,
                  changes: dict[str, PairingRecord] | None = None) -> ScheduleReport:
        """One pass. In a dry run, ``planned`` are the pairings the pairs sync would add and
        ``changes`` the stored pairings it would end or re-cadence (by key; not stored), so
        the dry run reports what the real run does."""
        store = self.ctx.store
        # A real run asks the store for the pairs with something to do; a dry run looks at
        # them all, as the pairs sync would leave them (``changes``).
        real = not self.dry_run and not changes
        views = store.views_to_end() if real else self._as_changed(store.views(), changes)
        await self._end_stale(views)
        # Ended series with no end date in Outlook: their next stretch, when due.
        await self.keep_cancelled()
        # The series ending soon, read once for the extension and the cut-short steps (the
        # extension writes none cut short); the re-timed ones likewise for the cut-short
        # and carrying steps, unless the first changed some.
        writes = store.writes()
        ending = store.series_ending_before(max(self._extend_before(),
                                                self.now.date() + CUT_LISTED))
        extended = await self._extend(ending=ending)  # (a dry run lists what it would do)
        retimed = await self._follow_cut(ending)
        await self._carry_retimed(retimed)
        await self._yield_to_moved()
        await self._repair_overlaps()
        # Pairs left to their own series whose look is due: those brought back (active
        # again) are booked below, by the same run.
        back = await self._look_at_own(
            [v for v in self._as_changed(store.own_series_due(self.now), changes)
             if v.pairing.status == PairingStatus.OWN_SERIES])
        active = (store.views_to_create() if real else
                  self._as_changed(store.views([PairingStatus.ACTIVE]), changes)
                  + (back if self.dry_run else []))
        if self.dry_run:
            # A series the real run ends (cadence change) is created anew right after.
            stale = partial(stale_reason, policy=self.cadence_policy, now=self.now)
            active = [PairingView(v.pairing, v.manager, v.report, None)
                      if v.series is not None and stale(v) else v
                      for v in active if v.pairing.status == PairingStatus.ACTIVE]
        self._failed_keys.clear()  # (ending and extending failures are not "not booked")
        await self._create_missing(active + (planned or []))
        if not self.dry_run:
            self._note_unbooked(active)
        # A new starter's series just booked ends when their weeks do: its follow-on goes
        # in now, so the pair is booked months_ahead ahead from the first day.
        # (Read again only after this run wrote anything: else the first read stands, all of
        # it looked at already.)
        await self._extend(skip=extended, ending=ending if store.writes() == writes else None)
        return self.report

    def _note_unbooked(self, views: list[PairingView]) -> None:
        """Keep why a pair could not be booked as its note (shown by `onetoone status`
        until a run books it): the run's own output names the pair, the log only its key."""
        store = self.ctx.store
        for view in views:
            pairing = view.pairing
            why = self._failed_keys.get(pairing.key)
            if why is not None and pairing.status == PairingStatus.ACTIVE:
                if pairing.note != NOT_BOOKED + why:
                    store.set_pairing_note(pairing.key, NOT_BOOKED + why, self.now)
            elif pairing.note.startswith(NOT_BOOKED) and (
                    store.live_series(pairing.id) is not None):
                store.set_pairing_note(pairing.key, "", self.now)

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
            reason = stale_reason(view, self.cadence_policy, self.now)
            if reason is None:
                if not self.dry_run and (is_own(series) or series.policy_cadence) and (
                        series.policy_cadence, series.policy_minutes) != (
                        pairing.cadence, pairing.minutes):
                    # The pair's own, or one the manager re-timed, kept through a change of
                    # policy: recorded as meeting the new one, so later runs do not look at
                    # it again for this change.
                    self.ctx.store.update_series(series.id, self.now,
                                                 policy_cadence=pairing.cadence,
                                                 policy_minutes=pairing.minutes)
                continue
            if self.dry_run:
                self.report.ended.append(f"{label}: {reason}")
                if series.event_id:  # ended, so not adoptable when the pair is re-planned
                    self._ending.add(series.event_id)
                continue
            if not self.ctx.store.claim(pairing.id, self.ctx.worker_id,
                                        self.ctx.moved_on(self.now), LEASE):
                continue  # another replica is on it
            try:
                current = self.ctx.store.live_series(pairing.id)
                if current is not None:  # re-read under the claim: it may be done already
                    if reason == HOURS_REASON:  # booked anew: its invite says why
                        self._why[pairing.id] = HOURS_MOVED_WHY
                    if reason.startswith(RECADENCED) and ends_alone(
                            current, pairing, self.ctx.store.pairing_series(pairing.id),
                            self.now):
                        await self._end_one(current, reason)  # (booked anew after the other)
                    else:
                        await self.end_series(current, reason,
                                              today_stands=reason != HOURS_REASON)
                    self.report.ended.append(f"{label}: {reason}")
            except ServiceError as exc:
                self._fail(label, exc, view)
            finally:
                self.ctx.store.release(pairing.id, self.ctx.worker_id)

    # verifying and extending --------------------------------------------------------------

    def _extend_before(self) -> date:
        # Local today is at most a day past the UTC date: the store finds the few series
        # that could need it, and each is then judged in its own zone.
        return add_months(self.now.date() + timedelta(days=1), self.series_policy.months_ahead)

    async def _extend(self, skip: frozenset[int] | None = None,
                      ending: list[SeriesRecord] | None = None) -> frozenset[int]:
        """Keep every live series at least months_ahead months into the future.

        A series is extended by a follow-on series, never by a later end date: any change
        of a series' recurrence drops all its exceptions, so every meeting someone moved or
        typed notes into would snap back or lose them (see _end_one). The follow-on starts
        at the first slot after the old series' last meeting, on the same slot, and is
        created exactly as a first series is (intent row, deterministic transactionId, tag,
        adoption on a rerun): one create per extension, as cheap as the PATCH it replaces.
        The old series keeps its remaining meetings (superseded). Returns the series it
        looked at; ``skip``: those a pass earlier in the run looked at (a second pass, after
        the creation step, extends series it booked short, and in a dry run those planned).
        ``ending``: ``series_ending_before`` as read just before, up to a day at least as late
        as the step's (None: read here)."""
        pol = self.series_policy
        cutoff = self._extend_before()
        listed = (self.ctx.store.series_ending_before(cutoff) if ending is None
                  else [s for s in ending if s.range_end < cutoff])
        # (One cut short in Outlook is followed by _follow_cut instead.)
        todo: list[tuple[SeriesRecord, PairingView | None]] = [
            (s, None) for s in listed if s.id not in (skip or ())
            and s.status == SeriesStatus.ACTIVE and s.event_id is not None and not is_cut(s)]
        if skip is not None and self.dry_run:
            todo += self._planned_series
        for series, view in todo:
            today = local_today(self.now, series.time_zone)
            if not needs_extension(series.range_end, today, pol.months_ahead):
                continue
            if self.dry_run:
                follow = self._follow_on(series, view or self.ctx.store.view_of_pairing(
                    series.pairing_id), "")
                self.report.extended.append(extended_text(series, follow))
                continue
            if not self.ctx.store.claim(series.pairing_id, self.ctx.worker_id,
                                        self.ctx.moved_on(self.now), LEASE):
                continue
            try:
                await self._extend_one(series)
            finally:
                self.ctx.store.release(series.pairing_id, self.ctx.worker_id)
        return frozenset(s.id for s in listed)

    def _follow_on(self, series: SeriesRecord, view: PairingView | None,
                   pairing_key: str) -> SeriesRecord:
        """The follow-on of ``series``: at the cadence the pair has from when it starts,
        when a change known ahead (a new starter's weeks, or a lead's vacancy, running out)
        comes before then, or for one kept though the pair's cadence became rarer
        (stale.steps_down); else on the series' own pattern."""
        pol = self.series_policy
        kind = None
        if view is not None:
            change = known_change(view.pairing, view.report, self.cadence_policy)
            if change is not None:  # (on or after that day: the series runs to the eve)
                kind = change.kind
            elif series.policy_cadence is None and not is_own(series) and rarer_than(
                    view.pairing.cadence, series.cadence):
                kind = CadenceKind(view.pairing.cadence)
        return follow_on(series, self.now, pol.months_ahead, pol.extend_months, pairing_key,
                         kind)

    async def _extend_one(self, series: SeriesRecord) -> None:
        store, pol = self.ctx.store, self.series_policy
        fresh = store.live_series(series.pairing_id)
        if fresh is None or fresh.id != series.id or fresh.range_end != series.range_end:
            return  # changed by another replica since we listed it
        view = store.view_of_pairing(series.pairing_id)
        if view is None or view.pairing.status != PairingStatus.ACTIVE or stale_reason(
                PairingView(view.pairing, view.manager, view.report, fresh),
                self.cadence_policy, self.now):
            return  # it is being ended, not extended
        # The manager may have given the series a later end (or none) in Outlook, its slots
        # kept: nothing the occurrence sync notices, and a follow-on from the recorded end
        # would put every 1-2-1 after it in both calendars twice. One read of the master
        # per extension tells; a range reaching further is taken as the manager's.
        try:
            master = await self.ctx.graph.get_event(fresh.mailbox, fresh.event_id or "",
                                                    "recurrence")
        except ServiceError as exc:
            self._fail(f"series {series.id}", exc, view)
            return  # extended by the next run, not blind now
        rec = master.recurrence if master is not None else None
        reach = outlook_range_end(rec) if rec is not None else None
        if reach is not None and reach > fresh.range_end:
            store.update_series(fresh.id, self.now, range_end=reach)
            log.info("schedule.range_from_outlook", extra={"series": fresh.id,
                                                           "range_end": str(reach)})
            fresh = replace(fresh, range_end=reach)
            if reach >= NO_END or not needs_extension(
                    reach, local_today(self.now, fresh.time_zone), pol.months_ahead):
                return  # (a series with no end is kept and never extended, as adopted)
        new = store.begin_follow_on(series.id, self._follow_on(fresh, view, view.pairing.key))
        if new is None:
            return  # another replica extended it a moment ago
        label = f"series {series.id}"
        try:
            payload = self.event_payload(new, view.manager, view.report, view.pairing)
            event = await self.ctx.graph.create_event(view.manager.id, payload)
        except ServiceError as exc:
            # The intent is stored: this run's creation step (or the next run's) adopts or
            # retries it with the same transactionId.
            self._fail(label, exc, view)
            return
        store.activate_series(new.id, event_id=event.id, ical_uid=event.ical_uid,
                              now=self.now)
        self.report.extended.append(extended_text(series, new))
        log.info("schedule.extended", extra={"series": series.id, "follow_on": new.id,
                                             "range_end": str(new.range_end)})

    async def _carry_retimed(self, retimed: list[tuple[SeriesRecord, SeriesRecord]] | None
                             ) -> None:
        """A follow-on series is booked months before it starts, on the slot of the series
        it follows. When the manager then re-times that series in Outlook (the occurrence
        sync follows it), the follow-on still holds the old slot: at the seam the pair's
        meetings would snap back to the time the manager moved them from. So a follow-on
        not started yet takes the manager's pattern, from the first slot of it after the
        old series' last day (no gap, no week twice), with one update (its invite saying
        why), as an overlap move does. One whose meetings someone already changed is left
        as it is (re-timing would drop them), with a warning. ``retimed``:
        ``retimed_before_follow_on`` as read just before (None: read here)."""
        store = self.ctx.store
        latest: dict[int, tuple[SeriesRecord, SeriesRecord]] = {}
        if retimed is None:
            retimed = store.retimed_before_follow_on(retimed_from(self.now))
        for old, follow in retimed:
            latest[follow.id] = (old, follow)  # of several, the last series it follows
        for old, follow in latest.values():
            today = local_today(self.now, follow.time_zone)
            if follow.first_date <= today or old.range_end < today:
                continue
            view = store.view_of_pairing(follow.pairing_id)
            if view is None or view.pairing.status != PairingStatus.ACTIVE:
                continue
            # (A new starter's, booked at their role's cadence, keeps it: see _follow_on.)
            new = self._follow_on(old, view, "")
            if not takes_retime(new, follow):
                continue
            label = f"{view.manager.name} & {view.report.name}"
            if self.dry_run:
                self.report.carried.append(f"{label}: {describe_slot(new)}")
                continue
            await self._claimed(view, partial(self._carry_one, old=old, new=new))

    async def _yield_to_moved(self) -> None:
        """A follow-on the manager re-timed in Outlook to start on or before the last day of
        the series it follows (she opened one of its meetings and moved the whole series
        earlier): from its new first day the pair would meet on both patterns. Hers, the
        later choice, stands: the older series' meetings from that day are cancelled one by
        one (its past meetings and their exceptions untouched; all of it, not begun, goes
        whole) and its stored end is the day before."""
        store = self.ctx.store
        for old, live in store.moved_before_predecessor_ends():
            view = store.view_of_pairing(old.pairing_id)
            if view is None or view.pairing.status != PairingStatus.ACTIVE:
                continue  # (a pair that ended has every series ended whole)
            line = (f"{view.manager.name} & {view.report.name}: series {old.id} from "
                    f"{live.first_date} (the series after it, re-timed in Outlook by the "
                    "manager, starts then)")
            if self.dry_run or await self._claimed(view, partial(self._yield_one, old=old,
                                                                  live=live)):
                self.report.ended.append(line)

    async def _yield_one(self, view: PairingView, *, old: SeriesRecord,
                         live: SeriesRecord) -> bool:
        store = self.ctx.store
        fresh = store.live_series(view.pairing.id)
        if fresh is None or (fresh.id, fresh.first_date) != (live.id, live.first_date):
            return False  # changed since we looked
        why = (f"{view.manager.name} moved your 1-2-1s to a new series from "
               f"{live.first_date:%A %d %B %Y}")
        if live.first_date <= old.first_date:
            await self._end_one(old, why)  # none of it is to happen
            return True
        cut = datetime.combine(live.first_date, time(0), tzinfo=ZoneInfo(live.time_zone))
        await self.cancel_future(old, f"{why}: this meeting is replaced.", cut)
        store.update_series(old.id, self.now, range_end=live.first_date - timedelta(days=1))
        return True

    async def _carry_one(self, view: PairingView, old: SeriesRecord,
                         new: SeriesRecord) -> bool:
        store = self.ctx.store
        follow = store.live_series(view.pairing.id)
        if (follow is None or follow.status != SeriesStatus.ACTIVE or follow.event_id is None
                or not takes_retime(new, follow)):
            return False  # changed by another replica since we looked
        label = f"{view.manager.name} & {view.report.name}"
        if store.occurrences(follow.id) or await self._has_exceptions(follow):
            self.report.warnings.append(
                f"{label}: the series was re-timed in Outlook, but its follow-on series from "
                f"{follow.first_date} has changed meetings and keeps the old time; ask "
                f"{view.manager.name} to move it in Outlook too.")
            # Said once: not read again every run.
            store.update_series(follow.id, self.now, slot_note=f"{KEPT}{follow.slot_note}")
            return False
        why = f"{view.manager.name} moved your 1-2-1s to this time in Outlook."
        columns = {name: getattr(new, name) for name in (*PATTERN_COLUMNS, "policy_cadence",
                                                           "policy_minutes")}
        if new.first_date <= follow.range_end:
            columns["range_end"] = follow.range_end  # its end as booked stands
        # The intent first (as a move's): a run killed around the PATCH leaves it "moving",
        # and the next run's overlap step finishes it (_finish_move), never redoes it.
        store.update_series(follow.id, self.now, **columns, slot_note=f"{MOVING}{why}")
        people = store.people([view.manager.id, view.report.id])
        await self._patch_move(store.series(follow.id) or follow,
                               people.get(view.manager.id, view.manager),
                               people.get(view.report.id, view.report), why)
        store.update_series(follow.id, self.now,
                            slot_note=f"follows on from series {old.id} ({CARRIED})")
        self.report.carried.append(f"{label}: {describe_slot(new)}")
        log.info("schedule.follow_on_retimed", extra={"series": follow.id, "after": old.id})
        return True


# The follow-on's note once it took the time the manager chose.
CARRIED = "the time the manager chose in Outlook"
# The note of a follow-on left on the old time (its meetings were changed already).
KEPT = "kept the old time: "


def takes_retime(new: SeriesRecord, follow: SeriesRecord) -> bool:
    """Whether ``follow`` (a follow-on not started yet) is still on another pattern than
    ``new``, the follow-on of the series before it that the manager re-timed in Outlook (its
    pattern carried on), and was not itself re-timed by the manager there (that choice, the
    later one, stands) nor is being moved."""
    if follow.slot_note.startswith((RETIMED, MOVING, KEPT)):
        return False
    return any(getattr(new, name) != getattr(follow, name) for name in PATTERN_COLUMNS
               if name not in ("first_date", "range_end"))


def follow_on(old: SeriesRecord, now: datetime, months_ahead: int, extend_months: int,
              pairing_key: str, kind: CadenceKind | None = None) -> SeriesRecord:
    """The series that continues ``old`` (not stored): same slot, cadence, length and
    options, from the first slot of the old pattern after its last meeting (and after
    ``now``, were the old one over already), running as long as a new series:
    ``months_ahead + extend_months`` from that first meeting.
    ``kind``: another cadence from then (a new starter's weeks over), opened by that slot:
    the same weekday and time, no later than one interval of it after the last meeting."""
    zone = ZoneInfo(old.time_zone)
    after = max(datetime.combine(old.range_end + timedelta(days=1), time(0), tzinfo=zone), now)
    # The old pattern carried on, so a fortnightly series keeps its weeks.
    probe = replace(old, range_end=after.date() + timedelta(days=70))
    first = series_occurrences(probe, after, after + timedelta(days=70))[0][0]
    first_date = first.astimezone(zone).date()
    # As long as a new series, from its own first meeting, not from today: booked about
    # months_ahead before it starts, it would otherwise run only extend_months, and the
    # report would get a new series' invitation every extend_months (four a year) rather
    # than one a series (the pair meets on the series before it until then). The meetings
    # beyond months_ahead + extend_months from today are all in a series not begun, which
    # ending cancels whole with one update, so a pair ending gets no more cancellations;
    # and planning holds a live series' slot open-ended anyway. (It never ends before it
    # starts either, which Graph refuses: a short horizon's monthly slot may lie past
    # today's months_ahead + extend_months.)
    range_end = series_end_date(first_date, months_ahead, extend_months)
    carried = carried_note(old.slot_note.removeprefix(KEPT))
    series = replace(old, id=0, event_id=None, ical_uid=None, status=SeriesStatus.CREATING,
                     first_date=first_date, range_end=range_end,
                     slot_note="; ".join(filter(None, (f"follows on from series {old.id}",
                                                       carried))),
                     created_at=now, updated_at=now, checked_at=None, ended_at=None)
    if kind is not None and kind != CadenceKind(old.cadence):
        series = replace(series, cadence=str(kind), week_index=week_index_of(first_date)
                         if kind is CadenceKind.MONTHLY else None)
    return replace(series, transaction_id=transaction_id(
        pairing_key, slot_of(series), CadenceKind(series.cadence)))


def extended_text(old: SeriesRecord, new: SeriesRecord) -> str:
    """The report's line for one extension (the same in a dry run and the real run, but
    for a series a dry run plans: it has no id yet)."""
    return (f"series {old.id or '(new)'} to {new.range_end} (a follow-on series from "
            f"{new.first_date})")


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
