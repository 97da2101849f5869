"""`[privacy] retain_months`: erase what is older than the cut-off, once per cut-off day.

A step of every tick, so a deployment that runs `onetoone tick` from cron (instead of the
worker, whose daily job calls this too) still has its old text erased. The cut-off moves on
once a day (midnight UTC), and the last one erased is kept as a due mark: the ticks between
read one row, not every old note.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from service.domain.retention import retention_cutoff
from service.store.repo import Store

RETENTION_MARK = "retention"
AGENDA_TEXT_MARK = "agenda_text"
HOLDS_MARK = "mailbox_holds"
# The marks a tick's retention step reads, in one statement (see ``marks``).
MARKS = (RETENTION_MARK, AGENDA_TEXT_MARK, HOLDS_MARK)
# The last re-read of a meeting's notes falls within [agenda] recapture_days of it, or two
# days more while it waits for a calendar read to vouch for it: a day's slack past that.
AGENDA_TEXT_SLACK = timedelta(days=3)


def _mark(store: Store, name: str, marks: Mapping[str, str] | None) -> str | None:
    return store.due_mark(name) if marks is None else marks.get(name)


def erase_expired(store: Store, months: int, now: datetime,
                  marks: Mapping[str, str] | None = None
                  ) -> tuple[datetime, dict[str, int]] | None:
    """Erase (as `onetoone retention` does) what is older than ``months`` before ``now``,
    unless that cut-off was erased already; (cut-off, counts), or None when there was nothing
    to do (retention off, or done for this cut-off). ``marks``: the marks of ``MARKS`` as
    read just before (the tick reads them at once for its three steps), else read here."""
    cutoff = retention_cutoff(now, months)
    if cutoff is None or _mark(store, RETENTION_MARK, marks) == cutoff.isoformat():
        return None
    erased = store.erase_older_than(cutoff, now)
    store.set_due_mark(RETENTION_MARK, cutoff.isoformat())
    return cutoff, erased


def drop_read_agendas(store: Store, recapture_days: int, now: datetime,
                      marks: Mapping[str, str] | None = None) -> int | None:
    """Drop the agenda text kept of each meeting (to tell its lines from the notes) once its
    notes are past re-reading, once a day; the count, or None when done for today.
    ``marks``: as for ``erase_expired``."""
    today = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    before = today - timedelta(days=recapture_days) - AGENDA_TEXT_SLACK
    if _mark(store, AGENDA_TEXT_MARK, marks) == before.isoformat():
        return None
    dropped = store.forget_agenda_texts(before)
    store.set_due_mark(AGENDA_TEXT_MARK, before.isoformat())
    return dropped


def drop_ended_holds(store: Store, now: datetime, marks: Mapping[str, str] | None = None
                     ) -> int | None:
    """Drop the mailbox holds over for a day (store/mailbox_holds.py), once a day, whatever
    [privacy] retain_months says: each names a mailbox and quotes Graph, and only a later
    hold dropped them, so a tenant throttled once kept its row for good. The count, or None
    when done for today. ``marks``: as for ``erase_expired``."""
    today = now.astimezone(UTC).date().isoformat()
    if _mark(store, HOLDS_MARK, marks) == today:
        return None
    dropped = store.drop_ended_holds(now)
    store.set_due_mark(HOLDS_MARK, today)
    return dropped
