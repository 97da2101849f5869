"""A series the manager re-timed in Outlook (the whole series: a new day, time, length or
cadence): what the store takes from the series master, and what becomes of the meetings
recorded on the old slots.

Exchange gives every occurrence the new slot (with a new id) and drops every exception of
the series, so: recorded meetings still to come whose slot is gone are withdrawn (not
missed: nobody cancelled a meeting, so no rebooking offer and no reminder), and those
still on the pattern lose any agenda written into them, which is written again. onetoone
then follows the manager's slot: agendas go into the meetings at their new times, and an
extension carries the new pattern on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.adoption import series_from_event
from service.domain.events import CalendarEvent
from service.domain.series import StoredSeries
from service.domain.series import occurrences as series_occurrences
from service.domain.status import AgendaState, OccurrenceStatus, SeriesStatus

# The series' columns a whole-series edit in Outlook can change.
PATTERN_COLUMNS = ("cadence", "minutes", "weekday", "week_index", "start_time", "time_zone",
                   "first_date", "range_end")
# The slot note of a series the manager cut short in Outlook, before when it was seen: it is
# not extended (that would book the pair beside the series Outlook made from the cut, or
# against the manager's wish); once its last meeting is over the pair's new series in
# Outlook is taken on, or the pair is shown as ended there (``jobs.series_found``).
CUT = "cut short in Outlook by the manager"
# How the note of a series the manager re-timed in Outlook starts (see jobs/retimed.py).
RETIMED = "re-timed in Outlook"
# Meetings to come that a re-timing can withdraw (settled ones stay as they are).
OPEN = (OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED, OccurrenceStatus.DECLINED)


def looks_retimed(series: StoredSeries, items: Sequence[CalendarEvent], lo: datetime,
                  hi: datetime) -> bool:
    """Whether Outlook lists a plain occurrence (not one moved on its own) whose slot in
    ``[lo, hi)`` is not on the stored pattern, or whose length is not the series': the
    whole series was edited, and its master says how."""
    pattern = {start for start, _end in series_occurrences(series, lo, hi)}
    minutes = timedelta(minutes=series.minutes)
    for item in items:
        slot = item.slot
        if item.type == "exception" or slot is None or not lo <= slot < hi:
            continue
        if slot not in pattern:
            return True
        if item.start is not None and item.end is not None and item.end - item.start != minutes:
            return True
    return False


def is_cut(series: Any) -> bool:
    """Whether the manager cut the series short in Outlook (its range end came sooner)."""
    return series.slot_note.startswith(CUT)


def went_with_series(series: Any, occ: Any) -> bool:
    """Whether a meeting gone from Outlook went with its series rather than being cancelled:
    the manager deleted the series, or cut it short before the meeting's day (``is_cut``:
    its range end is the last day kept; "this and all following events" on a meeting just
    held takes that one too). Its notes went with it, so what happened at it is not known:
    not a cancellation (a missed 1-2-1 in the report, a rebooking offer); the report
    counts it as outcome unknown once it is long past."""
    if series.status == SeriesStatus.DELETED:
        return True
    return is_cut(series) and after_end(occ, series.range_end, series.time_zone)


def after_end(occ: Any, range_end: date, zone: str) -> bool:
    """Whether the meeting's slot is after the last day of a series ending ``range_end``
    (its days are the series' zone's)."""
    return occ.original_start.astimezone(ZoneInfo(zone)).date() > range_end


def followable(event: CalendarEvent) -> bool:
    """Whether the master's recurrence is one onetoone books and can carry on: weekly or
    fortnightly on one day, or monthly on one day of a given week."""
    rec = event.recurrence
    if rec is None or event.start is None or event.end is None or len(rec.days) != 1:
        return False
    if event.end <= event.start:
        return False
    if rec.pattern == "weekly":
        return rec.interval in (1, 2)
    return rec.pattern == "relativeMonthly" and rec.interval == 1 and rec.index is not None


def adopted_columns(series: StoredSeries, master: CalendarEvent) -> dict[str, Any]:
    """The stored series' columns that the master (read with start, end, recurrence and
    originalStartTimeZone) now says otherwise; empty when nothing differs. The range end
    is taken from an end-dated range reaching further (onetoone keeps series end-dated
    and extends them itself), and from any range ending sooner: the manager cut the series
    short (an earlier end date or fewer meetings in the series form, or "this and all
    following events", which ends it before the meeting picked and starts a new series
    there). Its meetings after the cut are then withdrawn, not missed, and the series is
    never extended (see ``is_cut``)."""
    said = series_from_event(master, series.time_zone)
    rec = master.recurrence
    if rec is None or said["range_end"] == series.range_end or (
            said["range_end"] > series.range_end
            and (rec.range_type != "endDate" or rec.end_date is None)):
        said.pop("range_end")
    return {name: value for name, value in said.items()
            if name in PATTERN_COLUMNS and getattr(series, name) != value}


def after_retime(series: StoredSeries, stored: Sequence[Any], now: datetime
                 ) -> list[dict[str, Any]]:
    """Occurrence rows to store for the recorded meetings still to come of a series just
    re-timed (``series`` with its new pattern): withdrawn where their slot is gone, the
    agenda to write again where it stays (Exchange dropped it with the exceptions), and
    scheduled again, agenda to write, where a slot withdrawn by an earlier re-timing is
    back (the manager put the series back where it was)."""
    coming = [o for o in stored if o.rebook_of is None and o.captured_at is None
              and o.start >= now and (o.status in OPEN
                                      or o.status == OccurrenceStatus.WITHDRAWN)]
    if not coming:
        return []
    last = max(max(o.original_start, o.start) for o in coming) + timedelta(days=1)
    first = min(min(o.original_start, o.start) for o in coming)
    slots = {start for start, _end in series_occurrences(series, first, last)}
    rows: list[dict[str, Any]] = []
    for o in coming:
        back = o.status == OccurrenceStatus.WITHDRAWN
        if o.original_start not in slots:
            if not back:
                rows.append(_withdrawn(o))
        elif back:
            rows.append({"original_start": o.original_start,
                         "status": OccurrenceStatus.SCHEDULED,
                         "agenda_state": AgendaState.PENDING})
        elif o.agenda_state == AgendaState.INJECTED:
            rows.append({"original_start": o.original_start,
                         "agenda_state": AgendaState.PENDING})
    return rows


def withdrawn_unlisted(stored: Sequence[Any], items: Sequence[CalendarEvent], lo: datetime,
                       hi: datetime, now: datetime) -> list[dict[str, Any]]:
    """Rows withdrawing the recorded meetings to come in ``[lo, hi)`` that the listing no
    longer shows, for a series the manager changed to a pattern onetoone cannot follow:
    nobody cancelled them (no rebooking offer); the occurrences Outlook lists now are
    recorded as they come."""
    seen = {item.slot for item in items}
    return [_withdrawn(o) for o in stored
            if o.rebook_of is None and o.captured_at is None and o.status in OPEN
            and max(lo, now) <= o.start < hi and o.original_start not in seen]


def _withdrawn(o: Any) -> dict[str, Any]:
    return {"event_id": o.event_id, "original_start": o.original_start, "start": o.start,
            "end": o.end, "status": OccurrenceStatus.WITHDRAWN}


def as_settled(stored: Sequence[Any], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """``stored`` with the statuses ``rows`` give them (what the sync then compares the
    listing with)."""
    status = {row["original_start"]: row["status"] for row in rows if "status" in row}
    return [replace(o, status=status[o.original_start]) if o.original_start in status else o
            for o in stored]


def unlisted_slot(series: StoredSeries, stored: Sequence[Any], items: Sequence[CalendarEvent],
                  lo: datetime, hi: datetime) -> bool:
    """Whether a slot of the stored pattern in ``[lo, hi)`` is neither listed nor recorded:
    a meeting deleted before onetoone first saw it, or the series cut short in Outlook (an
    earlier end: its slots after it are gone). The master tells which, before anything is
    recorded as cancelled (a missed 1-2-1, with a rebooking offer)."""
    seen = {item.slot for item in items} | {o.original_start for o in stored}
    return any(start not in seen for start, _end in series_occurrences(series, lo, hi))


def vanished(stored: Sequence[Any], items: Sequence[CalendarEvent], lo: datetime,
             hi: datetime) -> bool:
    """Whether a recorded meeting in ``[lo, hi)`` is missing from the listing: deleted on
    its own, or its whole series re-timed to slots this window does not reach (the master
    tells which, before anything is marked cancelled)."""
    seen = {item.slot for item in items}
    return any(lo <= o.start < hi and o.original_start not in seen and o.rebook_of is None
               and o.status not in (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)
               for o in stored)
