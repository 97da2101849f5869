"""Reading the master of a series whose occurrences say the manager edited the whole
series in Outlook (see ``domain.retime``): the pattern to adopt, or why none is."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from service.domain.retime import CUT, RETIMED, adopted_columns, followable, is_cut
from service.errors import ServiceError
from service.jobs.context import JobContext

log = logging.getLogger("service.jobs.occurrences")  # the sync's own events

# What a series master says of its pattern.
MASTER_SELECT = "id,type,start,end,recurrence,originalStartTimeZone"
UNFOLLOWABLE = "unfollowable"  # outlook_pattern: a pattern onetoone can't book
MASTER_UNREAD = "unread"  # ... and when the master could not be read


async def outlook_pattern(ctx: JobContext, series: Any, view: Any, now: datetime,
                          report: Any) -> tuple[Any, dict[str, Any]] | str | None:
    """The series as its master in Outlook now has it, and the columns that changed, for a
    series whose occurrences say the manager edited the whole series; UNFOLLOWABLE when
    the manager put it on a pattern onetoone can't book (daily, several days a week...);
    MASTER_UNREAD when Graph did not answer; None when nothing is to be adopted (the master
    is unchanged, or gone)."""
    try:
        master = await ctx.graph.get_event(series.mailbox, series.event_id, MASTER_SELECT)
    except ServiceError as exc:
        report.failed.append(view.calendar_failure(exc))
        return MASTER_UNREAD
    if master is None:
        return None
    label = f"{view.manager.name} & {view.report.name}"
    if not followable(master):
        report.unfollowable.append(label)
        log.warning("occurrences.pattern_unfollowable", extra={"series": series.id})
        return UNFOLLOWABLE
    columns = adopted_columns(series, master)
    if not columns:
        return None
    # The manager's choice stands: the series answers to the policy as it is now (see
    # domain.stale.stale_reason), and the note says where its slot came from. A series cut
    # short stays so through later edits (extended, it would run beside the one Outlook
    # made from the cut), until the manager gives it a later end again.
    end = columns.get("range_end", series.range_end)
    cut = end < series.range_end or (is_cut(series) and end == series.range_end)
    note = (f"{CUT} (to end {end}), seen {now:%Y-%m-%d}" if cut
            else f"{RETIMED} by the manager, seen {now:%Y-%m-%d}")
    columns.update(slot_note=note, policy_cadence=view.pairing.cadence,
                   policy_minutes=view.pairing.minutes)
    (report.cut if cut and not is_cut(series) else report.retimed).append(label)
    log.info("occurrences.series_retimed", extra={"series": series.id, "columns": sorted(columns)})
    return replace(series, **columns), columns
