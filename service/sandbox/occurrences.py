"""Series and their occurrences: ids, expansion, lookup, and a calendar indexed by time.

Events are stored as Graph JSON plus a few private ``_`` keys (never sent out):

* ``_exceptions``: original start (UTC ISO) -> the fields an occurrence overrides;
* ``_cancelled``: original starts of deleted/cancelled occurrences;
* ``_copies``: attendee user id -> the id of their copy (on the organizer's event);
* ``_organizer_ref``: [organizer user id, organizer event id] (on an attendee's copy).

Occurrences are never stored: they are expanded with ``service.domain.recurrence`` each
time, and their ids are derived from the series id and the original start, so they are
stable across calls and processes. What each stored event's times parse to is kept per
mailbox (``TenantState.calendar_cache``), so free/busy, calendarView and delta reads do not
parse them again; an occurrence's Graph view is built only when a reader asks for it.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from service.domain import recurrence as rec
from service.sandbox.state import TenantState, json_copy
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
# Fields occurrence_view sets itself rather than taking from the master or the exception.
_DERIVED = frozenset({"id", "type", "seriesMasterId", "originalStart", "recurrence", "start",
                      "end"})


class Timed:
    """An event or occurrence with its start and end as UTC instants (parsed once).

    ``event`` is the stored event, or for an occurrence its Graph view, built on first use:
    free/busy reads a few fields (``get``) of every occurrence in a window, and copying the
    master (and its exception's body) for each would cost more than the rest of the call.
    """

    __slots__ = ("_bounds", "_event", "_exception", "_master", "_original", "end", "id",
                 "start")

    def __init__(self, start: datetime, end: datetime, event: dict[str, Any] | None = None,
                 *, master: dict[str, Any] | None = None, original: datetime | None = None,
                 exception: dict[str, Any] | None = None,
                 bounds: tuple[datetime, datetime] | None = None) -> None:
        self.start, self.end = start, end
        self._event, self._master, self._original = event, master, original
        self._exception, self._bounds = exception, bounds
        if event is not None:
            self.id: str = event["id"]
        elif master is not None and original is not None:
            self.id = occurrence_id(master["id"], original)
        else:
            raise ValueError("a Timed item needs an event, or a master and an original start")

    @property
    def original(self) -> datetime:
        """Where it sits in its series' pattern (UTC): its original start, or for a single
        event its start."""
        return self._original if self._original is not None else self.start

    @property
    def event(self) -> dict[str, Any]:
        """The event as stored, or the occurrence as Graph shows it (built on first read;
        every read of the index makes new items, so views are never shared between reads)."""
        if self._event is None:
            assert self._master is not None and self._original is not None
            self._event = occurrence_view(self._master, self._original, self._bounds)
        return self._event

    def get(self, key: str, default: Any = None) -> Any:
        """``event.get(key, default)`` without building an occurrence's view (read only)."""
        master = self._master
        if self._event is None and master is not None and not key.startswith("_"):
            if key == "type":
                return "exception" if self._exception is not None else "occurrence"
            if key not in _DERIVED:
                if self._exception is not None and key in self._exception:
                    return self._exception[key]
                return master.get(key, default)
        return self.event.get(key, default)


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


def _instant(key: str) -> datetime | None:
    """The instant an original-start key names, if it is one an occurrence's key
    (``iso_utc``) can equal; else None, which no occurrence matches."""
    try:
        instant = parse_instant(key)
    except GraphFault:
        return None
    return instant if iso_utc(instant) == key else None


def _as_shown(instant: datetime, zone: Any) -> datetime:
    """The instant an occurrence's view gives back once its local wall time is parsed again.

    The view's text has no offset, so in the repeated hour of a change back from summer
    time the later instant reads as the earlier one, as it always has here; the index keeps
    that, so its times are the ones calendarView shows."""
    local = instant.astimezone(zone)
    return local.replace(fold=0).astimezone(UTC) if local.fold else instant


# -- parsed times, per stored event ------------------------------------------------------


class _Parsed:
    """One stored event's times, parsed, with copies of the fields they came from.

    It is reused while those fields compare equal to the event's, so a change by any
    handler, by simulated people or by a test writing the state directly is seen on the
    next read (there is no write hook to forget), at the cost of a few dict comparisons.
    """

    __slots__ = ("bounds", "cancelled_raw", "end", "end_raw", "exceptions_raw", "memo",
                 "moved", "recurrence", "skipped", "start", "start_raw")

    def __init__(self, event: dict[str, Any]) -> None:
        self.start_raw = copy.deepcopy(event.get("start"))
        self.end_raw = copy.deepcopy(event.get("end"))
        self.recurrence = copy.deepcopy(event.get("recurrence"))
        self.start, self.end = start_of(event), end_of(event)
        self.cancelled_raw: list[str] = []
        self.exceptions_raw: dict[str, tuple[Any, Any]] = {}
        # exception key -> (original, start, end) as its view shows them
        self.moved: dict[str, tuple[datetime, datetime, datetime]] = {}
        self.memo: tuple[datetime, datetime, list[tuple[datetime, datetime]]] | None = None
        self.bounds: tuple[datetime, datetime] | None = None
        # Original starts (UTC, whole seconds as in the keys) of occurrences the pattern no
        # longer shows: cancelled, or shown as an exception.
        self.skipped: set[datetime] = set()
        if not self.recurrence:
            return
        zone = zone_of(event["start"].get("timeZone"))
        self.bounds = (self.start.astimezone(zone), self.end.astimezone(zone))
        self.cancelled_raw = list(event.get("_cancelled") or ())
        keys = [*self.cancelled_raw, *(event.get("_exceptions") or {})]
        self.skipped = {i for i in map(_instant, keys) if i is not None}
        length = self.bounds[1] - self.bounds[0]
        for key, exception in (event.get("_exceptions") or {}).items():
            self.exceptions_raw[key] = copy.deepcopy((exception.get("start"),
                                                      exception.get("end")))
            if key in self.cancelled_raw:
                continue  # cancelled: gone from every view, as find_event has it
            original = parse_instant(key)
            start = (parse_dtz(exception["start"], "start") if "start" in exception
                     else _as_shown(original, zone))
            end = (parse_dtz(exception["end"], "end") if "end" in exception
                   else _as_shown(original + length, zone))
            self.moved[key] = (original, start, end)

    def fits(self, event: dict[str, Any]) -> bool:
        """Whether the event's time fields are still the ones parsed."""
        if (event.get("start") != self.start_raw or event.get("end") != self.end_raw
                or event.get("recurrence") != self.recurrence):
            return False
        if not self.recurrence:
            return True
        exceptions = event.get("_exceptions") or {}
        if list(event.get("_cancelled") or ()) != self.cancelled_raw or len(
                exceptions) != len(self.exceptions_raw):
            return False
        for key, exception in exceptions.items():
            raw = self.exceptions_raw.get(key)
            if raw is None or raw != (exception.get("start"), exception.get("end")):
                return False
        return True

    def expand(self, window_start: datetime, window_end: datetime
               ) -> list[tuple[datetime, datetime]]:
        """The pattern's (start, end) in the window; the last window's answer is kept, as
        one tick asks for the same window of a mailbox several times."""
        memo = self.memo
        if memo is not None and memo[0] == window_start and memo[1] == window_end:
            return memo[2]
        assert self.bounds is not None and self.recurrence
        spans = rec.expand(self.recurrence, self.bounds[0], self.bounds[1], window_start,
                           window_end)
        self.memo = (window_start, window_end, spans)
        return spans


def _series_items(parsed: _Parsed, event: dict[str, Any], window_start: datetime,
                  window_end: datetime) -> list[Timed]:
    assert parsed.bounds is not None
    zone = parsed.bounds[0].tzinfo
    exceptions = event.get("_exceptions") or {}
    out = []
    skipped = parsed.skipped
    for begin, finish in parsed.expand(window_start, window_end):
        # Keys are whole seconds (iso_utc), so an occurrence is matched to its second.
        if (begin.replace(microsecond=0) if begin.microsecond else begin) in skipped:
            continue
        out.append(Timed(_as_shown(begin, zone), _as_shown(finish, zone), master=event,
                         original=begin, bounds=parsed.bounds))
    # Exceptions are placed by their own (possibly moved) times, not their original ones.
    for key, (original, start, end) in parsed.moved.items():
        if start < window_end and end > window_start:
            out.append(Timed(start, end, master=event, original=original,
                             exception=exceptions[key], bounds=parsed.bounds))
    out.sort(key=lambda item: item.start)
    return out


# -- expansion ---------------------------------------------------------------------------


def timed_occurrences(event: dict[str, Any], window_start: datetime, window_end: datetime
                      ) -> list[Timed]:
    """The occurrence and exception views of a series overlapping the window, by start."""
    return _series_items(_Parsed(event), event, window_start, window_end)


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
    view.update(json_copy(exception or {}))
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
    """Single events, occurrences and exceptions overlapping the window, by start: times
    parsed once per stored event and kept for the next read while the event's time fields
    are unchanged, so free/busy, calendarView and delta never parse them again."""
    known = tenant.calendar_cache.get(uid, {})
    kept: dict[str, _Parsed] = {}
    out = []
    for event_id, event in tenant.state["events"].get(uid, {}).items():
        parsed = known.get(event_id)
        if parsed is None or not parsed.fits(event):
            parsed = _Parsed(event)
        kept[event_id] = parsed
        if parsed.recurrence:
            out.extend(_series_items(parsed, event, window_start, window_end))
        elif parsed.start < window_end and (parsed.end > window_start
                                            or parsed.start == window_start):
            out.append(Timed(parsed.start, parsed.end, event))
    # Rebuilt on each read, so a deleted event or an emptied mailbox leaves nothing behind.
    if kept:
        tenant.calendar_cache[uid] = kept
    else:
        tenant.calendar_cache.pop(uid, None)
    out.sort(key=lambda item: (item.start, item.id))
    return out


def calendar_items(tenant: TenantState, uid: str, window_start: datetime,
                   window_end: datetime) -> list[dict[str, Any]]:
    """Single events, occurrences and exceptions overlapping the window, by start."""
    return [item.event for item in calendar_index(tenant, uid, window_start, window_end)]
