"""Keep a series' subject in step with its pair's names.

A series is booked six months ahead with both names in its subject (``[series] subject``).
Someone renamed in the directory (a marriage, a transition, a spelling put right) would be
shown by the old name in every meeting still to come, for months, until a follow-on series.
When the directory sync stores a new name, each series that may hold meetings to come of the
pairs that person is in is marked (``store.series.mark_renamed``); this job updates the
subject of each marked series' master (one request each, and an update to the report, as
any change Outlook sends) and clears the mark. Cost follows renames, not pairs: a run with no
mark reads one indexed row set and sends nothing.

The mark is cleared only after Graph took the update, and only if no later rename marked it
again meanwhile: one at a later instant, or one at the same instant (two syncs at one `now`,
as `tick --now` replays) whose names are not those just written. The master's subject is
read first (one GET): a run killed after Graph took the update but before the mark was
cleared leaves the next run a master already named so, whose mark it clears without sending
the report the same update again.
Each series is updated holding its pair's claim, its mark read again under it: two replicas
reading the same mark at once would each send the update (two "meeting updated" mails to
the report); the second finds the pair claimed, or the mark cleared, and sends nothing.
A pair's own series adopted from Outlook keeps the subject the pair gave it, and so does a
series whose subject the manager rewrote in Outlook (no longer the shape of ``[policy]
subject``: ``domain.subjects.fits``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from service.domain.own_series import OWN_PREFIX
from service.domain.records import PairingView, SeriesRecord
from service.domain.status import SeriesStatus
from service.domain.subjects import fits, series_subject
from service.errors import NotFound, ServiceError
from service.graph.wire import mailbox_gone
from service.jobs.context import JobContext
from service.jobs.series_plan import LEASE, ScheduleReport, local_today

log = logging.getLogger(__name__)


async def rename_series(ctx: JobContext, now: datetime, report: ScheduleReport) -> None:
    """Update the subject of each series marked after a rename (see the module's text)."""
    store = ctx.store
    due = store.renames_due()
    if not due:
        return
    views = store.views_of_pairings(series.pairing_id for series, _at in due)
    policy = ctx.settings.series_policy()
    for series, marked_at in due:
        view = views.get(series.pairing_id)
        if series.status == SeriesStatus.CREATING:
            continue  # booked with the names as they are now, or updated once it is booked
        if view is None:
            store.renamed(series.id, marked_at)  # no pair to name (nor to claim)
            continue
        if not store.claim(series.pairing_id, ctx.worker_id, ctx.moved_on(now), LEASE):
            continue  # another replica has the pair: its run, or the next, updates it
        try:
            fresh = store.series(series.id)
            if fresh is None or store.rename_due(series.id) != marked_at:
                continue  # updated by another replica meanwhile, or renamed again since
            await _rename_one(ctx, now, report, view, fresh, marked_at, policy.subject)
        finally:
            store.release(series.pairing_id, ctx.worker_id)


async def _rename_one(ctx: JobContext, now: datetime, report: ScheduleReport,
                      view: PairingView, series: SeriesRecord, marked_at: datetime,
                      subject_format: str) -> None:
    """Update one marked series' subject (its pair claimed) and clear its mark."""
    store = ctx.store
    if (not series.event_id or series.transaction_id.startswith(OWN_PREFIX)
            or series.status not in (SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED)
            or series.range_end < local_today(now, series.time_zone)):
        # Nothing of ours still to come to rename (an update to a series all past
        # would only send the report a mail about it). Its last day is where it meets:
        # a Sydney series is over 11 hours before UTC's day ends, a Los Angeles one's
        # last meeting can be on UTC's next day.
        store.renamed(series.id, marked_at)
        return
    subject = series_subject(subject_format, view.manager.name, view.report.name)
    master = None
    try:
        master = await ctx.graph.get_event(series.mailbox, series.event_id, "subject")
        if master is not None and not fits(master.subject, subject_format):
            master = None  # the manager's own subject, set in Outlook: theirs to keep
        elif master is not None and master.subject != subject:
            await ctx.graph.update_event(series.mailbox, series.event_id, {"subject": subject})
    except NotFound as exc:
        if mailbox_gone(exc):
            report.failed.append(view.calendar_failure(exc))
            return
        # The manager deleted the series: the occurrence sync notices it (not ours to).
    except ServiceError as exc:
        # Marked still: tried again next run.
        report.failed.append(view.calendar_failure(exc))
        log.warning("schedule.rename_failed", extra={"series": series.id,
                                                     "error": str(exc)})
        return
    store.renamed(series.id, marked_at, (view.manager.name, view.report.name))
    if master is not None:  # (not one the manager deleted or gave a subject of their own)
        report.renamed.append(f"{view.manager.name} & {view.report.name}")
        log.info("schedule.renamed", extra={"series": series.id})
