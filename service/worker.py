"""The always-on worker: APScheduler runs the jobs on intervals; SIGTERM ends it cleanly.

Two jobs: the directory sync (every [worker] sync_minutes) and the tick that keeps series
scheduled (every [worker] interval_minutes); with [privacy] retain_months, a third erases
old text once a day. Of several replicas on one database, the one holding the duty lease
runs the jobs and the others stand by (see service/duty.py). On SIGTERM/SIGINT the worker
starts no new run (not even one already queued behind the run in hand) and waits for the run
in hand to finish, so no run is cut off between its Graph call and the database write that
records it; the run's waits on Graph (Retry-After, back-off) end at once and nothing more is
retried (``Halt``), so it finishes within a supervisor's grace period. Every run is also
crash-safe if killed harder (outbox, leases), which is what lets a second Ctrl-C exit at once.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import threading
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from service.clock import Clock, SystemClock
from service.config import Settings
from service.duty import BEAT_SECONDS, SILENT_AFTER, Duty, duty_lease
from service.errors import AuthError, ConfigError, ServiceError
from service.graph.waits import Halt

log = logging.getLogger(__name__)

# How often the main thread compares the wall clock with the monotonic one, and the step
# between them that reschedules the jobs (see _watch_clock). NTP slews small offsets, far
# below this; a step is the clock set back or forward, or a sleep the monotonic clock missed.
CLOCK_CHECK_SECONDS = 30.0
CLOCK_STEP_SECONDS = 60.0


def _failed_steps(steps: list[str]) -> str:
    """What /readyz says of a run whose ``steps`` failed ("name: error" each): which steps.
    Not the errors: the probe answers anyone who can reach the port (0.0.0.0 in the
    container image) and an error can name people and mailboxes (a pairs-file line, a
    Graph error's user). The log has them (``tick.pairs_failed``, ``tick.step_failed``)."""
    names = ", ".join(dict.fromkeys(step.partition(":")[0] for step in steps))
    return f"step failed: {names} (details in the worker's log)"


def _run_failed(exc: Exception, event: str) -> str:
    """What /readyz says of a run that failed as a whole: the kind of error (AuthError,
    StoreError...), not its words (see ``_failed_steps``); the log's ``event`` has them."""
    return f"{type(exc).__name__} (details in the worker's log: {event})"


class Worker:
    """Runs the jobs one at a time; keeps counters for /metrics and the last outcome."""

    def __init__(self, settings: Settings, clock: Clock | None = None,
                 identity: str | None = None) -> None:
        from service.logs import register_secret
        from service.store.db import sqlite_path
        from service.store.leases import worker_identity

        register_secret(getattr(settings.microsoft, "client_secret", None))
        self.settings = settings
        self.clock = clock or SystemClock()
        # None on SQLite: one worker per file, held by its file lock (`single_worker`), so
        # a lease left by a worker killed elsewhere (a recreated container) must not make
        # the only worker stand by.
        self.duty = None if sqlite_path(settings.database.url) else Duty(
            identity or worker_identity(settings.worker.name),
            duty_lease(settings.worker, self.clock.speed), name=settings.worker.name)
        self.last_ok: datetime | None = None
        # What failed, as /readyz says it (``_failed_steps``, ``_run_failed``): never the
        # error's words, which can name people and mailboxes; the log has those.
        self.last_error: str | None = None
        # The directory sync's health, kept apart: a plain tick with nothing due makes no Graph
        # request, so its going through says nothing of syncs that keep failing (an expired
        # client secret, a pairs file gone). Since when no sync was owed (the last good sync,
        # a run standing by, else the first run), and the error of the syncs failing since.
        self.sync_ok: datetime | None = None
        self.sync_error: str | None = None
        # Since when Entra has refused the sign-in for good (a client secret expired or
        # wrong, no such app: AuthError.permanent), until a run signs in again. No run will
        # by itself, so this is an outage at once, not after three sync intervals.
        self.sign_in_refused: datetime | None = None
        self.counters: dict[str, float] = {
            "ticks": 0, "tick_failures": 0, "series_created": 0, "series_adopted": 0,
            "series_extended": 0, "series_ended": 0, "agendas_injected": 0,
            "notes_captured": 0, "mails_sent": 0, "mails_unconfirmed": 0, "graph_requests": 0,
            "graph_retries": 0, "graph_throttled": 0, "steps_failed": 0, "standby_runs": 0,
        }
        self._lock = threading.Lock()
        # A plain flag, not an Event: the signal handler sets it, and a handler must not take
        # a lock the interrupted main thread might hold.
        self.stopping = False
        # Ends the run's waits on Graph once stopping (see ``stop``).
        self.halt = Halt()

    def stop(self) -> bool:
        """Start no new run from now on (the run in hand finishes, its waits on Graph cut
        short and nothing more retried); False if already stopping."""
        first, self.stopping = not self.stopping, True
        self.halt.set()  # (lock-free: called from the signal handler)
        return first

    @property
    def busy(self) -> bool:
        """A run (or the retention job) is in progress."""
        return self._lock.locked()

    def _may_run(self, job: str) -> bool:
        if self.stopping:
            log.info("worker.run_skipped", extra={"job": job, "reason": "the worker is stopping"})
            return False
        return True

    def run_job(self, sync: bool) -> None:
        """One unit of work. Jobs never overlap within a worker."""
        from service.app import job_context, open_store
        from service.jobs.tick import tick

        job = "sync" if sync else "tick"
        if not self._may_run(job):
            return
        with self._lock:
            # Again, holding the lock: a job that waited for the run in hand while the stop
            # came must not start a new run once that one finishes.
            if not self._may_run(job):
                return
            now = self.clock.now()
            try:
                store = open_store(self.settings)
                if self.duty is not None and not self.duty.take(store):
                    # Standing by is this replica working as it should: ready, and counted.
                    self.counters["standby_runs"] += 1
                    self.last_ok, self.last_error = now, None
                    self.sync_ok, self.sync_error = now, None  # the replica on duty syncs
                    self.sign_in_refused = None  # (and says so)
                    return
                self.counters["ticks"] += 1
                made: list[Any] = []  # the run's Graph counts, for the duty's renewals

                async def go() -> Any:
                    async with job_context(self.settings, now, store=store,
                                           graph_options={"halt": self.halt}) as ctx:
                        made.append(ctx.graph.transport.stats)
                        try:
                            return await tick(ctx, now, sync=sync)
                        finally:
                            stats = ctx.graph.transport.stats
                            self.counters["graph_requests"] += stats.requests
                            self.counters["graph_retries"] += stats.retries
                            self.counters["graph_throttled"] += stats.throttled

                with (self.duty.kept(store, lambda: made[0].requests if made else 0)
                      if self.duty is not None else nullcontext()):
                    result = asyncio.run(go())
                if made and made[0].requests:  # (a request went out: it had a token)
                    self.sign_in_refused = None
                summary = result.schedule.summary()
                for key in ("created", "adopted", "extended", "ended"):
                    self.counters[f"series_{key}"] += summary[key]
                if result.agenda is not None:
                    self.counters["agendas_injected"] += len(result.agenda.injected)
                if result.capture is not None:
                    self.counters["notes_captured"] += len(result.capture.held)
                if result.mail is not None:
                    self.counters["mails_sent"] += len(result.mail.sent)
                    self.counters["mails_unconfirmed"] += len(result.mail.unconfirmed)
                # Ready only once the counters hold this run: /readyz answering 200 promises
                # /metrics already shows what the run did. A step that failed (the others
                # ran) keeps the worker from counting as healthy until a run goes through.
                if result.failed_steps:
                    self.counters["steps_failed"] += len(result.failed_steps)
                    self.last_error = _failed_steps(result.failed_steps)
                else:
                    self.last_ok, self.last_error = now, None
                if sync:
                    # (tick() names a failed pairs step "pairs: ...": the sync's own part.)
                    pairs = [step for step in result.failed_steps if step.startswith("pairs:")]
                    self._synced(now, _failed_steps(pairs) if pairs else None)
                # Prefixed: a bare "created" would collide with LogRecord's own attribute
                # (logging raises KeyError for extra keys that shadow one).
                log.info("worker.tick", extra={
                    "sync": sync, "as_of": now.isoformat(), "pairs": result.pairs.counts(),
                    **{f"series_{key}": value for key, value in summary.items()}})
            except ServiceError as exc:
                self.counters["tick_failures"] += 1
                self.last_error = _run_failed(exc, "worker.tick_failed")
                if isinstance(exc, AuthError) and exc.permanent:
                    self.sign_in_refused = self.sign_in_refused or now
                if sync:
                    self._synced(now, self.last_error)
                log.error("worker.tick_failed", extra={"error": str(exc)})
                self.give_up_duty()
            except Exception as exc:  # keep the worker alive; the next run retries
                self.counters["tick_failures"] += 1
                self.last_error = _run_failed(exc, "worker.tick_crashed")
                if sync:
                    self._synced(now, self.last_error)
                log.exception("worker.tick_crashed")
                # The fault may be this replica's alone (its network, its disk): the next
                # run of any replica, this one included, takes the duty.
                self.give_up_duty()

    def run_retention(self) -> None:
        """Erase what is older than [privacy] retain_months (once a day; logged)."""
        from service.app import open_store
        from service.jobs.retention import erase_expired

        if not self._may_run("retention"):
            return
        with self._lock:
            if not self._may_run("retention"):
                return
            now = self.clock.now()
            if not self.settings.privacy.retain_months:
                return
            try:
                store = open_store(self.settings)
                if self.duty is not None and not self.duty.take(store):
                    return  # the replica on duty erases
                # (Each tick erases too, at most once per cut-off: done already, no log.)
                done = erase_expired(store, self.settings.privacy.retain_months, now)
                if done is not None:
                    log.info("privacy.retention", extra={"before": done[0].isoformat(),
                                                         **done[1]})
            except ServiceError as exc:  # tried again tomorrow; the tick is unaffected
                log.error("privacy.retention_failed", extra={"error": str(exc)})

    def ready(self) -> tuple[bool, str]:
        """Ready once a run has succeeded recently (within three intervals)."""
        if self.last_ok is None:
            return False, self.last_error or "starting: no run has completed yet"
        limit = timedelta(minutes=3 * self.settings.worker.interval_minutes)
        if self.clock.now() - self.last_ok > limit:
            return False, f"last good run {self.last_ok.isoformat()}: {self.last_error or ''}"
        if self.duty is not None and self.duty.holding is False:
            if self.duty.clash:  # a mistake to fix, though the standing by is safe
                return False, f"{self.duty.clash} (checked {self.last_ok.isoformat()})"
            return True, (f"ok, standing by: {self.duty.holder} runs the jobs (checked "
                          f"{self.last_ok.isoformat()})")
        if self.sign_in_refused is not None:
            return False, (f"sign-in refused by Microsoft Entra since "
                           f"{self.sign_in_refused.isoformat()}: AuthError (details in the "
                           "worker's log: worker.tick_failed; run `onetoone doctor`)")
        # Nor is a worker whose directory syncs have failed for three of their own intervals:
        # plain ticks going through in between don't make up for them.
        sync_limit = timedelta(minutes=3 * self.settings.worker.sync_minutes)
        if (self.sync_error and self.sync_ok is not None
                and self.clock.now() - self.sync_ok > sync_limit):
            return False, (f"no directory sync has gone through since "
                           f"{self.sync_ok.isoformat()}: {self.sync_error}")
        if self.last_error:
            # Still ready: one failed run is retried at the next interval and is no outage
            # (three intervals without a good run are). But it is said, not hidden behind
            # the last good run's time.
            return True, (f"ok, last good run {self.last_ok.isoformat()}; a later run "
                          f"failed: {self.last_error}")
        if self.sync_error:
            return True, (f"ok, last run {self.last_ok.isoformat()}; the last directory sync "
                          f"failed: {self.sync_error}")
        return True, f"ok, last run {self.last_ok.isoformat()}"

    def _synced(self, now: datetime, error: str | None) -> None:
        """Record a sync run's outcome (``error`` None: it went through)."""
        if error is None or self.sync_ok is None:
            self.sync_ok = now  # (a first sync that failed: owed from then on)
        self.sync_error = error

    def give_up_duty(self) -> None:
        """Hand the jobs to a standby replica at once (the worker is stopping, or its run
        failed)."""
        from service.app import open_store

        if self.duty is None or not (self.duty.holding or self.duty.clash):
            return
        try:
            self.duty.give_up(open_store(self.settings))
        except ServiceError as exc:  # a standby takes over when the lease ends instead
            log.warning("worker.duty_release_failed", extra={"error": str(exc)})

    def metrics(self) -> dict[str, tuple[str, str, float]]:
        helps = {
            "ticks": "Job runs started", "tick_failures": "Job runs that failed",
            "series_created": "Series created in Outlook", "series_adopted":
            "Series found in Outlook and adopted", "series_extended": "Series extended",
            "series_ended": "Series ended (leavers, movers, cadence changes)",
            "agendas_injected": "Agendas written into occurrences",
            "notes_captured": "Meetings whose notes were read back",
            "mails_sent": "Summaries and reminders sent",
            "mails_unconfirmed": "Mails whose outcome could not be confirmed",
            "graph_requests": "HTTP requests sent to Microsoft Graph",
            "graph_retries": "Graph requests retried", "graph_throttled":
            "Graph responses with status 429",
            "steps_failed": "Steps of a run stopped by an unexpected error (later steps ran)",
            "standby_runs": "Runs skipped because another replica holds the duty lease",
        }
        return {f"onetoone_{k}_total": ("counter", helps[k], v) for k, v in self.counters.items()}


def run_worker(settings: Settings, clock: Clock | None = None) -> None:
    """Block running the jobs until SIGTERM/SIGINT."""
    from service.app import refuse_elsewhere
    from service.health import serve
    from service.store.db import refuse_foreign_url, single_worker

    # Before anything connects or makes its lock file: either would start the database
    # that `refuse_elsewhere` is there to stop (a run would then book into it, empty).
    refuse_elsewhere(settings)
    refuse_foreign_url(settings.database.url)  # (before its lock file is made beside it)
    with single_worker(settings.database.url):
        _run_worker(settings, clock, serve)


def _watch_clock(scheduler: BackgroundScheduler, stop_requested: threading.Event) -> None:
    """Wait for the stop, keeping the jobs' runs in real time when the wall clock steps.

    APScheduler keeps each job's next run time on the wall clock but waits for it on the
    monotonic one: a clock set back an hour (NTP correcting a clock that ran ahead, a
    dual-boot laptop's clock kept in local time) left every job waiting an extra hour, with
    no run and /readyz still 200; a suspend, which the monotonic clock does not count, left
    the scheduler waiting out the rest of its interval after the wake. So a step of the
    wall clock against the monotonic one moves the next runs back by as much (set back),
    or wakes the scheduler to run what came due (set forward, or asleep: once a job)."""
    wall, mono = time.time(), time.monotonic()
    while not stop_requested.wait(CLOCK_CHECK_SECONDS):
        now_wall, now_mono = time.time(), time.monotonic()
        step = (now_wall - wall) - (now_mono - mono)
        wall, mono = now_wall, now_mono
        if abs(step) > CLOCK_STEP_SECONDS:
            log.warning("worker.clock_stepped", extra={
                "seconds": round(step),
                "detail": "the wall clock moved against the monotonic one (set, or the "
                          "machine slept): the runs keep to real time"})
            if step < 0:
                now = datetime.now(UTC)
                for job in scheduler.get_jobs():
                    if job.next_run_time is not None:
                        job.modify(next_run_time=max(
                            now, job.next_run_time + timedelta(seconds=step)))
            scheduler.wakeup()


def _run_worker(settings: Settings, clock: Clock | None, serve: Any) -> None:
    worker = Worker(settings, clock)
    cfg = settings.worker
    try:
        server = (serve(cfg.health_host, cfg.health_port, ready=worker.ready,
                        metrics=worker.metrics) if cfg.health_port else None)
    except OSError as exc:
        # The port taken, or an address that is not this host's (or doesn't resolve).
        fix = ("Another process may have the port: set health_port "
               "(ONETOONE_WORKER_HEALTH_PORT) to a free one" if exc.errno == errno.EADDRINUSE
               else "Set health_host (ONETOONE_WORKER_HEALTH_HOST) to an address of this host: "
               "0.0.0.0 (IPv4), :: (IPv6 and IPv4) or 127.0.0.1 (this host only)")
        raise ConfigError(
            f"[worker] health_host:health_port: can't listen on {cfg.health_host}:"
            f"{cfg.health_port} ({exc.strerror or exc}). {fix}, or set health_port to 0 to "
            f"turn the health endpoints off.") from None
    # misfire_grace_time=None: a run time missed (the machine asleep, the VM paused, the
    # process stopped) is still run when the scheduler wakes, once (coalesce). APScheduler's
    # default grace of one second dropped it: nothing ran until the next interval (a whole
    # day for a daily directory sync).
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"misfire_grace_time": None})
    # APScheduler runs on the wall clock; a faster (simulated) clock shortens the intervals
    # so each run still covers interval_minutes of its time.
    speed = worker.clock.speed
    soon = datetime.now(UTC) + timedelta(seconds=1)
    scheduler.add_job(worker.run_job, "interval", seconds=cfg.sync_minutes * 60 / speed,
                      kwargs={"sync": True}, next_run_time=soon, max_instances=1,
                      coalesce=True, id="sync")
    scheduler.add_job(worker.run_job, "interval", seconds=cfg.interval_minutes * 60 / speed,
                      kwargs={"sync": False}, next_run_time=soon + timedelta(seconds=1),
                      max_instances=1, coalesce=True, id="tick")

    if worker.duty is not None:
        # One more run once an old instance of this worker's name, killed as it restarted,
        # is silent long enough to be taken for gone (service/duty.py): it takes the duty
        # back then, not an interval later.
        scheduler.add_job(worker.run_job, "date", kwargs={"sync": False}, id="namesake",
                          run_date=soon + SILENT_AFTER + timedelta(seconds=BEAT_SECONDS))

    if settings.privacy.retain_months:
        scheduler.add_job(worker.run_retention, "interval", seconds=24 * 3600 / speed,
                          next_run_time=soon + timedelta(seconds=2), max_instances=1,
                          coalesce=True, id="retention")

    # The main thread waits for this, then shuts the scheduler down: a signal handler must not
    # block, and waiting here (not calling shutdown() from the handler) holds even for a signal
    # that comes before the scheduler has started.
    stop_requested = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if worker.stop():
            log.info("worker.stopping", extra={"signal": name, "run_in_progress": worker.busy})
            # Set from a thread: Event.set() takes a lock the interrupted main thread may hold.
            threading.Thread(target=stop_requested.set, daemon=True, name="stop").start()
        elif signum == signal.SIGINT:
            # A second Ctrl-C is a person at a terminal who wants out now. Cutting the run
            # short is safe: the outbox, leases and intents make every run crash-safe, exactly
            # as after a SIGKILL, and the next run finishes the work.
            log.warning("worker.stopping_now", extra={
                "signal": name, "run_in_progress": worker.busy,
                "detail": "exiting without waiting; the next run finishes the work"})
            os._exit(128 + signum)
        else:
            # A repeated SIGTERM (supervisors resend it) keeps the graceful stop; the
            # supervisor's own SIGKILL after its grace period is the hard stop.
            log.info("worker.stopping_already", extra={
                "signal": name, "run_in_progress": worker.busy,
                "detail": "waiting for the run in progress to finish; a second Ctrl-C "
                          "(SIGINT) or SIGKILL exits at once"})

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker.started", extra={"interval_minutes": cfg.interval_minutes,
                                      "sync_minutes": cfg.sync_minutes})
    try:
        scheduler.start()
        _watch_clock(scheduler, stop_requested)
        # wait=True: the run in hand finishes before the process exits (jobs queued behind
        # it see worker.stopping and return without running).
        scheduler.shutdown(wait=True)
        worker.give_up_duty()
    finally:
        if server is not None:
            server.shutdown()
        log.info("worker.stopped")
