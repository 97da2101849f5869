"""The slot chooser gives exactly what a plain, slow reading of its rules gives.

``reference`` below works every occurrence out with ``zoneinfo`` directly, scans every busy
and taken interval for every occurrence, and ranks every candidate by one full sort: no
offset tables, no shared per-tick plans, no bisect. ``choose_slot`` must agree with it on
the whole ``Slot`` (notes included) or on the error, over generated organisations: zones
with DST in both hemispheres (and half-hour DST), clocks near DST changes, odd working
hours, busy calendars, existing 1-2-1s, and calls that share a plan with different calendars.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from service.domain.model import Cadence, CadenceKind, Slot, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slots import choose_slot, describe_days, describe_hours
from service.errors import ServiceError

Interval = tuple[datetime, datetime]
DAY = 24 * 60
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Jerusalem", "Pacific/Auckland", "UTC",
         "America/St_Johns", "Europe/Berlin", "America/Los_Angeles"]
# Clocks around DST changes in both hemispheres, and ordinary days.
NOWS = [datetime(2026, 3, 26, 9, tzinfo=UTC), datetime(2026, 10, 22, 15, tzinfo=UTC),
        datetime(2026, 3, 30, 23, tzinfo=UTC), datetime(2026, 9, 24, 2, tzinfo=UTC),
        datetime(2027, 4, 1, 12, tzinfo=UTC), datetime(2026, 10, 29, 7, tzinfo=UTC),
        datetime(2027, 1, 13, 20, tzinfo=UTC), datetime(2028, 2, 28, 10, tzinfo=UTC)]
WEEK_NAMES = ("first", "second", "third", "fourth")


def _span(h: WorkingHours) -> tuple[int, int]:
    start, end = h.start.hour * 60 + h.start.minute, h.end.hour * 60 + h.end.minute
    return start, (DAY if end <= start else end)


def _beyond(t: int, minutes: int, lo: int, hi: int) -> int:
    return max(0, lo - t) + max(0, t + minutes - hi)


def _penalty(t: int, minutes: int) -> int:
    end = t + minutes
    if (t >= 600 and end <= 720) or (t >= 810 and end <= 930):
        return 0
    return 2 if t < 570 or end > 990 else 1


def _dates(kind: CadenceKind, weekday: int, nth: int, phase: int, first: date,
           last: date) -> list[date]:
    if kind is CadenceKind.MONTHLY:
        out, y, m = [], first.year, first.month
        while date(y, m, 1) <= last:
            d = date(y, m, 1) + timedelta(days=(weekday - date(y, m, 1).weekday()) % 7 + 7 * nth)
            if first <= d <= last:
                out.append(d)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    d = first + timedelta(days=(weekday - first.weekday()) % 7)
    step = 14 if kind is CadenceKind.FORTNIGHTLY else 7
    d += timedelta(days=7 * phase)
    out = []
    while d <= last:
        out.append(d)
        d += timedelta(days=step)
    return out


def _seconds(intervals: Sequence[Interval]) -> list[tuple[float, float]]:
    return [(s.timestamp(), e.timestamp()) for s, e in intervals if e > s]


def _hits(start: float, end: float, intervals: list[tuple[float, float]]) -> bool:
    return any(s < end and start < e for s, e in intervals)


def reference(*, cadence: Cadence, manager_hours: WorkingHours, report_hours: WorkingHours,
              manager_busy: Sequence[Interval], report_busy: Sequence[Interval],
              taken: Sequence[Interval], policy: SlotPolicy, now: datetime, seed: str,
              free_busy_known: bool = True, taken_until: datetime | None = None,
              first_by: date | None = None) -> Slot:
    kind, minutes = cadence.kind, cadence.minutes
    weekdays = sorted(set(policy.weekdays) & set(manager_hours.days))
    no_day = ServiceError(
        "No weekday suits this 1-2-1: the manager works "
        f"{describe_hours(manager_hours)}, the report works {describe_hours(report_hours)}, "
        f"and the slot policy allows {describe_days(policy.weekdays)}. Add a day both people "
        "work to the slot policy's weekdays, or correct the working days in their Outlook "
        "settings (Settings > Calendar > Work hours).")
    if not weekdays:
        raise no_day
    mz, rz = ZoneInfo(manager_hours.time_zone), ZoneInfo(report_hours.time_zone)
    earliest = now.astimezone(mz).date() + timedelta(days=2)
    last = earliest + timedelta(days=371)
    look_end = (now + timedelta(weeks=policy.free_busy_weeks)).timestamp()
    taken_end = max((taken_until or now + timedelta(days=371)).timestamp(), look_end)
    busy = _seconds([*manager_busy, *report_busy]) if free_busy_known else []
    booked = _seconds(taken)
    m_lo, m_hi = _span(manager_hours)
    patterns: list[tuple[int, str | None, int, list[date]]] = []
    for wd in weekdays:
        if kind is CadenceKind.MONTHLY:
            patterns += [(wd, WEEK_NAMES[n], 0, _dates(kind, wd, n, 0, earliest, last))
                         for n in range(4)]
        else:
            patterns += [(wd, None, ph, _dates(kind, wd, 0, ph, earliest, last))
                         for ph in ((0, 1) if kind is CadenceKind.FORTNIGHTLY else (0,))]
    patterns = [p for p in patterns if p[3]]
    if first_by is not None:
        # Overdue already (no pattern starts by then): the first week a pattern can start.
        by = (first_by if any(p[3][0] <= first_by for p in patterns)
              else min(p[3][0] for p in patterns) + timedelta(days=6))
        patterns = [p for p in patterns if p[3][0] <= by]

    def local(d: date, t: int) -> datetime:
        return datetime.combine(d, time(t // 60, t % 60), tzinfo=mz)

    @cache  # the same date and time recur in every level
    def delta(d: date, t: int) -> int:
        at = local(d, t)
        return int((at.astimezone(rz).utcoffset() - at.utcoffset()).total_seconds()) // 60  # type: ignore[operator]

    # A time outside someone's hours is weighed over a year of days, not its own dates.
    year = Counter(delta(earliest + timedelta(days=i), 720) for i in range(365))
    ws = policy.window_start.hour * 60 + policy.window_start.minute
    we = policy.window_end.hour * 60 + policy.window_end.minute
    grid = range(0, DAY - minutes + 1, max(1, policy.step_minutes))
    levels = [("window", [t for t in grid if ws <= t and t + minutes <= we
                          and m_lo <= t and t + minutes <= m_hi]),
              ("hours", [t for t in grid if m_lo <= t and t + minutes <= m_hi]),
              ("partial", list(grid))]
    notes: list[str] = []
    any_fit = False
    for level, times in levels:
        strict, blocked = level != "partial", 0
        # The window is each person's own: in the report's zone it narrows their hours.
        r_lo, r_hi = _span(report_hours)
        if level == "window":
            r_lo, r_hi = max(r_lo, ws), min(r_hi, we)
        ranked = []
        for wd, index, phase, dates in patterns:
            for t in times:
                worst = _beyond(t, minutes, m_lo, m_hi)
                if strict and worst:
                    continue
                fits = True
                for d in dates:
                    shift, rt = divmod(t + delta(d, t), DAY)
                    out = _beyond(rt, minutes, r_lo, r_hi)
                    if (wd + shift) % 7 not in report_hours.days or (strict and out):
                        fits = False
                        break
                    worst = max(worst, _beyond(t, minutes, m_lo, m_hi) + out)
                if not strict and any((wd + (t + o) // DAY) % 7 not in report_hours.days
                                      for o in year):
                    fits = False  # a day the report doesn't work, some weeks of the year
                if not fits:
                    continue
                any_fit = True
                look = [int(local(d, t).timestamp()) for d in dates]
                look = [s for s in look if s < look_end]
                if any(_hits(s, s + minutes * 60, booked) for s in look):
                    blocked += 1
                    continue
                clashes = sum(_hits(s, s + minutes * 60, busy) for s in look)
                # The report's time of day at its worst over the year, as hours are judged.
                report_pen = max(_penalty((t + delta(d, t)) % DAY, minutes) for d in dates)
                rank = worst
                if not strict:
                    # Outside someone's hours: by the minutes outside per meeting over a year
                    # of days (every offset the year holds, weighted by its days, at noon),
                    # and the report's worst time of day then, whichever dates its own
                    # meetings fall on.
                    mine = _beyond(t, minutes, m_lo, m_hi)
                    total = sum(n * (mine + _beyond((t + o) % DAY, minutes, r_lo, r_hi))
                                for o, n in year.items())
                    rank = round(total / 365)
                    report_pen = max(_penalty((t + o) % DAY, minutes) for o in year)
                pref = (0 if wd in (1, 2, 3) else 1 if wd in (0, 4) else 2) + _penalty(
                    t, minutes) + report_pen
                text = "|".join(str(x) for x in (seed, wd, index, phase, t))
                digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                tie = int(digest[:16], 16)
                ranked.append(((rank, clashes, pref, tie), wd, index, t, dates, clashes,
                               len(look), worst))
        ranked.sort(key=lambda c: c[0])
        for _, wd, index, t, dates, clashes, occ, worst in ranked:
            later = [s for d in dates if look_end <= (s := int(local(d, t).timestamp()))
                     < taken_end]
            if any(_hits(s, s + minutes * 60, booked) for s in later):
                blocked += 1
                continue
            if level == "hours":
                notes.append("The 1-2-1 is outside the policy window but inside both working "
                             "hours.")
            elif level == "partial":
                notes.append(
                    "The working hours don't overlap (manager "
                    f"{describe_hours(manager_hours)}; report {describe_hours(report_hours)}); "
                    f"chose the time with the least time outside them (at worst {worst} "
                    "minutes outside). Agree a time and move the series if needed.")
            if not free_busy_known:
                notes.append("Free/busy was unavailable, so calendars were not checked; the "
                             "time still avoids both people's other 1-2-1s.")
            elif clashes:
                notes.append(
                    f"{clashes} of {occ} meetings in the next {policy.free_busy_weeks} weeks "
                    "clash with something already in a calendar; no time was free for all "
                    "of them.")
            return Slot(weekday=wd, start=time(t // 60, t % 60),
                        time_zone=manager_hours.time_zone, first_date=dates[0],
                        week_index=index, free_busy_used=free_busy_known,
                        conflicts=clashes if free_busy_known else 0, notes=tuple(notes))
        if level != "partial":
            what = ("time inside the policy window "
                    f"{policy.window_start.strftime('%H:%M')}–{policy.window_end.strftime('%H:%M')}"
                    " and both people's working hours" if level == "window"
                    else "time inside both people's working hours")
            notes.append(f"Every {what} clashes with other 1-2-1s of one of the two people."
                         if blocked else f"No {what} exists all year round.")
    if not any_fit:
        raise no_day
    raise ServiceError(
        "No time is free of both people's other 1-2-1s (as manager or as report) on "
        f"{describe_days(weekdays)} in the coming year. Reduce the number or length of their "
        "1-2-1s, or allow more weekdays or a wider window in the slot policy.")


# -- generated organisations ------------------------------------------------------------------


def _hours(rng: random.Random, zone: str) -> WorkingHours:
    days = frozenset(rng.sample(range(7), rng.choice((1, 3, 4, 5, 5, 5, 6))))
    if rng.random() < 0.15:  # night or "until midnight" shifts, far from the other person
        start, end = time(rng.choice((0, 14, 18))), time(rng.choice((0, 6, 23)))
    else:
        start = time(rng.choice((6, 7, 8, 9, 9, 10)), rng.choice((0, 30)))
        end = time(rng.choice((13, 15, 17, 17, 18, 20)), rng.choice((0, 30)))
    return WorkingHours(time_zone=zone, days=days, start=start, end=end)


def _busy(rng: random.Random, zone: str, now: datetime, n: int) -> list[Interval]:
    tz, out = ZoneInfo(zone), []
    for _ in range(n):
        day = now.astimezone(tz).date() + timedelta(days=rng.randrange(-2, 60))
        start = datetime.combine(day, time(rng.randrange(0, 24), rng.choice((0, 15, 30, 45))),
                                 tzinfo=tz)
        length = timedelta(minutes=rng.choice((0, 15, 30, 60, 120, 480, 1440)))
        out.append((start.astimezone(UTC), (start + length).astimezone(rng.choice((UTC, tz)))))
    return out


def _series(rng: random.Random, zone: str, now: datetime) -> list[Interval]:
    """Another 1-2-1 series of one of the people, a year of it, as UTC intervals."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date() + timedelta(days=rng.randrange(2, 16))
    step = rng.choice((7, 14, 28, 35))
    at = time(rng.randrange(7, 18), rng.choice((0, 30)))
    length = timedelta(minutes=rng.choice((30, 45, 60)))
    out = []
    for k in range(0, 380 // step):
        s = datetime.combine(day + timedelta(days=k * step), at, tzinfo=tz)
        out.append((s.astimezone(UTC), (s + length).astimezone(UTC)))
    return out


def _case(rng: random.Random) -> dict[str, object]:
    mz = rng.choice(ZONES)
    rz = mz if rng.random() < 0.3 else rng.choice(ZONES)
    now = rng.choice(NOWS) + timedelta(hours=rng.choice((0, 0, 5, 13, 26)))
    policy = SlotPolicy(
        window_start=time(rng.choice((8, 9, 10)), rng.choice((0, 30))),
        window_end=time(rng.choice((12, 16, 17)), rng.choice((0, 30))),
        weekdays=frozenset(rng.sample(range(7), rng.choice((1, 2, 5, 5, 7)))),
        step_minutes=rng.choice((15, 30, 30, 60)),
        free_busy_weeks=rng.choice((1, 4, 6, 6, 8)),
    )
    taken: list[Interval] = []
    for _ in range(rng.choice((0, 0, 2, 6, 14))):
        taken += _series(rng, rng.choice((mz, rz)), now)
    first_by = (now.date() + timedelta(days=rng.randrange(0, 40))
                if rng.random() < 0.2 else None)
    return dict(
        cadence=Cadence(rng.choice(list(CadenceKind)), rng.choice((15, 30, 30, 45, 60, 90)), "t"),
        manager_hours=_hours(rng, mz), report_hours=_hours(rng, rz),
        manager_busy=_busy(rng, mz, now, rng.choice((0, 5, 40, 150))),
        report_busy=_busy(rng, rz, now, rng.choice((0, 5, 40))),
        taken=taken, policy=policy, now=now,
        seed=rng.choice(("", "pair|1|None", "\ud800 lone", "名前 <b>")) + str(rng.random()),
        free_busy_known=rng.random() < 0.85,
        taken_until=(now + timedelta(days=rng.choice((30, 200, 500)))
                     if rng.random() < 0.5 else None),
        first_by=first_by,
    )


def _outcome(fn: object, case: dict[str, object]) -> Slot | str:
    try:
        return fn(**case)  # type: ignore[operator, no-any-return]
    except ServiceError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("batch", range(6))
def test_chooser_matches_the_reference(batch: int) -> None:
    rng = random.Random(f"slots-{batch}")
    for _ in range(20):
        case = _case(rng)
        assert _outcome(choose_slot, case) == _outcome(reference, case), case
        # The same zones, hours, cadence and clock with other calendars and seed: the
        # second call reuses the first one's plan, and must still match.
        again = dict(case, manager_busy=_busy(rng, "UTC", case["now"], 30),  # type: ignore[arg-type]
                     taken=case["taken"][::3], seed="other")  # type: ignore[index]
        assert _outcome(choose_slot, again) == _outcome(reference, again), again


def test_reference_agrees_on_a_tight_tenant() -> None:
    """Many pairs of one manager, each taking the time the chooser picked, as a rollout
    does: later pairs see ever more taken times, until the window fills and relaxes."""
    now = datetime(2026, 10, 20, 9, tzinfo=UTC)
    manager = WorkingHours("Europe/London", frozenset(range(5)), time(9), time(17))
    policy = SlotPolicy(window_start=time(10), window_end=time(12))
    taken: list[Interval] = []
    relaxed = 0
    for i in range(24):
        case: dict[str, object] = dict(
            cadence=Cadence(CadenceKind.WEEKLY, 60, "t"), manager_hours=manager,
            report_hours=WorkingHours(("America/New_York", "Europe/London")[i % 2],
                                      frozenset(range(5)), time(8), time(18)),
            manager_busy=[], report_busy=[], taken=list(taken), policy=policy, now=now,
            seed=f"pair-{i}")
        got = _outcome(choose_slot, case)
        assert got == _outcome(reference, case)
        assert isinstance(got, Slot), got
        relaxed += any("outside the policy window" in n for n in got.notes)
        tz = ZoneInfo(got.time_zone)
        for k in range(53):
            s = datetime.combine(got.first_date + timedelta(weeks=k), got.start, tzinfo=tz)
            taken.append((s.astimezone(UTC), (s + timedelta(minutes=60)).astimezone(UTC)))
    assert relaxed >= 24 - 10  # at most two one-hour times a day fit 10:00-12:00, Mon-Fri
