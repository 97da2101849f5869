"""Should one 1-2-1 occurrence move because of a public holiday or someone's absence?

Pure: the occurrence, both people's holiday calendars, their free/busy items and ``now`` are
arguments. The answer is one of:

- ``clear``: nothing in the way; leave it.
- ``move``: it falls on a public holiday of the manager's or the report's region, or either
  person is out of office then (an ``oof`` item overlaps it, or their working day is (mostly)
  covered by out-of-office or all-day busy time). It goes to the nearest time both have free
  (``freeslots.free_slots``) within the cadence window around its *original* date.
- ``no_slot``: it should move but nothing fits; it is left alone (the job tells the manager
  once).
- ``skip``: a long absence (at least ``LONG_ABSENCE_WORKING_DAYS`` working days out of office,
  weekends and holidays bridging, not counting) covers it. Moving is pointless; it is left
  alone and the job sends at most one note per absence. Also (``both``) a meeting that would
  be ``no_slot`` when *both* people are away for it (a holiday or out of office, each): a
  shutdown between Christmas and New Year, the holidays bridging a few days of leave. Nobody
  could hold it, so it is no failure to chase: the manager gets one note, not a "no time"
  mail, a "no notes" reminder and a rebooking offer, and it is not counted as missed.

Absent days are worked out per person in their own zone and from their own working hours,
so a part-timer's non-working days bridge a run without counting towards it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from service.domain.freeslots import cadence_window, free_slots
from service.domain.model import CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.records import OccurrenceRecord
from service.domain.status import AbsenceState, OccurrenceStatus

LONG_ABSENCE_WORKING_DAYS = 10  # two working weeks
BLOCKING = frozenset({"busy", "tentative", "oof"})  # a time with these is not free
RUN_LIMIT_DAYS = 90  # how far each side of a meeting a long absence is read at first
# How far back from a meeting a long absence is read at most, to find its first day: the day
# that names it, so its one note is the same from every meeting inside it. One that began
# earlier was noted by a meeting inside it then (its note is not sent again).
RUN_BACK_DAYS = 366
_TRACE_DAYS = RUN_BACK_DAYS + 2 * RUN_LIMIT_DAYS  # a run is followed as far as was read
_ALL_DAY = timedelta(hours=23)  # an item this long or longer is all-day (DST days are 23 h)
# A working day this much covered by out-of-office time is a day off. Leave is booked for the
# office day (09:00-17:00) while Outlook's working hours are often wider (Exchange's default
# is 08:00-17:00): the hour left over is no time for a 1-2-1 on someone's day off, nor does
# it break two weeks of leave into single days. A half day off is not one: the rest of that
# day is still there to meet in.
DAY_OFF_SHARE = 0.75


@dataclass(frozen=True)
class CalendarItem:
    """One free/busy item: when, and how it shows (free, tentative, busy, oof, ...)."""

    start: datetime
    end: datetime
    status: str


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays of one region: local date -> holiday name."""

    code: str  # "GB-ENG", "US", ...
    label: str  # "England", "US"
    days: Mapping[date, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """What people there call them."""
        return "bank holiday" if self.code.startswith("GB") else "public holiday"


@lru_cache(maxsize=256)
def _holidays(code: str, years: tuple[int, ...]) -> tuple[str, tuple[tuple[date, str], ...]]:
    import holidays  # the library is pure data, but only this needs it

    country, _, sub = code.partition("-")
    if sub:  # config keeps codes upper-cased; the library's own spelling ("Augsburg") counts
        listed = holidays.list_supported_countries().get(country, [])
        sub = next((s for s in map(str, listed) if s.upper() == sub.upper()), sub)
    table = holidays.country_holidays(country, subdiv=sub or None, years=years,
                                      language="en_US")
    aliases = getattr(type(table), "subdivisions_aliases", {}) or {}
    # A region's own name is listed first; abbreviations ("AU" for Auckland) and names in
    # other languages follow it, so the last alias is no name to show people.
    names = [alias for alias, code in aliases.items() if code == sub]
    label = next((n for n in names if len(n) > 3), names[0] if names else sub) if sub else (
        country)
    return label, tuple(sorted((d, str(name)) for d, name in table.items()))


def holiday_calendar(code: str, years: Iterable[int]) -> HolidayCalendar:
    """The public holidays of ``code`` ("GB-ENG", "US-NY", "FR") in ``years``, from the
    ``holidays`` library. The code is assumed valid (config checked it)."""
    label, days = _holidays(code.upper(), tuple(sorted(set(years))))
    return HolidayCalendar(code=code.upper(), label=label, days=dict(days))


@dataclass(frozen=True)
class Attendee:
    """One of the two people, as the decision needs them."""

    name: str
    hours: WorkingHours
    holidays: HolidayCalendar
    items: Sequence[CalendarItem] = ()
    # The span ``items`` were read for, when known: a run of absent days reaching its edge
    # may go on past it (``Absence.open_before`` / ``open_after``).
    read: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class Absence:
    """A run of absent working days of one person (first and last absent working day).
    ``open_before`` / ``open_after``: the run reaches the edge of what was read of their
    calendar on that side, so it may begin earlier / go on later than ``first`` / ``last``
    (and ``working_days`` counts only what was read)."""

    name: str
    first: date
    last: date
    working_days: int
    open_before: bool = False
    open_after: bool = False


@dataclass(frozen=True)
class Decision:
    """What to do with the occurrence, and why (the reason is shown to people)."""

    action: str  # clear | move | no_slot | skip
    reason: str = ""
    start: datetime | None = None
    end: datetime | None = None
    absence: Absence | None = None
    absent: str | None = None  # which person ("manager" / "report") for skip and oof moves
    both: bool = False  # a skip because both are away with nowhere to move it (not long)


def _zone(hours: WorkingHours) -> ZoneInfo:
    return ZoneInfo(hours.time_zone)


def _working_interval(d: date, hours: WorkingHours) -> tuple[datetime, datetime]:
    zone = _zone(hours)
    start = datetime.combine(d, hours.start, tzinfo=zone)
    if hours.end <= hours.start:  # "until midnight", as the slot chooser reads it
        end = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone)
    else:
        end = datetime.combine(d, hours.end, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _absence_intervals(items: Sequence[CalendarItem]) -> list[tuple[datetime, datetime]]:
    """Out-of-office items and all-day (or longer) busy items, merged."""
    raw = sorted((i.start, i.end) for i in items if i.end > i.start and (
        i.status == "oof" or (i.status == "busy" and i.end - i.start >= _ALL_DAY)))
    merged: list[tuple[datetime, datetime]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _covered(start: datetime, end: datetime, merged: Sequence[tuple[datetime, datetime]]
             ) -> bool:
    """Whether ``merged`` (disjoint) covers at least ``DAY_OFF_SHARE`` of [start, end)."""
    inside = sum((min(end, e) - max(start, s) for s, e in merged if s < end and start < e),
                 timedelta())
    return inside >= (end - start) * DAY_OFF_SHARE


def absent_days(person: Attendee, first: date, last: date) -> set[date]:
    """The person's working days in [first, last] (their own zone) that their out-of-office
    or all-day time covers (``DAY_OFF_SHARE`` of their working hours or more)."""
    return days_off(person.hours, person.items, first, last)


def days_off(hours: WorkingHours, items: Sequence[CalendarItem], first: date, last: date
             ) -> set[date]:
    """``absent_days`` of someone with these working hours and free/busy items."""
    merged = _absence_intervals(items)
    out: set[date] = set()
    d = first
    while d <= last:
        if d.weekday() in hours.days and _covered(*_working_interval(d, hours), merged):
            out.add(d)
        d += timedelta(days=1)
    return out


def _is_absent(person: Attendee, d: date, merged: Sequence[tuple[datetime, datetime]]) -> bool:
    return d.weekday() in person.hours.days and _covered(*_working_interval(d, person.hours),
                                                         merged)


def bridges(person: Attendee, d: date) -> bool:
    """A day that joins a run of absent days without counting: not worked, or a holiday."""
    return d.weekday() not in person.hours.days or d in person.holidays.days


def may_go_on(person: Attendee, absence: Absence, lo: datetime, hi: datetime) -> bool:
    """Whether ``absence``, found in calendar items read for [lo, hi) only, may go on past
    them: the working day that would end it on either side (past the days that bridge it)
    is not wholly inside what was read, so whether it was absent too is not known. (Leave
    booked as several events, a day or a week each, or one longer than the read.)"""
    return any(_open_sides(person, absence.first, absence.last, lo, hi))


def _open_sides(person: Attendee, first: date, last: date, lo: datetime, hi: datetime
                ) -> tuple[bool, bool]:
    """``may_go_on`` for each side: (before ``first``, after ``last``)."""
    sides = []
    for step, edge in ((-1, first), (1, last)):
        d = edge + timedelta(days=step)
        for _ in range(RUN_LIMIT_DAYS):
            if not bridges(person, d):
                break
            d += timedelta(days=step)
        start, end = _working_interval(d, person.hours)
        sides.append(start < lo if step < 0 else end > hi)
    return sides[0], sides[1]


def absence_around(person: Attendee, day: date) -> Absence | None:
    """The run of absent working days containing ``day`` (None when ``day`` isn't absent).

    Non-working days and public holidays inside the run bridge it without counting, also
    when ``day`` is one of them and the leave was booked around it (the working days only,
    as HR systems book it): absent days on both sides make it part of the run. The run is
    followed as far as the person's items go; where it reaches the edge of ``person.read``
    it is marked open on that side.
    """
    merged = _absence_intervals(person.items)
    here = _is_absent(person, day, merged)
    if not here and not bridges(person, day):
        return None
    first = last = day
    count = 1 if here and day not in person.holidays.days else 0  # a holiday bridges
    sides: set[int] = set()
    for step in (-1, 1):
        d = day
        for _ in range(_TRACE_DAYS):
            d += timedelta(days=step)
            if _is_absent(person, d, merged) and d not in person.holidays.days:
                count += 1
                first, last = min(first, d), max(last, d)
                sides.add(step)
            elif not bridges(person, d):
                break
    if not here and len(sides) < 2:
        return None  # a day off next to leave (or none), not inside it
    before, after = (_open_sides(person, first, last, *person.read) if person.read
                     else (False, False))
    return Absence(name=person.name, first=first, last=last, working_days=count,
                   open_before=before, open_after=after)


def run_dates(absence: Absence, fmt: Callable[[date], str]) -> str:
    """When the run is, as far as it is known: "1 Feb – 30 Jul", or, where it reaches past
    what was read, "from 1 Feb until at least 13 May" (a cut-off is never given as its
    first or last day)."""
    first = f"before {fmt(absence.first)}" if absence.open_before else fmt(absence.first)
    if absence.open_after:
        return f"from {first} until at least {fmt(absence.last)}"
    return (f"from {first} to {fmt(absence.last)}" if absence.open_before
            else f"{first} – {fmt(absence.last)}")


def placed_by_hand(occ: OccurrenceRecord | None) -> bool:
    """Whether a stored meeting is where the manager put it herself: off its slot in the
    pattern, and not by onetoone (an absence move, recorded as moving, then moved). Only
    the absence check moves single meetings."""
    return occ is not None and occ.start != occ.original_start and occ.absence_state not in (
        AbsenceState.MOVING, AbsenceState.MOVED)


def _overlaps_oof(person: Attendee, start: datetime, end: datetime) -> bool:
    return any(i.status == "oof" and i.start < end and start < i.end for i in person.items)


def decide(
    *,
    start: datetime,
    end: datetime,
    original_start: datetime,
    kind: CadenceKind,
    manager: Attendee,
    report: Attendee,
    not_before: datetime,
    step_minutes: int = 15,
    between: tuple[date | None, date | None] = (None, None),
    policy: SlotPolicy | None = None,
    by_hand: bool = False,
) -> Decision:
    """Clear, move (with the new time), no_slot or skip for one occurrence.

    ``start``/``end`` are where it is now; the cadence window is measured from
    ``original_start`` (so a meeting moved once can't wander further each time). Items equal
    to the occurrence itself (it shows as busy in both calendars) are not counted as busy.
    ``not_before`` is the earliest a moved meeting may start (now plus some notice).
    ``between``: the days (in the manager's zone, the series') of the series' previous and
    next meetings as they are now, if known: a move lands strictly between them, as Exchange
    refuses to move an occurrence "to or before the day of the previous occurrence" or "to
    or after the day of the following occurrence" (400 ErrorOccurrenceCrossingBoundary).
    ``policy``: the slot policy; a move keeps to its weekdays and, where it can, its window
    (``free_slots``). ``by_hand``: the manager put it where it is (``placed_by_hand``).
    """
    people = (("manager", manager), ("report", report))
    # A long absence first: moving a meeting inside two weeks of leave helps nobody.
    for role, person in people:
        local = start.astimezone(_zone(person.hours)).date()
        absence = absence_around(person, local)
        if absence is not None and absence.working_days >= LONG_ABSENCE_WORKING_DAYS:
            return Decision("skip", reason=f"long absence: {person.name} is out of office "
                            f"{run_dates(absence, lambda d: f'{d:%d %b}')}",
                            absence=absence, absent=role)
    # A day the manager chose herself stands, whatever her calendar holds that day (an
    # all-day offsite she holds the 1-2-1 at): moving it again would undo her choice and
    # mail the report. The report's leave or holiday on it still moves it.
    reason, absent = _cause(start, end, people[1:] if by_hand else people)
    if reason is None:
        return Decision("clear")

    mz = _zone(manager.hours)
    window = cadence_window(kind, original_start.astimezone(mz).date(),
                            frozenset(manager.hours.days))
    previous, following = between
    window = (max(window[0], previous + timedelta(days=1)) if previous else window[0],
              min(window[1], following - timedelta(days=1)) if following else window[1])
    if window[0] > window[1]:
        return _no_slot(reason, absent, start, end, people)
    lo, hi = window[0] - timedelta(days=1), window[1] + timedelta(days=1)
    blocked: set[date] = set()
    for _role, person in people:
        blocked |= {d for d in person.holidays.days if lo <= d <= hi}
        blocked |= absent_days(person, lo, hi)
    busy = [(i.start, i.end) for _role, person in people for i in person.items
            if i.status in BLOCKING and not (i.start == start and i.end == end)]
    minutes = int((end - start).total_seconds()) // 60
    found = free_slots(target_start=start, minutes=minutes, window=window,
                       manager_hours=manager.hours, report_hours=report.hours, busy=busy,
                       blocked_days=blocked, step_minutes=step_minutes, not_before=not_before,
                       limit=1, policy=policy)
    if not found:
        return _no_slot(reason, absent, start, end, people)
    new_start, new_end = found[0]
    return Decision("move", reason=reason, start=new_start, end=new_end, absent=absent)


def _holiday(person: Attendee, start: datetime, end: datetime) -> str | None:
    """The reason, when the meeting falls on a public holiday of the person's region."""
    zone = _zone(person.hours)
    for d in sorted({start.astimezone(zone).date(),
                     (end - timedelta(seconds=1)).astimezone(zone).date()}):
        name = person.holidays.days.get(d)
        if name:
            return f"{person.holidays.kind}: {name} ({person.holidays.label})"
    return None


def _out(person: Attendee, start: datetime, end: datetime) -> bool:
    """Out of office for the meeting: an oof item overlaps it, or its day is a day off."""
    local = start.astimezone(_zone(person.hours)).date()
    return _overlaps_oof(person, start, end) or _is_absent(
        person, local, _absence_intervals(person.items))


def _cause(start: datetime, end: datetime, people: Sequence[tuple[str, Attendee]]
           ) -> tuple[str | None, str | None]:
    """Why the occurrence can't stay: a holiday (either person's region) first, then an
    absence. (reason, who) or (None, None)."""
    for _role, person in people:
        holiday = _holiday(person, start, end)
        if holiday:
            return holiday, None
    for role, person in people:
        if _out(person, start, end):
            return f"out of office: {person.name}", role
    return None, None


def _no_slot(reason: str, absent: str | None, start: datetime, end: datetime,
             people: Sequence[tuple[str, Attendee]]) -> Decision:
    """No time to move it to. When both people are away for it (each on a holiday or out
    of office) nobody could have held it: a skip (``both``), not a failure that would mail
    the manager to move it, then remind them of missing notes, offer to rebook it and count
    it missed. The absence named is the manager's run of days off around it, else the
    report's (None for a holiday alone)."""
    why = [_holiday(person, start, end) or (f"out of office: {person.name}"
                                            if _out(person, start, end) else None)
           for _role, person in people]
    if not all(why):
        return Decision("no_slot", reason=reason, absent=absent)
    runs = ((role, absence_around(person, start.astimezone(_zone(person.hours)).date()))
            for role, person in people)
    role, absence = next(((r, a) for r, a in runs if a is not None), (None, None))
    both_reason = "; ".join(dict.fromkeys(w for w in why if w))
    return Decision("skip", reason=f"both away: {both_reason}", absence=absence,
                    absent=role, both=True)


__all__ = [
    "LONG_ABSENCE_WORKING_DAYS",
    "RUN_BACK_DAYS",
    "RUN_LIMIT_DAYS",
    "Absence",
    "Attendee",
    "CalendarItem",
    "Decision",
    "HolidayCalendar",
    "absence_around",
    "absent_days",
    "bridges",
    "days_off",
    "decide",
    "holiday_calendar",
    "may_go_on",
    "placed_by_hand",
    "run_dates",
]


# How far from a meeting its series' neighbours are looked for (``neighbours``): past any
# cadence's window (a month, its days around), where a neighbour no longer narrows a move.
NEIGHBOUR_REACH = timedelta(days=70)


def neighbours(occ: OccurrenceRecord, stored: list[OccurrenceRecord], zone: ZoneInfo
               ) -> tuple[date | None, date | None]:
    """The local days of the meetings just before and after ``occ`` in its series (by
    their place in the pattern), where they are now: Graph refuses to move an occurrence "to
    or before the day of the previous occurrence" or "to or after the day of the following
    occurrence" (event update, 400 ErrorOccurrenceCrossingBoundary), and a neighbour the
    manager (or an earlier move) put elsewhere counts where it is. Cancelled and withdrawn
    meetings, and single meetings booked to replace missed ones, are not neighbours."""
    gone = (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)
    series = [o for o in stored if o.id != occ.id and o.rebook_of is None and o.event_id
              and o.status not in gone]
    before = [o for o in series if o.original_start < occ.original_start]
    after = [o for o in series if o.original_start > occ.original_start]
    previous = max(before, key=lambda o: o.original_start, default=None)
    following = min(after, key=lambda o: o.original_start, default=None)
    return (previous.start.astimezone(zone).date() if previous else None,
            following.start.astimezone(zone).date() if following else None)
