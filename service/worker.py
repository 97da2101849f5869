"""The always-on worker: APScheduler runs `tick` on an interval; SIGTERM ends it cleanly.

A tick is the unit of work. On SIGTERM/SIGINT the scheduler stops taking new ticks and
waits for the one in hand to finish, so no job is cut off between its Graph call and the
database write that records it (and if it is killed harder, every job is crash-safe anyway).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler

from service.clock import Clock, SystemClock
from service.errors import ServiceError

log = logging.getLogger(__name__)


class Worker:
    """Runs ticks; tracks the last outcome for health checks."""

    def __init__(self, settings: Any, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.last_ok: datetime | None = None
        self.last_error: str | None = None
        self._lock = threading.Lock()

    def tick_once(self) -> None:
        from service.app import job_context
        from service.jobs.tick import tick

        if not self._lock.acquire(blocking=False):
            log.info("worker.tick_skipped", extra={"why": "previous tick still running"})
            return
        try:
            now = self.clock.now()

            async def go() -> Any:
                async with job_context(self.settings, now) as ctx:
                    return await tick(ctx, now)

            result = asyncio.run(go())
            self.last_ok, self.last_error = now, None
            log.info("worker.tick", extra={"pairs": result.pairs.counts(),
                                           **result.schedule.summary()})
        except ServiceError as exc:
            self.last_error = str(exc)
            log.error("worker.tick_failed", extra={"error": str(exc)})
        except Exception as exc:  # keep the worker alive; the next tick retries
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("worker.tick_crashed")
        finally:
            self._lock.release()


def run_worker(settings: Any) -> None:
    """Block running ticks every [worker] interval_minutes until a signal arrives."""
    worker = Worker(settings)
    scheduler = BlockingScheduler(timezone=timezone.utc)
    scheduler.add_job(
        worker.tick_once, "interval", minutes=settings.worker.interval_minutes,
        next_run_time=datetime.now(timezone.utc) + timedelta(seconds=1),
        max_instances=1, coalesce=True, id="tick",
    )

    def stop(signum: int, _frame: Any) -> None:
        log.info("worker.stopping", extra={"signal": signal.Signals(signum).name})
        # wait=True: the tick in hand finishes before the process exits.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker.started", extra={"interval_minutes": settings.worker.interval_minutes})
    scheduler.start()
    log.info("worker.stopped")
