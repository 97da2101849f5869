"""Expanding a Graph ``patternedRecurrence`` into occurrences (pure: no I/O, no clock reads).

This follows Microsoft's documented semantics for ``recurrencePattern`` and
``recurrenceRange`` (Graph v1.0), which are Exchange's:

* ``daily``: every ``interval`` days from ``range.startDate``.
* ``weekly``: on ``daysOfWeek`` of every ``interval``-th week; weeks start on
  ``firstDayOfWeek`` (Graph's default: sunday) and are counted from the week that contains
  ``range.startDate``.
* ``absoluteMonthly``: day ``dayOfMonth`` of every ``interval``-th month (counted from the
  month of ``startDate``); a month without that day uses its last day, as Outlook does.
* ``relativeMonthly``: the ``index`` (first..fourth, last) day among ``daysOfWeek`` in the
  month ("second Tuesday"; with several days, "first weekday" and so on).
* ``absoluteYearly`` / ``relativeYearly``: the same within ``month``, every ``interval`` years.
* ``range``: ``endDate`` (inclusive), ``noEnd``, or ``numbered`` (``numberOfOccurrences``
  counted from ``startDate``). Dates are in ``recurrenceTimeZone`` (default: the event's).
  No occurrence is ever before ``startDate``.

Every occurrence keeps the series master's local wall-clock start time and its duration in
the event's zone, so its UTC time moves across daylight-saving changes. A local time that
does not exist (spring-forward gap) lands later by the gap; an ambiguous one takes the first
instant (``fold=0``), which is what ``zoneinfo`` does for ``fold=0`` in both cases.

Walks are bounded by the query window, never by the range: a series that never ends (or
ends in 9999) costs only the occurrences near the window.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_INDEXES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
PATTERN_TYPES = (
    "daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
MAX_INTERVAL = 999  # Outlook's UI caps at 99; anything above 999 is a mistake, not a pattern
MAX_OCCURRENCES = 999  # Exchange's limit for a numbered range



# -- validation --------------------------------------------------------------------------


def _day(name: Any, where: str) -> int:
    if not isinstance(name, str) or name.lower() not in DAY_NAMES:
        raise ValueError(f"{where}: '{name}' is not a day of the week ({', '.join(DAY_NAMES)})")
    return DAY_NAMES.index(name.lower())


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ValueError(f"{where} must be a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{where} must be between {low} and {high}, got {value}")
    return int(value)


def _date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a date like 2024-01-31, got {value!r}")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{where} must be a date like 2024-01-31, got {value!r}") from None


class Rule:
    """A validated recurrence: what the pattern selects and which dates the range allows."""

    __slots__ = ("count", "day_of_month", "days", "first_day", "index", "interval", "kind",
                 "month", "range_end", "range_start", "range_zone")

    def __init__(self, recurrence: dict[str, Any]) -> None:
        if not isinstance(recurrence, dict):
            raise ValueError("recurrence must be an object with 'pattern' and 'range'")
        pattern, rng = recurrence.get("pattern"), recurrence.get("range")
        if not isinstance(pattern, dict) or not isinstance(rng, dict):
            raise ValueError("recurrence needs both 'pattern' and 'range' objects")
        self._parse_pattern(pattern)
        self._parse_range(rng)

    def _parse_pattern(self, p: dict[str, Any]) -> None:
        kind = p.get("type")
        if kind not in PATTERN_TYPES:
            raise ValueError(f"recurrence.pattern.type '{kind}' is not one of "
                             f"{', '.join(PATTERN_TYPES)}")
        self.kind = kind
        self.interval = _int(p.get("interval", 1), "recurrence.pattern.interval", 1, MAX_INTERVAL)
        self.first_day = _day(p.get("firstDayOfWeek") or "sunday",
                              "recurrence.pattern.firstDayOfWeek")
        days = p.get("daysOfWeek") or []
        if not isinstance(days, list):
            raise ValueError("recurrence.pattern.daysOfWeek must be a list of day names")
        self.days = sorted({_day(d, "recurrence.pattern.daysOfWeek") for d in days})
        self.index = None
        self.day_of_month = None
        self.month = None
        if kind in ("weekly", "relativeMonthly", "relativeYearly") and not self.days:
            raise ValueError(f"a {kind} recurrence needs recurrence.pattern.daysOfWeek")
        if kind in ("relativeMonthly", "relativeYearly"):
            index = p.get("index") or "first"
            if index not in WEEK_INDEXES:
                raise ValueError(f"recurrence.pattern.index '{index}' is not one of "
                                 f"{', '.join(WEEK_INDEXES)}")
            self.index = WEEK_INDEXES[index]
        if kind in ("absoluteMonthly", "absoluteYearly"):
            self.day_of_month = _int(p.get("dayOfMonth"), "recurrence.pattern.dayOfMonth", 1, 31)
        if kind in ("absoluteYearly", "relativeYearly"):
            self.month = _int(p.get("month"), "recurrence.pattern.month", 1, 12)

    def _parse_range(self, r: dict[str, Any]) -> None:
        kind = r.get("type") or "noEnd"
        if kind not in RANGE_TYPES:
            raise ValueError(f"recurrence.range.type '{kind}' is not one of "
                             f"{', '.join(RANGE_TYPES)}")
        self.range_start = _date(r.get("startDate"), "recurrence.range.startDate")
        self.range_end: date | None = None
        self.count: int | None = None
        if kind == "endDate":
            self.range_end = _date(r.get("endDate"), "recurrence.range.endDate")
            if self.range_end < self.range_start:
                raise ValueError(f"recurrence.range.endDate {self.range_end} is before "
                                 f"startDate {self.range_start}")
        elif kind == "numbered":
            self.count = _int(r.get("numberOfOccurrences"),
                              "recurrence.range.numberOfOccurrences", 1, MAX_OCCURRENCES)
        self.range_zone = r.get("recurrenceTimeZone") or None

    # -- the dates the pattern selects ----------------------------------------------------

    def dates_from(self, since: date) -> Iterator[date]:
        """Pattern dates on or after ``max(since, range start)``, ascending, without end."""
        since = max(since, self.range_start)
        walker = {
            "daily": self._daily,
            "weekly": self._weekly,
            "absoluteMonthly": self._monthly,
            "relativeMonthly": self._monthly,
            "absoluteYearly": self._yearly,
            "relativeYearly": self._yearly,
        }[self.kind]
        return (d for d in walker(since) if d >= since)

    def _daily(self, since: date) -> Iterator[date]:
        steps = -(-(since - self.range_start).days // self.interval)  # ceiling division
        day = self.range_start + timedelta(days=steps * self.interval)
        while True:
            yield day
            day += timedelta(days=self.interval)

    def _week_start(self, day: date) -> date:
        return day - timedelta(days=(day.weekday() - self.first_day) % 7)

    def _weekly(self, since: date) -> Iterator[date]:
        first_week = self._week_start(self.range_start)
        weeks = (self._week_start(since) - first_week).days // 7
        week = first_week + timedelta(weeks=-(-weeks // self.interval) * self.interval)
        # Order the days as they fall within a week that starts on firstDayOfWeek.
        offsets = sorted((d - self.first_day) % 7 for d in self.days)
        while True:
            for offset in offsets:
                yield week + timedelta(days=offset)
            week += timedelta(weeks=self.interval)

    def _in_month(self, year: int, month: int) -> date | None:
        first_weekday, last = calendar.monthrange(year, month)
        if self.day_of_month is not None:
            return date(year, month, min(self.day_of_month, last))
        if self.index is None or not self.days:
            return None
        # Days of the month on one of the weekdays, by arithmetic (no date per day: this
        # runs for every month of every monthly series a tick looks at).
        matches = sorted(day for weekday in self.days
                         for day in range(1 + (weekday - first_weekday) % 7, last + 1, 7))
        return date(year, month,
                    matches[self.index] if self.index < len(matches) else matches[-1])

    def _monthly(self, since: date) -> Iterator[date]:
        origin = self.range_start.year * 12 + self.range_start.month - 1
        months = since.year * 12 + since.month - 1 - origin
        # Active months before the one holding `since` only have earlier dates: skip them.
        current = origin + max(0, -(-months // self.interval)) * self.interval
        while True:
            found = self._in_month(current // 12, current % 12 + 1)
            if found is not None:
                yield found
            current += self.interval

    def _yearly(self, since: date) -> Iterator[date]:
        origin = self.range_start.year
        years = since.year - origin
        year = origin + max(0, -(-years // self.interval)) * self.interval
        while True:
            found = self._in_month(year, self.month or 1)
            if found is not None:
                yield found
            year += self.interval


def validate(recurrence: dict[str, Any]) -> Rule:
    """The parsed rule, or ValueError saying what is wrong with the recurrence."""
    return Rule(recurrence)


# -- expansion ---------------------------------------------------------------------------


def _zone(value: str | None, fallback: tzinfo) -> tzinfo:
    if not value:
        return fallback
    from service.domain.timezones import to_iana

    try:
        return ZoneInfo(to_iana(value))
    except ValueError:
        raise ValueError(f"recurrence.range.recurrenceTimeZone '{value}' is not a known time "
                         "zone") from None


def _shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def occurrence_starts(
    recurrence: dict[str, Any], start: datetime, window_start: datetime, window_end: datetime,
    *, lookback: timedelta = timedelta(0),
) -> Iterator[datetime]:
    """Local (event-zone) start times of occurrences that start before ``window_end`` and
    not earlier than ``window_start - lookback``, ascending.

    ``start`` must be aware; its tzinfo is the event's zone and its wall-clock time the time
    every occurrence keeps.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware (the event's zone)")
    rule = Rule(recurrence)
    zone = start.tzinfo
    range_zone = _zone(rule.range_zone, zone)
    wall = start.timetz().replace(tzinfo=None)
    floor = window_start - lookback
    lower = _shift(floor.astimezone(zone).date(), -1)
    upper = _shift(window_end.astimezone(zone).date(), 1)
    seen = 0
    # A numbered range counts from its first occurrence, so it must walk from the start.
    since = rule.range_start if rule.count is not None else lower
    for day in rule.dates_from(since):
        if day > upper:
            return
        local = datetime.combine(day, wall, tzinfo=zone)
        range_day = local.astimezone(range_zone).date() if range_zone is not zone else day
        if range_day < rule.range_start:
            continue
        if rule.range_end is not None and range_day > rule.range_end:
            return
        seen += 1
        if rule.count is not None and seen > rule.count:
            return
        if local >= floor:
            yield local


def expand(
    recurrence: dict[str, Any],
    start: datetime,
    end: datetime,
    window_start: datetime,
    window_end: datetime,
) -> list[tuple[datetime, datetime]]:
    """Occurrences (UTC start, UTC end) of a series that overlap ``[window_start, window_end)``.

    ``recurrence`` is Graph's ``patternedRecurrence`` JSON; ``start``/``end`` are the series
    master's aware start and end in the event's zone. Raises ValueError for an invalid
    pattern or range.
    """
    if end < start:
        raise ValueError("the event ends before it starts")
    duration = end - start
    out: list[tuple[datetime, datetime]] = []
    for local in occurrence_starts(recurrence, start, window_start, window_end,
                                   lookback=duration):
        begin = local.astimezone(UTC)
        finish = begin + duration
        if begin < window_end and (finish > window_start or (duration == timedelta(0)
                                                             and begin >= window_start)):
            out.append((begin, finish))
    return out


def occurrence_dates(recurrence: dict[str, Any], start: datetime, first: date,
                     last: date) -> list[date]:
    """Local dates (in the event's zone) of the occurrences between two dates, inclusive."""
    zone = start.tzinfo
    if zone is None:
        raise ValueError("start must be timezone-aware (the event's zone)")
    lo = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return [s.date() for s in occurrence_starts(recurrence, start, lo, hi)
            if first <= s.date() <= last]


def is_occurrence(recurrence: dict[str, Any], start: datetime, original: datetime) -> bool:
    """Whether ``original`` (aware) is the start of one of the series' occurrences."""
    probe = original.astimezone(UTC)
    return any(s.astimezone(UTC) == probe for s in occurrence_starts(
        recurrence, start, probe - timedelta(seconds=1), probe + timedelta(seconds=1)))
