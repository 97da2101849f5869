"""Which worker runs the jobs when several replicas share one database.

Claims and leases keep replicas from writing anything twice, but every replica running the
jobs would still make every read the jobs make (calendars, Sent Items, the directory): two
replicas, twice the Graph requests, and more throttling. So one worker holds the *duty*
lease and runs the jobs; the others stand by, checking at each of their runs, and one of
them takes over when the holder stops (it gives the lease up), is killed on the same host
(its process is gone), or stops renewing (its lease ends). The lease is renewed at each run
and while a run makes progress, so it follows the work: a run stuck for a third of a lease
(no Graph request: a hung connection, a database lock wait) stops renewing it, and a run
that fails as a whole gives it up, in case the fault is this replica's alone. The lease's
holder is named by ``store.leases.worker_identity`` (``[worker] name``:pid, else
host:pid:pid-space), and only a worker of the same name and pid space judges whether its
process is gone.

`onetoone tick` (one run, by hand or from cron) takes no part: it runs whatever the workers
do, which is safe for the reason above, only not free.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from service.clock import SystemClock
from service.config.settings import WorkerSettings
from service.errors import ServiceError
from service.store.leases import DUTY_LOCK
from service.store.repo import Store

log = logging.getLogger(__name__)

RENEWALS_PER_LEASE = 3  # renewed this many times per lease while a run lasts
# How long the end of a run waits for a renewal caught in a database call (the thread then
# ends on its own; the lease needs nothing from it).
RENEWAL_JOIN_SECONDS = 10.0


def duty_lease(cfg: WorkerSettings, speed: float = 1.0) -> timedelta:
    """Twice the shortest gap between the worker's runs, plus a minute, in real time: the
    holder's next run renews it with room to spare (a run that comes late, a slow database),
    and a standby takes over about three runs after the holder's last."""
    every = min(cfg.interval_minutes, cfg.sync_minutes) * 60 / speed
    return timedelta(seconds=2 * every + 60)


class Duty:
    """One worker's side of the duty lease."""

    def __init__(self, owner: str, lease: timedelta,
                 wall: Callable[[], datetime] | None = None) -> None:
        # The lease is kept in real time, whatever instant a run is *as of* (a simulated
        # clock): replicas wait on one another in real time.
        self.owner, self.lease, self.wall = owner, lease, wall or SystemClock().now
        self.holding: bool | None = None  # None: not asked yet, or given up
        self.holder: str | None = None  # who runs the jobs, as last seen

    def take(self, store: Store) -> bool:
        """Hold the duty (or renew it) for a run; False while another worker holds it.
        Logs only the changes: a standby checks every run."""
        now = self.wall()
        if store.take_lock(DUTY_LOCK, self.owner, now, self.lease):
            if self.holding is not True:
                log.info("worker.on_duty", extra={"worker": self.owner,
                                                  "previous": self.holder or ""})
            self.holding, self.holder = True, self.owner
            return True
        # (Between the two reads the lease may end: then nobody is named, and the next
        # run takes it.)
        holder = store.lock_holder(DUTY_LOCK, now) or "another worker"
        if self.holding is not False or holder != self.holder:
            log.info("worker.standby", extra={
                "worker": self.owner, "holder": holder,
                "detail": "another worker runs the jobs; this one takes over if it stops"})
        self.holding, self.holder = False, holder
        return False

    @contextmanager
    def kept(self, store: Store, progress: Callable[[], int]) -> Iterator[None]:
        """Renew the duty every third of its lease while the block runs and ``progress()``
        (a count of what the run has done) moves: a long run, such as a first rollout,
        outlasts a lease; a stuck one must not keep the standbys out."""
        done = threading.Event()

        def renew() -> None:
            last = progress()
            while not done.wait(self.lease.total_seconds() / RENEWALS_PER_LEASE):
                if (now := progress()) == last:
                    log.warning("worker.run_stalled", extra={
                        "worker": self.owner,
                        "detail": "no Graph request for a third of the duty lease: it is not "
                                  "renewed, and a standby replica may take over"})
                    continue
                last = now
                try:
                    if not store.take_lock(DUTY_LOCK, self.owner, self.wall(), self.lease):
                        # The lease ran out unrenewed and another worker took it: this run
                        # goes on, as safe as any replica's, and the next one stands by.
                        log.warning("worker.duty_lost", extra={"worker": self.owner})
                        self.holding = False
                        return
                except ServiceError as exc:  # tried again a third of a lease later
                    log.warning("worker.duty_renewal_failed", extra={"error": str(exc)})

        thread = threading.Thread(target=renew, daemon=True, name="duty")
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(RENEWAL_JOIN_SECONDS)

    def give_up(self, store: Store) -> None:
        """Let a standby take over at its next run (this worker stops, or its run failed)."""
        if self.holding:
            store.drop_lock(DUTY_LOCK, self.owner)
            log.info("worker.duty_released", extra={"worker": self.owner})
        self.holding = None
