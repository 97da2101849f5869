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
holder is named by ``store.leases.worker_identity`` (name:pid:pid-space, the name being
``[worker] name`` or else the host name), and only a worker of the same name and pid space
(the same host, and namespace) judges whether its process is gone.

`onetoone tick` (one run, by hand or from cron) takes no part: it runs whatever the workers
do, which is safe for the reason above, only not for free.

Workers given one ``[worker] name`` by mistake (Compose ``--scale``, one env file for two
containers, one config on two hosts) must not both run the jobs, and a container restarted
after a kill (its name again, but a new process) must take its duty back without waiting
out the lease. The lease records the holding process's instance, drawn at random as it
starts, and the holder says every ``BEAT_SECONDS`` that it still runs, whatever its runs do
(``seen``). A worker finding its name's lease held by another instance judges it by that:
heard from since this worker started, or since its last look, it is alive, a name clash
(``worker.name_clash``: this one stands by, and /readyz and `onetoone doctor` say so);
silent for ``SILENT_AFTER`` it is gone, and the lease is taken over; else it may be the
instance this one replaces, killed moments ago, and this worker waits (its run
``SILENT_AFTER`` and a beat after it starts looks again: service/worker.py).

The worker on duty hears of a clash from the note the one standing by keeps
(``NAME_CLASH_LOCK``, at each of its runs): it reads it at its runs and beats, and says so
once per namesake, as an ERROR too, so the admin reading either container's log sees it. It
goes on running the jobs: the clash is safe (one runs them), only a name to fix.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import Enum

from service.clock import SystemClock
from service.config.settings import WorkerSettings
from service.errors import ServiceError
from service.store.leases import DUTY_LOCK, NAME_CLASH_LOCK, Instance, LockRecord
from service.store.repo import Store

log = logging.getLogger(__name__)

RENEWALS_PER_LEASE = 3  # renewed this many times per lease while a run lasts
# How often the holder says it runs (real time; one UPDATE of one row), and how long a
# namesake holder may be silent before it is taken for gone: four beats, so a slow database
# or a clock a few seconds off does not make a live one look gone. Far under a lease, so a
# restarted container takes its duty back minutes after its start, not a lease after.
BEAT_SECONDS = 30.0
SILENT_AFTER = timedelta(minutes=2)
# How long the end of a run waits for a renewal caught in a database call (the thread then
# ends on its own; the lease needs nothing from it).
RENEWAL_JOIN_SECONDS = 10.0


def duty_lease(cfg: WorkerSettings, speed: float = 1.0) -> timedelta:
    """Twice the shortest gap between the worker's runs, plus a minute, in real time: the
    holder's next run renews it with room to spare (a run that comes late, a slow database),
    and a standby takes over about three runs after the holder's last."""
    every = min(cfg.interval_minutes, cfg.sync_minutes) * 60 / speed
    return timedelta(seconds=2 * every + 60)


class Namesake(Enum):
    """What a worker makes of the duty's holder, as to its own ``[worker] name``."""

    OTHER = "other"  # another name, or none: its lease ends as any holder's does
    LIVE = "live"  # this worker's name, heard from since this worker could hear it: a clash
    UNSURE = "unsure"  # this worker's name, heard from lately, not since: maybe the one it
    # replaces, killed moments ago
    SILENT = "silent"  # this worker's name, silent for SILENT_AFTER: gone


def judge_namesake(held: LockRecord, me: Instance, now: datetime, started: datetime,
                   last_seen: datetime | None) -> Namesake:
    """Whether the duty's holder ``held`` is another live process going by ``me``'s name:
    heard from (``seen``) after this worker ``started``, or after ``last_seen`` (what this
    worker saw of it at its last look). A killed process says nothing once it is gone, so
    the instance a restarted worker replaces is never LIVE to it (only UNSURE, then
    SILENT); a live namesake beats every BEAT_SECONDS and is LIVE at the second look."""
    if (not me.name or held.worker_name != me.name or held.instance in (None, me.id)
            or held.seen is None):
        return Namesake.OTHER
    if now - held.seen >= SILENT_AFTER:
        return Namesake.SILENT
    if held.seen > started or (last_seen is not None and held.seen > last_seen):
        return Namesake.LIVE
    return Namesake.UNSURE


class Duty:
    """One worker's side of the duty lease."""

    def __init__(self, owner: str, lease: timedelta,
                 wall: Callable[[], datetime] | None = None, *, name: str = "",
                 beat_seconds: float | None = BEAT_SECONDS) -> None:
        # The lease is kept in real time, whatever instant a run is *as of* (a simulated
        # clock): replicas wait on one another in real time.
        self.owner, self.lease, self.wall = owner, lease, wall or SystemClock().now
        self.me = Instance.starting(name)  # this process, as the lease records its holder
        self.started = self.wall()
        self.holding: bool | None = None  # None: not asked yet, or given up
        self.holder: str | None = None  # who runs the jobs, as last seen
        # Why this worker stands by in a name clash (/readyz says it); None: no clash.
        self.clash: str | None = None
        self._looked: tuple[str | None, datetime | None] = (None, None)  # instance, seen
        self.beat_seconds = beat_seconds
        self._beats: threading.Event | None = None  # set: the beating thread stops
        self._told: str | None = None  # the namesake standing by last logged (its instance)

    def take(self, store: Store) -> bool:
        """Hold the duty (or renew it) for a run; False while another worker holds it.
        Logs only the changes: a standby checks every run."""
        now = self.wall()
        if store.take_lock(DUTY_LOCK, self.owner, now, self.lease, self.me):
            self._on_duty(store, self.holder)
            self._namesake_standing_by(store, now)
            return True
        held = store.lock_record(DUTY_LOCK)
        if held is None or held.until < now:
            # (Ended between the two reads: nobody is named, and the next run takes it.)
            self._stand_by("another worker", None)
            return False
        looked, self._looked = self._looked, (held.instance, held.seen)
        judged = judge_namesake(held, self.me, now, self.started,
                                looked[1] if looked[0] == held.instance else None)
        if judged is Namesake.SILENT and store.take_lock_from(DUTY_LOCK, held, self.owner, now,
                                                               self.lease, self.me):
            log.warning("worker.namesake_replaced", extra={
                "worker": self.owner, "previous": held.owner, "host": held.host or "",
                "seen": held.seen.isoformat() if held.seen else "",
                "detail": "the duty's holder went by this worker's [worker] name and has not "
                          "run since: a restarted worker's old instance, killed"})
            self._on_duty(store, held.owner)
            return True
        if judged is Namesake.LIVE:
            self._clashed(store, held, now)
        else:
            self.clash = None
        self._stand_by(held.owner, held if judged is Namesake.UNSURE else None)
        return False

    def _on_duty(self, store: Store, previous: str | None) -> None:
        if self.holding is not True:
            log.info("worker.on_duty", extra={"worker": self.owner, "previous": previous or ""})
        self.holding, self.holder, self.clash = True, self.owner, None
        self._beat_on(store)

    def _stand_by(self, holder: str, namesake: LockRecord | None) -> None:
        if self.holding is not False or holder != self.holder:
            detail = ("another worker runs the jobs; this one takes over if it stops"
                      if namesake is None else
                      f"the worker on duty goes by this one's [worker] name and was last "
                      f"heard from at {namesake.seen.isoformat() if namesake.seen else '?'}: "
                      f"if it is not heard from again (an old instance of this worker, "
                      f"killed), this one takes over {SILENT_AFTER.seconds // 60} minutes "
                      f"after that; if it is, the two clash (worker.name_clash)")
            log.info("worker.standby", extra={"worker": self.owner, "holder": holder,
                                              "detail": detail})
        self.holding, self.holder = False, holder

    def _clashed(self, store: Store, held: LockRecord, now: datetime) -> None:
        """Stand by for a live namesake: said once per namesake (an ERROR: two replicas one
        name is a mistake to fix), and noted for `onetoone doctor` at every run."""
        host = held.host or "an unknown host"
        clash = (f"name clash: {held.owner} on host {host} goes by this worker's [worker] "
                 f"name ({self.me.name}) and runs the jobs; this one stands by")
        if clash != self.clash:
            log.error("worker.name_clash", extra={
                "worker": self.owner, "worker_name": self.me.name, "holder": held.owner,
                "host": held.host or "", "this_host": self.me.host,
                "detail": "two workers go by this [worker] name: this one stands by and runs "
                          "no job while the other runs. Give each replica a name of its own "
                          "(ONETOONE_WORKER_NAME; in Compose a second service, not --scale)"})
        self.clash = clash
        try:
            store.note_lock(NAME_CLASH_LOCK, self.owner, now, self.lease, self.me)
        except ServiceError as exc:  # /readyz and the log say it still
            log.warning("worker.name_clash_note_failed", extra={"error": str(exc)})

    def _namesake_standing_by(self, store: Store, now: datetime) -> None:
        """On duty: log once per namesake a worker's note that it stands by because this one
        goes by its name (the standby logs it too, but the admin may read this log only).
        The note stands a lease after the standby's last run, as doctor reads it."""
        if not self.me.name:
            return
        try:
            noted = store.lock_record(NAME_CLASH_LOCK)
        except ServiceError:  # read again at the next beat; the duty is not at stake
            return
        if (noted is None or noted.until < now or noted.worker_name != self.me.name
                or noted.instance in (None, self.me.id)):
            return
        if noted.instance == self._told:
            return
        self._told = noted.instance
        log.error("worker.name_clash", extra={
            "worker": self.owner, "worker_name": self.me.name, "standby": noted.owner,
            "host": noted.host or "", "this_host": self.me.host,
            "detail": f"two workers go by this [worker] name: this one runs the jobs and "
                      f"{noted.owner} on host {noted.host or '?'} stands by. Give each "
                      f"replica a name of its own (ONETOONE_WORKER_NAME; in Compose a second "
                      f"service, not --scale), then restart the one standing by"})

    def beat(self, store: Store) -> bool:
        """Say that this worker still runs (to a namesake judging whether it is gone), and
        hear of a namesake standing by; False while it does not hold the duty."""
        now = self.wall()
        if not store.beat(DUTY_LOCK, self.owner, self.me.id, now):
            return False
        self._namesake_standing_by(store, now)
        return True

    def _beat_on(self, store: Store) -> None:
        """Beat every ``beat_seconds`` from a thread of its own, from the first run on duty
        until ``give_up``: a process that runs says so whatever its runs do (a long run, a
        stuck one, none due for an hour). The thread holds the duty weakly: it ends with it."""
        if self.beat_seconds is None or (self._beats is not None and not self._beats.is_set()):
            return
        stop, duty, every = threading.Event(), weakref.ref(self), self.beat_seconds
        self._beats = stop

        def beating() -> None:
            while not stop.wait(every):
                if (current := duty()) is None:
                    return
                try:
                    current.beat(store)
                except ServiceError as exc:  # tried again a beat later
                    log.warning("worker.duty_beat_failed", extra={"error": str(exc)})
                del current

        threading.Thread(target=beating, daemon=True, name="duty-beat").start()

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
                    if not store.take_lock(DUTY_LOCK, self.owner, self.wall(), self.lease,
                                           self.me):
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
        if self._beats is not None:
            self._beats.set()
        if self.holding:
            store.drop_lock(DUTY_LOCK, self.owner)
            log.info("worker.duty_released", extra={"worker": self.owner})
        if self.clash:  # (stopping, maybe renamed: doctor's line goes with it)
            store.drop_lock(NAME_CLASH_LOCK, self.owner)
            self.clash = None
        self.holding = None
