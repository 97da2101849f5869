"""Every due job, once, as of an instant: the unit of work of the worker and `onetoone tick`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from service.domain.run_health import RUN, SYNC, failed_steps_kind
from service.errors import AuthError, GraphError, PairsFileError, ServiceError
from service.jobs.absences import AbsenceReport, check_absences
from service.jobs.agenda import AgendaReport, inject_agendas
from service.jobs.capture import CaptureReport, capture_notes
from service.jobs.context import JobContext
from service.jobs.held_mailboxes import held_lines, hold_throttled_mailboxes
from service.jobs.occurrences import SyncReport, sync_occurrences
from service.jobs.outbox import MailReport, queue_mail, send_outbox
from service.jobs.pairs import PairsPlan, planned_views, sync_pairs
from service.jobs.rebook import RebookReport, rebook_missed
from service.jobs.renames import rename_series
from service.jobs.retention import MARKS, drop_ended_holds, drop_read_agendas, erase_expired
from service.jobs.schedule import ScheduleReport, dry_run_changes, schedule
from service.jobs.topics_mail import TopicMailReport, read_topic_mail

log = logging.getLogger(__name__)
R = TypeVar("R")


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
    # Steps that stopped on an unexpected error: the later steps still ran.
    failed_steps: list[str] = field(default_factory=list)
    # Mailboxes Graph keeps throttling, left alone until a time (jobs/held_mailboxes.py).
    held: list[str] = field(default_factory=list)


async def _step(name: str, run: Callable[[], Awaitable[R]], empty: Callable[[], R],
                failed: list[str]) -> R:
    """Run one step of the tick. Each job already fails only the pair or item at fault; this
    is the backstop for what it did not foresee, so that one step's failure (a bug, the
    database gone for a moment) never keeps agendas and mail from everyone: the later steps
    run, and the tick reports the step (exit 1 from `onetoone tick`)."""
    try:
        return await run()
    except Exception as exc:  # reported with its traceback; the run goes on
        log.exception("tick.step_failed", extra={"step": name})
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
        return empty()


async def _retention(ctx: JobContext, now: datetime) -> None:
    # (Each is done once a day: most ticks read their three marks, in one statement.)
    marks = ctx.store.due_marks(MARKS)
    done = erase_expired(ctx.store, ctx.settings.privacy.retain_months, now, marks)
    if done is not None:
        log.info("privacy.retention", extra={"before": done[0].isoformat(), **done[1]})
    dropped = drop_read_agendas(ctx.store, ctx.settings.agenda.recapture_days, now, marks)
    if dropped:
        log.info("privacy.agenda_texts_dropped", extra={"meetings": dropped})
    holds = drop_ended_holds(ctx.store, now, marks)
    if holds:
        log.info("privacy.mailbox_holds_dropped", extra={"holds": holds})


def _record(ctx: JobContext, now: datetime, sync: bool, error: str | None,
            sync_error: str | None) -> None:
    """Keep how the run went for `onetoone status` (the worker's own account, for /readyz,
    is in memory: status, another process, would show a healthy table through an outage).
    A database that cannot take it fails the run anyway, and says so itself."""
    try:
        ctx.store.record_runs(now, {RUN: error, **({SYNC: sync_error} if sync else {})})
    except ServiceError as exc:
        log.warning("tick.outcome_unrecorded", extra={"error": str(exc)})


async def tick(
    ctx: JobContext, now: datetime, *, dry_run: bool = False, sync: bool = True,
    allow_ends: int = 0,
) -> TickReport:
    """Sync pairs (unless ``sync`` is False), keep every series scheduled, mirror
    occurrences, read back notes and inject agendas. ``allow_ends``: pairs the sync may end
    in this run over [pairs] max_ends (`--allow-ends`). How it went is stored (not for a
    dry run), for `onetoone status`."""
    if dry_run:
        return await _tick(ctx, now, dry_run=True, sync=sync, allow_ends=allow_ends)
    try:
        report = await _tick(ctx, now, dry_run=False, sync=sync, allow_ends=allow_ends)
    except Exception as exc:
        kind = type(exc).__name__
        _record(ctx, now, sync, kind, kind)
        raise
    pairs = [step for step in report.failed_steps if step.startswith("pairs:")]
    _record(ctx, now, sync, failed_steps_kind(report.failed_steps), failed_steps_kind(pairs))
    return report


async def _tick(ctx: JobContext, now: datetime, *, dry_run: bool, sync: bool,
                allow_ends: int) -> TickReport:
    failed: list[str] = []
    plan = PairsPlan([], [], set())
    holds = hold_throttled_mailboxes(ctx, now) if not dry_run else None
    if sync:
        try:
            plan = await sync_pairs(ctx, now, dry_run=dry_run, allow_ends=allow_ends)
        except (PairsFileError, GraphError) as exc:
            if dry_run or isinstance(exc, AuthError):
                raise  # (a dry run is the sync; without sign-in no later step can work)
            # A refused pairs file (or a directory read that failed, or a sync that would
            # end more pairs than [pairs] max_ends allows) changes no pairing:
            # the meetings already scheduled still get their agendas, notes and mail, and
            # the tick reports the step (exit 1), rather than everyone waiting for the fix.
            log.error("tick.pairs_failed", extra={"error": str(exc)})
            failed.append(f"pairs: {exc}")
        except Exception as exc:
            if dry_run:
                raise
            # Not foreseen (a defect, the database gone for a moment): as above, no pairing
            # changed, and the meetings already booked go on.
            log.exception("tick.step_failed", extra={"step": "pairs"})
            failed.append(f"pairs: {type(exc).__name__}: {exc}")
    # A dry run stores nothing, so the pairs it would add are handed over in memory.
    planned = planned_views(ctx, plan, now) if dry_run else None
    changes = dry_run_changes(ctx, plan.actions, now) if dry_run else None
    if dry_run:
        report = await schedule(ctx, now, dry_run=True, planned=planned, changes=changes)
        return TickReport(pairs=plan, schedule=report)
    report = await _step("schedule", lambda: schedule(ctx, now), ScheduleReport, failed)
    # Subjects after a rename the pairs sync stored (a series booked this run has it).
    await _step("renames", lambda: rename_series(ctx, now, report), lambda: None, failed)
    # Order matters: occurrences first (moves and cancellations), then notes of meetings that
    # ended (closing actions), then agendas (which carry whatever is still open).
    occurrences = await _step("occurrences", lambda: sync_occurrences(ctx, now), SyncReport,
                              failed)
    # The calendar reads find the series a manager deleted: the schedule's count says so.
    report.deleted_by_manager += occurrences.deleted
    # Off holidays and leave, before agendas.
    absences = await _step("absences", lambda: check_absences(ctx, now), AbsenceReport, failed)
    captured = await _step("notes", lambda: capture_notes(ctx, now), CaptureReport, failed)
    topics = await _step("topics", lambda: read_topic_mail(ctx, now), TopicMailReport, failed)
    # Missed meetings (cancelled, declined, no notes): offers, and bookings to finish.
    rebooks = await _step("rebook", lambda: rebook_missed(ctx, now), RebookReport, failed)
    agendas = await _step("agendas", lambda: inject_agendas(ctx, now), AgendaReport, failed)
    queued = await _step("mail queue", lambda: queue_mail(ctx, now), MailReport, failed)
    mail = await _step("mail", lambda: send_outbox(ctx, now), MailReport, failed)
    mail.queued, mail.failed = queued.queued, queued.failed + mail.failed
    # Once a day: without it, `onetoone tick` from cron (no worker) would never erase.
    await _step("retention", lambda: _retention(ctx, now), lambda: None, failed)
    return TickReport(pairs=plan, schedule=report, occurrences=occurrences, agenda=agendas,
                      capture=captured, mail=mail, topics=topics, rebook=rebooks,
                      absences=absences, failed_steps=failed,
                      # (the store is asked again only when a mailbox was held or given up:
                      # each query is paid by every tick of every deployment)
                      held=held_lines(ctx.store, ctx.moved_on(now))
                      if holds is not None and holds.any() else [])
