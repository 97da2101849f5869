"""Every due job, once, as of an instant: the unit of work of the worker and `onetoone tick`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.jobs.context import JobContext
from service.jobs.pairs import PairsPlan, planned_views, sync_pairs
from service.jobs.schedule import ScheduleReport, schedule


@dataclass
class TickReport:
    pairs: PairsPlan
    schedule: ScheduleReport


async def tick(
    ctx: JobContext, now: datetime, *, dry_run: bool = False, sync: bool = True
) -> TickReport:
    """Sync pairs (unless ``sync`` is False), then keep every series scheduled."""
    plan = await sync_pairs(ctx, now, dry_run=dry_run) if sync else PairsPlan([], [], set())
    # A dry run stores nothing, so the pairs it would add are handed over in memory.
    planned = planned_views(ctx, plan, now) if dry_run else None
    report = await schedule(ctx, now, dry_run=dry_run, planned=planned)
    return TickReport(pairs=plan, schedule=report)
