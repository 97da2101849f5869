"""Every due job, once, as of an instant: the unit of work of the worker and `onetoone tick`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.jobs.absences import AbsenceReport, check_absences
from service.jobs.agenda import AgendaReport, inject_agendas
from service.jobs.capture import CaptureReport, capture_notes
from service.jobs.context import JobContext
from service.jobs.occurrences import SyncReport, sync_occurrences
from service.jobs.outbox import MailReport, queue_mail, send_outbox
from service.jobs.pairs import PairsPlan, planned_views, sync_pairs
from service.jobs.rebook import RebookReport, rebook_missed
from service.jobs.schedule import ScheduleReport, dry_run_changes, schedule
from service.jobs.topics_mail import TopicMailReport, read_topic_mail


@dataclass
class TickReport:
    pairs: PairsPlan
    schedule: ScheduleReport
    occurrences: SyncReport | None = None
    agenda: AgendaReport | None = None
    capture: CaptureReport | None = None
    mail: MailReport | None = None
    topics: TopicMailReport | None = None
    rebook: RebookReport | None = None
    absences: AbsenceReport | None = None


async def tick(
    ctx: JobContext, now: datetime, *, dry_run: bool = False, sync: bool = True
) -> TickReport:
    """Sync pairs (unless ``sync`` is False), keep every series scheduled, mirror
    occurrences, read back notes and inject agendas."""
    plan = await sync_pairs(ctx, now, dry_run=dry_run) if sync else PairsPlan([], [], set())
    # A dry run stores nothing, so the pairs it would add are handed over in memory.
    planned = planned_views(ctx, plan, now) if dry_run else None
    changes = dry_run_changes(ctx, plan.actions, now) if dry_run else None
    report = await schedule(ctx, now, dry_run=dry_run, planned=planned, changes=changes)
    if dry_run:
        return TickReport(pairs=plan, schedule=report)
    # Order matters: occurrences first (moves and cancellations), then notes of meetings that
    # ended (closing actions), then agendas (which carry whatever is still open).
    occurrences = await sync_occurrences(ctx, now)
    absences = await check_absences(ctx, now)  # off holidays and leave, before agendas
    captured = await capture_notes(ctx, now)
    topics = await read_topic_mail(ctx, now)
    # Missed meetings (cancelled, declined, no notes): offers, and bookings to finish.
    rebooks = await rebook_missed(ctx, now)
    agendas = await inject_agendas(ctx, now)
    queued = await queue_mail(ctx, now)
    mail = await send_outbox(ctx, now)
    mail.queued = queued.queued
    return TickReport(pairs=plan, schedule=report, occurrences=occurrences, agenda=agendas,
                      capture=captured, mail=mail, topics=topics, rebook=rebooks,
                      absences=absences)
