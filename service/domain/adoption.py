"""Adopting a series found in a calendar by its tag (a run that died, a lost database):
which tagged event is the live series, and what it says about cadence and slot."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.events import CalendarEvent
from service.domain.model import WEEKDAYS, CadenceKind
from service.domain.series import NO_END, outlook_range_end
from service.domain.timezones import to_iana

# The pairing tag of a series onetoone ended. Ending never changes the recurrence (that would
# drop every exception), so an ended series keeps a range reaching ahead in Outlook; its tag
# value is changed to this form instead, which the tag search (value = the pairing key) never
# matches: after a lost database the series is not adopted as the pair's live one.
ENDED_TAG = "ended {day} {key}"


# What every pairing key starts with (domain.model.pairing_key), and no ended tag does: one
# search of a mailbox for tag values with this prefix finds every series onetoone made there
# that may be live, whichever version made it, for all the manager's pairs at once.
PAIRING_KEY_PREFIX = "p-"


def by_pairing(events: list[CalendarEvent], property_id: str, keys: Iterable[str]
               ) -> dict[str, list[CalendarEvent]]:
    """The events of a mailbox-wide tag search grouped under each of ``keys`` (pairing keys)
    by their ``property_id`` value; events of other pairs (series the manager once had with
    someone else) are left out. Graph matched the values ignoring case, so this does too."""
    out: dict[str, list[CalendarEvent]] = {key: [] for key in keys}
    wanted = {key.lower(): key for key in out}
    pid = property_id.lower()
    for event in events:
        for tag_id, value in event.tags:
            key = wanted.get(value.lower()) if tag_id.lower() == pid else None
            if key is not None:
                out[key].append(event)
                break
    return out


def ended_tag(pairing_key: str, day: date) -> str:
    """The tag value of a series ended on ``day`` (a form no pairing key has)."""
    return ENDED_TAG.format(day=day.isoformat(), key=pairing_key)


def is_ended_tag(value: str) -> bool:
    return value.startswith("ended ")


def series_from_event(event: CalendarEvent, fallback_zone: str) -> dict[str, Any]:
    """Series columns from a tagged event found in the calendar (adoption)."""
    assert event.start is not None and event.end is not None  # asked for when searching
    rec = event.recurrence
    # The pattern's own zone (its slots are wall-clock times there), else the zone the
    # event was created in (Graph: originalStartTimeZone).
    zone_name = (rec.time_zone if rec is not None else None) or event.time_zone
    try:
        zone = to_iana(zone_name) if zone_name else fallback_zone
    except ValueError:
        zone = fallback_zone
    start = event.start.astimezone(ZoneInfo(zone))
    end = event.end.astimezone(ZoneInfo(zone))
    pattern = rec.pattern if rec else ""
    kind = CadenceKind.MONTHLY
    if pattern == "weekly":
        kind = CadenceKind.FORTNIGHTLY if rec is not None and rec.interval == 2 else (
            CadenceKind.WEEKLY)
    days = (rec.days if rec else ()) or (WEEKDAYS[start.weekday()],)
    return {
        "cadence": str(kind),
        "minutes": int((end - start).total_seconds() // 60),
        "weekday": WEEKDAYS.index(days[0].lower()),
        "week_index": rec.index if rec is not None and pattern == "relativeMonthly" else None,
        "start_time": start.strftime("%H:%M"),
        "time_zone": zone,
        "first_date": rec.start_date if rec is not None and rec.start_date else start.date(),
        # (Not Graph's endDate of a range with no end, "0001-01-01": it would end before it
        # began.)
        "range_end": outlook_range_end(rec) if rec else NO_END,
    }


def adoptable(events: list[CalendarEvent], today: date) -> CalendarEvent | None:
    """The live series among tagged events: a master, not cancelled, not ended by onetoone,
    not already over; of several (a series and its follow-on), the one starting last."""
    live = []
    for e in events:
        if e.type not in (None, "seriesMaster") or e.cancelled or any(
                is_ended_tag(value) for _, value in e.tags):
            continue
        rec = e.recurrence
        if rec is not None and rec.range_type == "endDate" and rec.end_date and (
                rec.end_date < today):
            continue
        live.append(e)
    live.sort(key=lambda e: e.start or datetime.min.replace(tzinfo=UTC))
    return live[-1] if live else None
