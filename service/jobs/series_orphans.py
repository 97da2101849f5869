"""What ending a series does when its organizer's mailbox is gone (account and mailbox
deleted): nothing can be cancelled, and Exchange keeps a deleted organizer's meetings in the
attendees' calendars, so the report's copies of its meetings to come are deleted instead.
A step of the schedule job (mixed into ``series_plan.SchedulerBase``)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from service.domain.records import OccurrenceRecord, PairingView, SeriesRecord
from service.domain.series import listed_until, outlook_range_end
from service.domain.status import SeriesStatus
from service.domain.timezones import local_date
from service.errors import (
    AuthError,
    GraphError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    Throttled,
)
from service.jobs.context import JobContext

log = logging.getLogger(__name__)

COPY_SELECT = "id,iCalUId,type,isOrganizer,start,end"  # a report's copy of a series
# Entra ID keeps a deleted user 30 days: a report restored later is a new account.
RESTORE_WINDOW = timedelta(days=30)
# The due mark (+ series id) of an ended series whose report's copy was looked at.
STALE_COPY_MARK = "restored-copy-checked:"


def passing(exc: GraphError) -> bool:
    """Whether a Graph failure may pass by itself (throttling, a 5xx, no answer, the app's
    sign-in), so the next run tries again; others (access refused, a request Graph will not
    take) would fail alike on every run."""
    return isinstance(exc, Throttled | OutcomeUnknown | AuthError) or exc.status in (
        0, 429) or exc.status >= 500


def orphan_advice(label: str, report_name: str, exc: GraphError | None) -> str:
    """The warning for a series whose organizer's mailbox is gone and whose meetings to
    come onetoone could not take out of the report's calendar."""
    why = f" ({exc})" if exc is not None else " (its iCalUId was never stored)"
    return (f"{label}: the manager's mailbox no longer exists, so the series could not be "
            f"cancelled, and onetoone could not remove its meetings to come from "
            f"{report_name}'s calendar{why}. Ask {report_name} to delete the series from "
            "their calendar; onetoone will not try again.")


class _Warnings(Protocol):
    warnings: list[str]  # (series_plan.ScheduleReport's: what the admin is told)


class OrphanSteps:
    """Removing the report's copies of a series or replacement meetings left behind."""

    ctx: JobContext
    now: datetime
    report: _Warnings
    dry_run: bool

    async def remove_orphans(self, series: SeriesRecord, today: date) -> None:
        """Take ``series``' meetings to come out of the report's calendar, its organizer's
        mailbox being gone. The report's copy is found by the series' iCalUId (its master
        carries the organizer's): one request. A series that has met keeps its past there,
        as when the organizer cancels (the meetings held are on record either way): one
        instances read and one DELETE per meeting to come, in $batch calls. One that has
        not met goes whole: one DELETE. An attendee's delete tells no one (there is no
        organizer left to tell). What cannot be done is a warning for the admin, not tried
        again (the series ends all the same); only a passing fault (throttling, 5xx) is
        raised for the next run, which finds what is left (deleted meetings are not
        listed again)."""
        view = self.ctx.store.view_of_pairing(series.pairing_id)
        if view is None or series.range_end < today:
            return  # nothing of it is to come
        label = f"{view.manager.name} & {view.report.name}"
        if series.ical_uid is None:
            if series.event_id is not None:  # booked before iCalUIds were kept
                self.report.warnings.append(orphan_advice(label, view.report.name, None))
            return
        try:
            removed = await self._remove_copy(series, view.report.id, today)
        except NotFound:
            return  # the report's mailbox (or their copy) is gone too: nothing is left
        except GraphError as exc:
            if passing(exc):
                raise
            self.report.warnings.append(orphan_advice(label, view.report.name, exc))
            log.warning("schedule.orphans_left", extra={"series": series.id,
                                                        "error": str(exc)})
            return
        if removed:
            self.report.warnings.append(
                f"{label}: {view.manager.name}'s mailbox no longer exists, so no cancellation "
                f"could be sent; the series' meetings to come were removed from "
                f"{view.report.name}'s calendar without a word to them.")

    async def _remove_copy(self, series: SeriesRecord, report_id: str, today: date) -> bool:
        """Delete the report's copy of ``series`` (whole, or its meetings from now on);
        whether there was anything to delete. Raises the first error."""
        graph = self.ctx.graph
        copies = [e for e in await graph.events_by_ical_uid(report_id, series.ical_uid or "",
                                                            COPY_SELECT)
                  if e.is_organizer is False]
        gone: list[str] = []
        for copy in copies:
            if series.first_date >= today or copy.type != "seriesMaster":
                gone.append(copy.id)  # nothing of it has happened yet: it goes whole
                continue
            zone = ZoneInfo(series.time_zone)
            last = listed_until(series.range_end, today)
            until = datetime.combine(last + timedelta(days=2), time(0), tzinfo=zone)
            gone += [i.id for i in await graph.instances(report_id, copy.id, self.now, until)
                     if not i.cancelled and i.start is not None and i.start >= self.now]
        if not gone:
            return False
        errors = [e for e in (await graph.delete_events(report_id, gone)).values() if e]
        if errors:  # a passing fault first: the next run deletes what is left
            raise next((e for e in errors if passing(e)), errors[0])
        return True

    async def clear_restored_copies(self, views: list[PairingView]) -> None:
        """A pair booked again within 30 days of its last series ending (not in this run: a
        series replaced by one at a new cadence had its cancellations delivered) may have a
        restored report: deleted when that series was cancelled, their mailbox never got
        the cancellation, and restored it holds the old series whole, beside the new one.
        Their copy of it loses its meetings to come: one read by iCalUId (with its range,
        which the store cut short when it ended), then as ``remove_orphans``; a copy the
        cancellation did reach has none left to lose. Looked at once per series (a pair that
        cannot be booked is tried every run); a fault that passes fails the pair for the
        next run, as for the other reads before a booking; a refusal (a report outside a
        scoped app's mailbox access) is logged, any other a warning, not tried again."""
        store = self.ctx.store
        for view in views if not self.dry_run else []:
            for old in store.pairing_series(view.pairing.id):
                ended = old.ended_at
                if (old.status != SeriesStatus.ENDED or not old.ical_uid or ended is None
                        or not timedelta(days=1) <= self.now - ended <= RESTORE_WINDOW
                        or store.due_mark(f"{STALE_COPY_MARK}{old.id}") is not None):
                    continue
                try:
                    removed = await self._remove_stale_copy(
                        old, view.report.id, local_date(self.now, old.time_zone))
                except NotFound:
                    removed = False  # the report's mailbox is gone again: nothing to clear
                except GraphError as exc:
                    log.warning("schedule.stale_copy_left", extra={"series": old.id,
                                                                   "error": str(exc)})
                    if passing(exc):
                        # Throttling or a 5xx, as for the other reads before a booking: the
                        # pair waits for the next run, which looks again (once booked, the
                        # pair is not looked at).
                        raise
                    # (A report outside a scoped app's mailbox access: most pairs booked
                    # again are not restored reports, so it is logged, not said each time.)
                    if not isinstance(exc, PermissionDenied):
                        self.report.warnings.append(
                            f"{view.manager.name} & {view.report.name}: onetoone could not "
                            f"look in {view.report.name}'s calendar for the old series' "
                            "meetings (a cancellation may not have reached a mailbox deleted "
                            f"and restored since) ({exc}). If they are still there, ask "
                            f"{view.report.name} to delete them; onetoone will not try again.")
                    removed = False
                store.set_due_mark(f"{STALE_COPY_MARK}{old.id}", self.now.isoformat())
                if removed:
                    self.report.warnings.append(
                        f"{view.manager.name} & {view.report.name}: {view.report.name}'s "
                        "calendar still held the old series' meetings to come (a cancellation "
                        "that could not reach a deleted mailbox, restored since); they were "
                        "removed, without a word to them.")

    async def _remove_stale_copy(self, series: SeriesRecord, report_id: str, today: date
                                 ) -> bool:
        """Delete the report's copy's meetings from now on, as far as its own range runs;
        whether there was anything to delete."""
        graph = self.ctx.graph
        copies = [e for e in await graph.events_by_ical_uid(
            report_id, series.ical_uid or "", COPY_SELECT + ",recurrence,isCancelled")
            if e.is_organizer is False and not e.cancelled]
        gone: list[str] = []
        for copy in copies:
            if copy.type != "seriesMaster":
                if copy.start is not None and copy.start >= self.now:
                    gone.append(copy.id)
                continue
            end = outlook_range_end(copy.recurrence) if copy.recurrence else series.range_end
            last = listed_until(end, today)
            until = datetime.combine(last + timedelta(days=2), time(0),
                                     tzinfo=ZoneInfo(series.time_zone))
            gone += [i.id for i in await graph.instances(report_id, copy.id, self.now, until)
                     if not i.cancelled and i.start is not None and i.start >= self.now]
        if not gone:
            return False
        errors = [e for e in (await graph.delete_events(report_id, gone)).values() if e]
        if errors:
            raise next((e for e in errors if passing(e)), errors[0])
        return True

    async def _remove_rebooked_copies(self, pairing_id: int,
                                      coming: list[OccurrenceRecord]) -> None:
        """Delete the report's copies of replacements whose organizer's mailbox is gone: single
        meetings at their times (iCalUIds are not kept) organized by the manager, by address or
        name (a gone one's may read as X500). Failures as in ``remove_orphans``."""
        view = self.ctx.store.view_of_pairing(pairing_id)
        if view is None:
            return
        graph, report, manager = self.ctx.graph, view.report, view.manager
        try:
            ids = [e.id for occ in coming
                   for e in await graph.calendar_view(report.id, occ.start, occ.end)
                   if e.is_organizer is False and e.type == "singleInstance"
                   and (e.start, e.end) == (occ.start, occ.end) and e.organizer is not None
                   and (e.organizer.email == manager.email.lower()
                        or e.organizer.name == manager.name)]
            errors = [e for e in (await graph.delete_events(report.id, ids)).values() if e]
            if errors:
                raise next((e for e in errors if passing(e)), errors[0])
        except NotFound:
            return  # the report's mailbox is gone too: nothing is left
        except GraphError as exc:
            if passing(exc):
                raise
            self.report.warnings.append(
                f"{manager.name} & {report.name}: the manager's mailbox is gone and a "
                f"replacement 1-2-1 could not be removed from {report.name}'s calendar ({exc})."
                f" Ask {report.name} to delete it; onetoone will not try again.")
