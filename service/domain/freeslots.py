"""Free times for a single 1-2-1 occurrence near a target time (pure: no I/O, no clock).

Used to move an occurrence off a holiday or an absence, and to offer rebooking times for a
missed one. Two functions:

- ``cadence_window``: the dates a single occurrence may move to without breaking the
  cadence (± 3 working days weekly, ± 5 fortnightly, the same calendar month monthly).
- ``free_slots``: start/end pairs inside that window where both people work, nothing busy
  overlaps, and no blocked day is touched, nearest to the target first.

"Nearest" is by day first, then by time of day: moving Thursday 15:00 to Wednesday 15:00
reads better to people than to Friday 09:00, even though the latter is fewer hours away.
Ties go to the earlier time (a 1-2-1 before a holiday keeps the week's conversation).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.intervals import Intervals
from service.domain.model import CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy

DAY_MINUTES = 24 * 60
WINDOW_WORKING_DAYS = {CadenceKind.WEEKLY: 3, CadenceKind.FORTNIGHTLY: 5}
PERIOD_DAYS = {CadenceKind.WEEKLY: 7, CadenceKind.FORTNIGHTLY: 14}
_DEFAULT_DAYS = frozenset({0, 1, 2, 3, 4})


def _step_working_days(day: date, n: int, direction: int, working_days: frozenset[int]) -> date:
    days = working_days or _DEFAULT_DAYS
    current, left = day, n
    while left > 0:
        current += timedelta(days=direction)
        if current.weekday() in days:
            left -= 1
    return current


def cadence_window(kind: CadenceKind, day: date, working_days: frozenset[int]) -> tuple[date, date]:
    """The first and last date (inclusive) an occurrence on ``day`` may move to.

    Weekly: ± 3 working days; fortnightly: ± 5 working days (so a move never reaches the
    neighbouring occurrence); monthly: the calendar month of ``day``.
    """
    kind = CadenceKind(kind)
    if kind is CadenceKind.MONTHLY:
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return first, nxt - timedelta(days=1)
    n = WINDOW_WORKING_DAYS[kind]
    # Never onto a neighbouring meeting's day: a part-timer's working days are far apart
    # (Tuesday and Thursday: three of them back from a Thursday reach the Tuesday of the
    # week before, past the last meeting).
    reach = timedelta(days=PERIOD_DAYS[kind] - 1)
    return (max(_step_working_days(day, n, -1, working_days), day - reach),
            min(_step_working_days(day, n, 1, working_days), day + reach))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _span(hours: WorkingHours) -> tuple[int, int]:
    start, end = _minutes(hours.start), _minutes(hours.end)
    if end <= start:  # "until midnight" (overnight shifts are not modelled; as slots.py)
        end = DAY_MINUTES
    return start, end


# Merged busy intervals with an O(log n) overlap test: the slot chooser's own.
_Busy = Intervals


def _local(d: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """``d`` at ``minute`` in ``zone``, or None when that wall time doesn't exist (DST gap)."""
    wall = datetime.combine(d, time(minute // 60, minute % 60), tzinfo=zone)
    back = wall.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return wall


def _outside(start: datetime, end: datetime, hours: WorkingHours, zone: ZoneInfo) -> int | None:
    """How far (minutes) the meeting reaches outside ``hours`` in that person's zone (0: it
    is inside them); None unless it falls on one of their working days, whole."""
    ls = start.astimezone(zone)
    last = (end - timedelta(seconds=1)).astimezone(zone)
    if ls.weekday() not in hours.days or last.date() != ls.date():
        return None
    lo, hi = _span(hours)
    s = ls.hour * 60 + ls.minute
    e = s + int((end - start).total_seconds()) // 60
    return max(0, lo - s) + max(0, e - hi)


def _within(start: datetime, end: datetime, lo: int, hi: int) -> bool:
    """Whether [start, end) lies inside minutes ``lo``-``hi`` of its own local day."""
    s = start.hour * 60 + start.minute
    e = s + int((end - start).total_seconds()) // 60
    return start.date() == (end - timedelta(seconds=1)).date() and lo <= s and e <= hi


def free_slots(
    *,
    target_start: datetime,
    minutes: int,
    window: tuple[date, date],
    manager_hours: WorkingHours,
    report_hours: WorkingHours,
    busy: Sequence[tuple[datetime, datetime]],
    blocked_days: Collection[date],
    step_minutes: int,
    not_before: datetime,
    limit: int,
    policy: SlotPolicy | None = None,
) -> list[tuple[datetime, datetime]]:
    """Up to ``limit`` free (start, end) times for one meeting of ``minutes``, nearest to
    ``target_start`` first.

    A time qualifies when it is on a manager-local date inside ``window`` (inclusive); on
    the ``step_minutes`` grid from local midnight, or at the target's own time of day; inside
    both people's working hours (each in their own zone, whole meeting on one working day),
    or, when those have no time in common in the window (from ``not_before`` on, off the
    blocked days) and the target itself lies outside them (zones far apart), on both
    people's working days and no further outside their hours (the two distances summed)
    than the target is;
    overlaps no ``busy`` interval (both people's, merged); touches no ``blocked_days`` date
    (a holiday or absence day, checked against the meeting's local date in *both* zones,
    since the two people may be in different countries); and starts at or after
    ``not_before``. Results are aware datetimes in the manager's zone.

    ``policy`` (the slot policy the series was booked by) ranks before nearness: first the
    times on its weekdays (the manager's local date, as the series' own days are), so an
    organisation that meets Monday to Thursday, or Sunday to Thursday while Outlook still
    says Monday to Friday, has no 1-2-1 moved or offered onto a Friday while one of its own
    days has a free time in the window; then, among those, the times inside its window in
    both people's zones, as at booking. Another working day comes only when none of the
    policy's is free (a policy of one weekday, with a weekly meeting on a holiday, still
    moves rather than leaving it on the holiday).
    """
    if target_start.tzinfo is None or not_before.tzinfo is None:
        raise ValueError("target_start and not_before must be timezone-aware")
    if minutes <= 0 or step_minutes <= 0 or limit <= 0:
        return []
    mz, rz = ZoneInfo(manager_hours.time_zone), ZoneInfo(report_hours.time_zone)
    target = target_start.astimezone(mz)
    target_minute = target.hour * 60 + target.minute
    blocked = frozenset(blocked_days)
    busy_iv = _Busy(busy)
    m_lo, m_hi = _span(manager_hours)
    length = timedelta(minutes=minutes)
    # A meeting outside working hours (a pair in zones far apart, booked at the least-bad
    # time) may go as far outside them as it is, but only where the hours have no time in
    # common in the window: otherwise every time offered is inside both, as ever.
    slack = sum(_outside(target, target + length, h, z) or 0
                for h, z in ((manager_hours, mz), (report_hours, rz)))
    grid = sorted({*range(0, DAY_MINUTES - minutes + 1, step_minutes), target_minute})
    floor = not_before.timestamp()

    allowed = manager_hours.days if policy is None else policy.weekdays
    in_window = (None if policy is None else
                 (_minutes(policy.window_start), _minutes(policy.window_end)))
    found: list[tuple[tuple[int, int, int, int, float], datetime, datetime]] = []
    outside: list[tuple[tuple[int, int, int, int, float], datetime, datetime]] = []
    shared = False  # some time of the window is inside both people's hours
    first, last = window
    d = first
    while d <= last:
        if d.weekday() not in manager_hours.days:
            d += timedelta(days=1)
            continue
        off_day = int(d.weekday() not in allowed)
        day_gap = abs((d - target.date()).days)
        for t in grid:
            m_out = max(0, m_lo - t) + max(0, t + minutes - m_hi)
            start = _local(d, t, mz) if m_out <= slack else None
            if start is None:
                continue
            end = (start.astimezone(UTC) + length).astimezone(mz)
            r_out = _outside(start, end, report_hours, rz)
            if r_out is None or m_out + r_out > slack:
                continue
            s_ts, e_ts = start.timestamp(), end.timestamp()
            if s_ts < floor or d in blocked:
                continue
            if {start.astimezone(rz).date(), (end - timedelta(seconds=1)).astimezone(rz).date(),
                    (end - timedelta(seconds=1)).date()} & blocked:
                continue
            # Time in common counts only where a meeting could land: far-apart zones share
            # an hour only in the weeks one has changed its clocks and the other not yet,
            # and such a day already past (or a holiday) must not hold the move back.
            shared = shared or m_out + r_out == 0
            if busy_iv.overlaps(s_ts, e_ts):
                continue
            # 0: inside the policy window in both people's zones (or no policy given).
            off_window = int(in_window is not None and not (
                _within(start, end, *in_window)
                and _within(start.astimezone(rz), end.astimezone(rz), *in_window)))
            (outside if m_out + r_out else found).append(
                ((off_day, off_window, day_gap, abs(t - target_minute), s_ts), start, end))
        d += timedelta(days=1)
    found = found if shared else outside
    found.sort(key=lambda item: item[0])
    return [(s, e) for _, s, e in found[:limit]]


__all__ = ["cadence_window", "free_slots"]
