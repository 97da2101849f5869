"""Meetings someone moved into the look-ahead before onetoone listed them.

A series' meetings are listed when their agendas fall due, so one the manager drags to an
earlier day (a monthly 1-2-1 brought forward by weeks) may start before its old slot's
agenda would. The calendar reads of the occurrence sync list it (an exception), and it is
listed then: see ``jobs.occurrences``. That holds for every series the pair meets on: the
active one, and a superseded one, which holds the pair's meetings up to its range end while
its follow-on waits to start (for months of every series' life, and a new starter's weekly
series from the day it is booked).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from service.domain.instances import before_first_day
from service.graph.wire import CalendarChanges
from service.jobs.context import JobContext

# How far back a superseded series' range end may be for it to count: a day, so that every
# zone's today is covered (the range end is a local date).
_ZONES_BEHIND = timedelta(days=1)


def series_by_master(ctx: JobContext, mailboxes: list[str], now: datetime
                     ) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Mailbox -> series master id -> (series, view) of the series organised there that
    may still hold meetings to come: active ones, and superseded ones whose range has not
    ended (the mailboxes read this tick: a few; one read for all of them)."""
    out: dict[str, dict[str, tuple[Any, Any]]] = {m: {} for m in mailboxes}
    day = (now - _ZONES_BEHIND).date()
    for series, view, _version in ctx.store.series_in_mailboxes(mailboxes, day):
        if series.event_id:
            out.setdefault(series.mailbox.lower(), {})[series.event_id] = (series, view)
    return out


def moved_in(masters: dict[str, tuple[Any, Any]], rows: dict[str, tuple[Any, Any, Any]],
             changes: CalendarChanges, now: datetime, need: datetime) -> dict[int, datetime]:
    """Series id -> end of the window to list, for each occurrence the changes show of one
    of ``masters``' series (by its master id) that someone moved on its own (an exception),
    is not recorded and now starts before ``need``. Plain occurrences are listed when their
    agenda falls due, as ever: a new series, or a whole re-read, shows them all, and
    listing them early would cost a listing more. But for one before the series' recorded
    first day: the manager moved the whole series earlier (a follow-on booked months
    ahead), and its agendas would fall due only on the old pattern."""
    out: dict[int, datetime] = {}
    for item in changes.events:
        hit = masters.get(item.series_master_id or "")
        if (hit is None or item.id in rows or item.cancelled or item.start is None
                or not now <= item.start < need):
            continue
        if item.type != "exception" and not (item.type == "occurrence" and before_first_day(
                item.start, hit[0].first_date, hit[0].time_zone)):
            continue
        until = item.start + timedelta(minutes=1)
        out[hit[0].id] = max(until, out.get(hit[0].id, until))
    return out
