"""Mirror each series' occurrences near today from Graph: moved, cancelled, declined.

Only series with an occurrence in the window (computed locally from the pattern) are asked,
so a monthly series costs one request a month, not one per run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.errors import ServiceError
from service.graph.client import parse_graph_datetime
from service.jobs.context import JobContext
from service.jobs.schedule import series_occurrences

log = logging.getLogger(__name__)

SELECT = "id,start,end,isCancelled,originalStart,type,attendees"
KEEP = ("held", "held_no_notes")  # outcomes the capture job decided; sync never undoes them


@dataclass
class SyncReport:
    series: int = 0
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def window(ctx: JobContext, now: datetime) -> tuple[datetime, datetime]:
    """From the oldest meeting whose notes may still change to past the agenda lead time."""
    cfg = ctx.settings.agenda
    back = timedelta(days=cfg.recapture_days + 1)
    ahead = timedelta(days=cfg.lead_working_days * 2 + 5)  # working days -> calendar days
    return now - back, now + ahead


def occurrence_state(item: dict[str, Any], report_email: str) -> tuple[str, datetime, datetime,
                                                                        datetime]:
    """(status, original start, start, end) of one instance as Graph returned it."""
    start = parse_graph_datetime(item["start"])
    end = parse_graph_datetime(item["end"])
    original = parse_graph_datetime(item.get("originalStart") or item["start"])
    status = "scheduled"
    if item.get("isCancelled"):
        status = "cancelled"
    else:
        for attendee in item.get("attendees") or []:
            address = ((attendee.get("emailAddress") or {}).get("address") or "").lower()
            response = ((attendee.get("status") or {}).get("response") or "").lower()
            if address == report_email.lower() and response == "declined":
                status = "declined"
        if status == "scheduled" and start != original:
            status = "moved"
    return status, original, start, end


async def sync_occurrences(ctx: JobContext, now: datetime) -> SyncReport:
    """Upsert the occurrences of every live series that has one in the window."""
    report = SyncReport()
    lo, hi = window(ctx, now)
    store = ctx.store
    for series in store.all_live_series():
        if series.status != "active" or not series.event_id:
            continue
        # Ask Graph only when the pattern has a meeting in the window, or a stored one
        # (moved off the pattern) falls in it.
        stored = [o for o in store.occurrences(series.id)
                  if lo <= o.start < hi and o.status != "cancelled"]
        if not stored and not series_occurrences(series, lo, hi):
            continue
        view = store.view_of_pairing(series.pairing_id)
        if view is None:
            continue
        report.series += 1
        try:
            items = await ctx.graph.instances(series.mailbox, series.event_id, lo, hi, SELECT)
        except ServiceError as exc:
            report.failed.append(f"series {series.id}: {exc}")
            log.warning("occurrences.failed", extra={"series": series.id, "error": str(exc)})
            continue
        known = {o.original_start: o for o in store.occurrences(series.id)}
        seen = set()
        rows = []
        for item in items:
            status, original, start, end = occurrence_state(item, view.report.email)
            seen.add(original)
            previous = known.get(original)
            if previous is not None and previous.status in KEEP and status != "cancelled":
                status = previous.status
            if previous is None or previous.status != status:
                label = f"{view.manager.name} & {view.report.name} {start:%Y-%m-%d}"
                {"moved": report.moved, "cancelled": report.cancelled,
                 "declined": report.declined}.get(status, []).append(label)
            rows.append({"event_id": item["id"], "original_start": original, "start": start,
                         "end": end, "status": status})
        # An occurrence missing from the list was deleted by the organizer, or moved out of
        # the window: one GET tells which.
        for original, row in known.items():
            if not (lo <= row.start < hi) or original in seen or row.status == "cancelled":
                continue
            try:
                item = await ctx.graph.get_event(series.mailbox, row.event_id, SELECT)
            except ServiceError as exc:
                report.failed.append(f"series {series.id}: {exc}")
                continue
            if item is not None and not item.get("isCancelled"):
                status, _, start, end = occurrence_state(item, view.report.email)
                if row.status in KEEP:
                    status = row.status
                rows.append({"event_id": row.event_id, "original_start": original,
                             "start": start, "end": end, "status": status})
                continue
            rows.append({"event_id": row.event_id, "original_start": original,
                         "start": row.start, "end": row.end, "status": "cancelled"})
            report.cancelled.append(f"{view.manager.name} & {view.report.name} "
                                    f"{row.start:%Y-%m-%d}")
        store.upsert_occurrences(series.id, rows, now)
        _number(ctx, series.pairing_id, now)
    return report


def _number(ctx: JobContext, pairing_id: int, now: datetime) -> None:
    """Meeting numbers count the pair's meetings that were not cancelled, oldest first."""
    n = 0
    for occ in ctx.store.pairing_occurrences(pairing_id):
        if occ.status == "cancelled":
            continue
        n += 1
        if occ.meeting_number != n:
            ctx.store.update_occurrence(occ.id, now, meeting_number=n)
