"""What ending a series does when its organizer's mailbox is gone (account and mailbox
deleted): nothing can be cancelled, and Exchange keeps a deleted organizer's meetings in the
attendees' calendars, so the report's copies of its meetings to come are deleted instead.
A step of the schedule job (mixed into ``series_plan.SchedulerBase``)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from service.domain.records import OccurrenceRecord, SeriesRecord
from service.domain.series import listed_until
from service.errors import AuthError, GraphError, NotFound, OutcomeUnknown, Throttled
from service.jobs.context import JobContext

log = logging.getLogger(__name__)

COPY_SELECT = "id,iCalUId,type,isOrganizer,start,end"  # a report's copy of a series


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
