"""Ended series that run on in Outlook (no end date there; see domain/runs_on.py). A step of
the schedule job (mixed into ``series_plan.SchedulerBase``).

When such a series ends (a leaver, a mover, a cadence change) its meetings are cancelled
one by one as far ahead as any series onetoone books runs, the day they are cancelled to is
kept, and its manager is asked once, by mail from her own mailbox, to end the series in
Outlook. Until she does, each run cancels the next stretch of any such series before its
cancelled meetings no longer reach [policy] months_ahead ahead: one read of its meetings
and one $batch of cancels a quarter. A series Outlook shows ended or gone is let go.

Killed anywhere, a run leaves nothing a rerun would do twice: a meeting cancelled is no
longer listed (nor cancelled again: a cancel of one gone counts as done), and the new day
cancelled to is stored with the mail in one transaction whose key makes it once. The day is
stored last, so a stretch cancelled by a run killed before it is read as such: no meeting
listed and the series still without an end reads as cancelled, not as ended in Outlook.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from service.domain.cadence import add_months
from service.domain.model import WEEKDAYS, CadenceKind
from service.domain.policy import SeriesPolicy
from service.domain.records import MailRecord, PairingView, Recipient, SeriesRecord
from service.domain.runs_on import (
    NOTICE_KIND,
    STRETCH_MONTHS,
    cancel_through,
    notice_key,
    stretch_due,
)
from service.domain.series import NO_END, outlook_range_end
from service.domain.status import OutboxStatus, PairingStatus
from service.domain.subjects import subject_name
from service.domain.timezones import local_date
from service.domain.wording import format_date
from service.errors import GraphError, NotFound
from service.graph.wire import CADENCE_TEXT, mailbox_gone
from service.jobs.context import JobContext
from service.jobs.series_orphans import passing
from service.render import render

log = logging.getLogger(__name__)

# Series looked at in one run, the oldest stretch first: each costs a read and a $batch,
# and the first run after the upgrade looks once at every series ended before it
# (migration 0030): a few a run, so no run is long and a large tenant's are spread out.
PER_RUN = 20
# A stretch that could not be cancelled waits this long (it falls due months before its
# meetings would show): Graph failing for a moment, or refusing until someone acts.
RETRY_PASSING = timedelta(hours=1)
RETRY_LASTING = timedelta(days=1)
CLAIM_LEASE = timedelta(minutes=10)  # (as series_plan.LEASE)


class _Report(Protocol):
    warnings: list[str]
    runs_on: list[str]


class RunsOnSteps:
    """Keeping the meetings of ended series with no end date in Outlook cancelled."""

    ctx: JobContext
    now: datetime
    report: _Report
    dry_run: bool
    series_policy: SeriesPolicy

    def runs_on_through(self, series: SeriesRecord, today: date) -> date | None:
        """How far to cancel a series being ended: None for one with an end date (as far
        as it runs), or the first stretch of one with none in Outlook."""
        if series.range_end < NO_END:
            return None
        return cancel_through(today, self.series_policy.months_ahead)

    def ran_on(self, series: SeriesRecord, through: date, reason: str) -> None:
        """``series`` had no end date in Outlook and its meetings up to ``through`` were
        cancelled as it ended: the day is kept, so each later stretch is cancelled in time;
        its manager is asked (once) to end it there, and the run's warnings say so."""
        store = self.ctx.store
        view = store.view_of_pairing(series.pairing_id)
        notice = notice_mail(view, series, through, reason, self.now) if view else None
        store.cancelled_further(series.id, self.now, through, notice)
        who = (view.manager.name, view.report.name) if view else (series.mailbox, "")
        self.report.warnings.append(
            f"{' & '.join(filter(None, who))}: the 1-2-1 series has no end date in Outlook; "
            f"its meetings up to {through} were cancelled, and onetoone cancels the later "
            f"ones {STRETCH_MONTHS} months at a time, before they come within "
            f"{self.series_policy.months_ahead} months, until {who[0]} ends the series in "
            "Outlook (asked by mail; `onetoone status` lists it until then).")
        log.info("schedule.runs_on", extra={"series": series.id, "cancelled_to": str(through)})

    async def keep_cancelled(self) -> None:
        """Cancel the next stretch of each ended series running on in Outlook whose
        cancelled meetings no longer reach months_ahead ahead (a few a run, the oldest
        first); let go of one that Outlook shows ended or gone."""
        store, months = self.ctx.store, self.series_policy.months_ahead
        # Local today is at most a day past the UTC date: the store finds the few series
        # that could be due, and each is then judged in its own zone.
        before = add_months(self.now.date() + timedelta(days=1), months)
        for series in store.runs_on_due(before, self.now, PER_RUN):
            today = local_date(self.now, series.time_zone)
            if series.cancelled_to is None or not stretch_due(series.cancelled_to, today,
                                                               months):
                continue
            through = cancel_through(today, months)
            view = store.view_of_pairing(series.pairing_id)
            label = (f"{view.manager.name} & {view.report.name}" if view is not None
                     else f"series {series.id}")
            if self.dry_run:
                self.report.runs_on.append(f"{label}: its meetings up to {through} would be "
                                           "cancelled (no end date in Outlook)")
                continue
            if not store.claim(series.pairing_id, self.ctx.worker_id,
                               self.ctx.moved_on(self.now), CLAIM_LEASE):
                continue  # another worker has the pair: the next run
            try:
                await self._next_stretch(series, view, label, through)
            except GraphError as exc:
                again = self.now + (RETRY_PASSING if passing(exc) else RETRY_LASTING)
                store.hold_runs_on(series.id, self.now, again)
                self.report.warnings.append(
                    f"{label}: the next meetings of the series with no end date in Outlook "
                    f"could not be cancelled ({exc}); tried again from {again:%Y-%m-%d %H:%M}"
                    " UTC")
                log.warning("schedule.runs_on_failed", extra={"series": series.id,
                                                              "error": str(exc)})
            finally:
                store.release(series.pairing_id, self.ctx.worker_id)

    async def _next_stretch(self, series: SeriesRecord, view: PairingView | None,
                            label: str, through: date) -> None:
        graph, store = self.ctx.graph, self.ctx.store
        until = datetime.combine(through + timedelta(days=1), time(0),
                                 tzinfo=ZoneInfo(series.time_zone))
        try:
            # From now, not from the day cancelled to: meetings a change of its recurrence
            # in Outlook brought back (Exchange drops every exception then) go again.
            items = await graph.instances(series.mailbox, series.event_id or "", self.now,
                                          until)
            coming = [i.id for i in items if not i.cancelled and i.start is not None
                      and i.start >= self.now]
            over = not coming and await self._over_in_outlook(series, through)
        except NotFound as exc:
            # Deleted in Outlook (nothing is left of it), or its manager's mailbox is gone
            # (nothing can be cancelled; the report's copy is theirs to delete).
            self._let_go(series, label, "its manager's mailbox is gone" if mailbox_gone(exc)
                         else "deleted in Outlook")
            return
        if over:
            self._let_go(series, label, "ended in Outlook")
            return
        if coming:
            reason = view.pairing.end_reason if view is not None else ""
            done = await graph.cancel_occurrences(series.mailbox, coming, (
                f"This 1-2-1 series has ended: {reason}." if reason
                else "This 1-2-1 series has ended."))
            if failed := [oid for oid, ok in done.items() if not ok]:
                raise GraphError(f"{len(failed)} of {len(coming)} meetings of series "
                                 f"{series.id} could not be cancelled")
        notice = (notice_mail(view, series, through, view.pairing.end_reason, self.now)
                  if view is not None else None)
        store.cancelled_further(series.id, self.now, through, notice)
        self.report.runs_on.append(f"{label}: {len(coming)} meeting(s) up to {through} "
                                   "cancelled (no end date in Outlook)")
        log.info("schedule.runs_on_cancelled", extra={"series": series.id,
                                                      "meetings": len(coming),
                                                      "cancelled_to": str(through)})

    async def _over_in_outlook(self, series: SeriesRecord, through: date) -> bool:
        """Whether a series none of whose meetings up to ``through`` is listed has ended
        in Outlook (cancelled, deleted, or given an end by then): one read, only then.
        Otherwise those meetings were cancelled already (by a run killed before it stored
        how far), or one by one by the manager."""
        master = await self.ctx.graph.get_event(series.mailbox, series.event_id or "",
                                                "recurrence,isCancelled")
        if master is None or master.cancelled or master.recurrence is None:
            return True
        return outlook_range_end(master.recurrence) <= through

    def _let_go(self, series: SeriesRecord, label: str, why: str) -> None:
        self.ctx.store.cancelled_further(series.id, self.now, None)
        self.report.runs_on.append(f"{label}: the series with no end date is {why}: "
                                   "no more of its meetings to cancel")
        log.info("schedule.runs_on_over", extra={"series": series.id, "why": why})


def slot_words(series: SeriesRecord) -> str:
    """'every week, Thursdays at 14:00 Europe/London': the series as its manager knows it."""
    day = WEEKDAYS[series.weekday].capitalize()
    when = f"the {series.week_index} {day}" if series.week_index else f"{day}s"
    return (f"{CADENCE_TEXT[CadenceKind(series.cadence)]}, {when} at {series.start_time} "
            f"{series.time_zone}")


def notice_mail(view: PairingView, series: SeriesRecord, through: date, reason: str,
                now: datetime) -> MailRecord:
    """The one mail asking the manager to end ``series`` in Outlook, from her own mailbox
    (as her other notes are): why, what onetoone does meanwhile, and how."""
    manager, report = view.manager, view.report
    body = render("series_runs_on.html.j2", n={
        "manager_first": manager.first_name, "report_name": report.name,
        "slot": slot_words(series), "through": format_date(through), "reason": reason,
        "pair_ended": view.pairing.status != PairingStatus.ACTIVE,
        "months": STRETCH_MONTHS})
    return MailRecord(
        key=notice_key(series.id), kind=NOTICE_KIND, pairing_id=view.pairing.id,
        occurrence_id=None, mailbox=series.mailbox,
        to=(Recipient(manager.name, manager.email),), cc=(),
        subject=f"Please end your old 1-2-1 series with {subject_name(report.name)} in "
                "Outlook",
        body_html=body, tag=uuid.uuid4().hex, status=OutboxStatus.PENDING, attempts=0,
        last_error="", created_at=now)
