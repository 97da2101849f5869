"""`[privacy] retain_months`: erase what is older than the cut-off, once per cut-off day.

A step of every tick, so a deployment that runs `onetoone tick` from cron (instead of the
worker, whose daily job calls this too) still has its old text erased. The cut-off moves on
once a day (midnight UTC), and the last one erased is kept as a due mark: the ticks between
read one row, not every old note.
"""

from __future__ import annotations

from datetime import datetime

from service.domain.retention import retention_cutoff
from service.store.repo import Store

RETENTION_MARK = "retention"


def erase_expired(store: Store, months: int, now: datetime
                  ) -> tuple[datetime, dict[str, int]] | None:
    """Erase (as `onetoone retention` does) what is older than ``months`` before ``now``,
    unless that cut-off was erased already; (cut-off, counts), or None when there was nothing
    to do (retention off, or done for this cut-off)."""
    cutoff = retention_cutoff(now, months)
    if cutoff is None or store.due_mark(RETENTION_MARK) == cutoff.isoformat():
        return None
    erased = store.erase_older_than(cutoff, now)
    store.set_due_mark(RETENTION_MARK, cutoff.isoformat())
    return cutoff, erased
