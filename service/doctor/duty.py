"""`onetoone doctor` on the replicas of a server database: which worker is on duty, and
whether two go by one ``[worker] name`` (see service/duty.py). Nothing on SQLite, one worker
per file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from service.doctor.check import Check
from service.errors import ServiceError

if TYPE_CHECKING:
    from service.config import Settings


def on_duty(engine: Any) -> str:
    """Which worker runs the jobs (and on which host), for the database line."""
    from service.store.leases import DUTY_LOCK
    from service.store.repo import Store

    if engine.url.get_backend_name() == "sqlite":
        return ""
    try:
        held = Store(engine).lock_record(DUTY_LOCK)
    except ServiceError as exc:  # the schema check above decides the verdict
        return f"; on duty: unknown ({str(exc).splitlines()[0]})"
    if held is None or held.until < datetime.now(UTC):
        return "; no worker on duty (none has run the jobs within its lease)"
    return f"; worker on duty: {held.owner}" + (f" on host {held.host}" if held.host else "")


def name_clash(settings: Settings) -> Check | None:
    """A worker standing by because another goes by its ``[worker] name`` (it notes so at
    each of its runs, for a lease, and drops the note as it stops): a failure, though
    nothing is done twice, as the admin meant two replicas and has one and a spare that
    must be renamed. None when no worker noted one within its lease."""
    from service.store.db import make_engine
    from service.store.leases import DUTY_LOCK, NAME_CLASH_LOCK
    from service.store.repo import Store

    if settings.database.url.startswith("sqlite"):
        return None
    now = datetime.now(UTC)
    try:
        store = Store(make_engine(settings.database.url))
        noted, duty = store.lock_record(NAME_CLASH_LOCK), store.lock_record(DUTY_LOCK)
    except Exception:  # the database line has said whether it can be used
        return None
    if noted is None or noted.until < now:
        return None
    holder = (f"{duty.owner} on host {duty.host}" if duty is not None and duty.until >= now
              and duty.worker_name == noted.worker_name else "another worker")
    checked = noted.seen.strftime("%Y-%m-%d %H:%M UTC") if noted.seen else "?"
    return Check("worker name", False,
                 f"two workers go by [worker] name {noted.worker_name}: {holder} runs the "
                 f"jobs; {noted.owner} on host {noted.host} stands by (last checked "
                 f"{checked}) and runs none while that one runs (worker.name_clash)",
                 "Give each replica a [worker] name of its own (ONETOONE_WORKER_NAME): in "
                 "Compose a second service with a name of its own, not `--scale`; with one "
                 "config file on several hosts, set the name per host in its environment. "
                 "Then restart the worker standing by.")
