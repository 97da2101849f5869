"""Series and their occurrences: ids, expansion, lookup, and a calendar indexed by time.

Events are stored as Graph JSON plus a few private ``_`` keys (never sent out):

* ``_exceptions``: original start (UTC ISO) -> the fields an occurrence overrides;
* ``_cancelled``: original starts of deleted/cancelled occurrences;
* ``_copies``: attendee user id -> the id of their copy (on the organizer's event);
* ``_organizer_ref``: [organizer user id, organizer event id] (on an attendee's copy).

Occurrences are never stored: they are expanded with ``service.domain.recurrence`` each
time, and their ids are derived from the series id and the original start, so they are
stable across calls and processes.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, NamedTuple

from service.domain import recurrence as rec
from service.sandbox.state import TenantState
from service.sandbox.wire import (
    UTC,
    GraphFault,
    graph_time,
    iso_utc,
    parse_dtz,
    parse_instant,
    zone_of,
)

OCCURRENCE_MARK = "_OID_"
NOT_FOUND = "The specified object was not found in the store."


class Timed(NamedTuple):
    """An event or occurrence with its start and end parsed (once) to UTC instants."""

    start: datetime
    end: datetime
    event: dict[str, Any]


def timed(event: dict[str, Any]) -> Timed:
    return Timed(start_of(event), end_of(event), event)


def occurrence_id(series_id: str, original: datetime) -> str:
    """The stable id of the occurrence of ``series_id`` originally starting at ``original``."""
    return f"{series_id}{OCCURRENCE_MARK}{original.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def split_occurrence_id(event_id: str) -> tuple[str, datetime] | None:
    """(series id, original start) for an occurrence id, else None."""
    if OCCURRENCE_MARK not in event_id:
        return None
    series, stamp = event_id.rsplit(OCCURRENCE_MARK, 1)
    try:
        return series, datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def start_of(event: dict[str, Any]) -> datetime:
    return parse_dtz(event["start"], "start")


def end_of(event: dict[str, Any]) -> datetime:
    return parse_dtz(event["end"], "end")


def local_bounds(event: dict[str, Any]) -> tuple[datetime, datetime]:
    zone = zone_of(event["start"].get("timeZone"))
    return start_of(event).astimezone(zone), end_of(event).astimezone(zone)


# -- expansion ---------------------------------------------------------------------------


def timed_occurrences(event: dict[str, Any], window_start: datetime, window_end: datetime
                      ) -> list[Timed]:
    """The occurrence and exception views of a series overlapping the window, by start."""
    bounds = local_bounds(event)
    local_start, local_end = bounds
    cancelled = set(event.get("_cancelled") or ())
    exceptions = event.get("_exceptions") or {}
    out = []
    for begin, _finish in rec.expand(event["recurrence"], local_start, local_end,
                                     window_start, window_end):
        key = iso_utc(begin)
        if key in cancelled or key in exceptions:
            continue
        out.append(timed(occurrence_view(event, begin, bounds)))
    # Exceptions are placed by their own (possibly moved) times, not their original ones.
    for key in exceptions:
        item = timed(occurrence_view(event, parse_instant(key), bounds))
        if item.start < window_end and item.end > window_start:
            out.append(item)
    out.sort(key=lambda item: item.start)
    return out


def occurrences(event: dict[str, Any], window_start: datetime, window_end: datetime
                ) -> list[dict[str, Any]]:
    """The occurrence and exception views of a series overlapping the window, by start."""
    return [item.event for item in timed_occurrences(event, window_start, window_end)]


def occurrence_view(master: dict[str, Any], original: datetime,
                     bounds: tuple[datetime, datetime] | None = None) -> dict[str, Any]:
    """An occurrence as Graph shows it: the master's fields, overlaid by its exception."""
    key = iso_utc(original)
    local_start, local_end = bounds or local_bounds(master)
    zone_name = master["start"].get("timeZone") or "UTC"
    view = {k: v for k, v in master.items() if k not in ("recurrence",) and not
            k.startswith("_")}
    view["start"] = {"dateTime": graph_time(original.astimezone(local_start.tzinfo)),
                     "timeZone": zone_name}
    view["end"] = {"dateTime": graph_time((original + (local_end - local_start))
                                          .astimezone(local_start.tzinfo)),
                   "timeZone": zone_name}
    exception = (master.get("_exceptions") or {}).get(key)
    view.update(copy.deepcopy(exception or {}))
    view["id"] = occurrence_id(master["id"], original)
    view["type"] = "exception" if exception is not None else "occurrence"
    view["seriesMasterId"] = master["id"]
    view["originalStart"] = key
    view["recurrence"] = None
    return view


def find_event(tenant: TenantState, uid: str, event_id: str
               ) -> tuple[dict[str, Any], dict[str, Any] | None, datetime | None]:
    """(stored event or its series, the occurrence view or None, original start or None)."""
    events = tenant.state["events"].setdefault(uid, {})
    if event_id in events:
        return events[event_id], None, None
    split = split_occurrence_id(event_id)
    if split and split[0] in events and events[split[0]].get("recurrence"):
        master, original = events[split[0]], split[1]
        key = iso_utc(original)
        local_start, _ = local_bounds(master)
        if key not in (master.get("_cancelled") or ()) and (
                key in (master.get("_exceptions") or {})
                or rec.is_occurrence(master["recurrence"], local_start, original)):
            return master, occurrence_view(master, original), original
    raise GraphFault(404, "ErrorItemNotFound", NOT_FOUND)


def calendar_index(tenant: TenantState, uid: str, window_start: datetime,
                   window_end: datetime) -> list[Timed]:
    """Single events, occurrences and exceptions overlapping the window, by start: each
    item's times parsed once, so free/busy and calendarView never parse them again."""
    out = []
    for event in tenant.state["events"].get(uid, {}).values():
        if event.get("recurrence"):
            out.extend(timed_occurrences(event, window_start, window_end))
            continue
        item = timed(event)
        if item.start < window_end and (item.end > window_start
                                        or item.start == window_start):
            out.append(item)
    out.sort(key=lambda item: (item.start, item.event["id"]))
    return out


def calendar_items(tenant: TenantState, uid: str, window_start: datetime,
                   window_end: datetime) -> list[dict[str, Any]]:
    """Single events, occurrences and exceptions overlapping the window, by start."""
    return [item.event for item in calendar_index(tenant, uid, window_start, window_end)]
