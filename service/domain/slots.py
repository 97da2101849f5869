"""Choose the recurring time for a pair's 1-2-1.

A candidate is a weekday, a local start time in the manager's zone (on the policy's step
grid) and, for monthly cadence, which weekday of the month ("second Tuesday"; never
"last"), and for fortnightly which of the next two weeks starts the series. It is checked:

- hard: inside both people's working hours (each in their own zone) on *every* occurrence
  over the next year, not only the look-ahead, because the series outlives the look-ahead
  and DST changes differ between zones (London and New York drift an hour apart for a few
  weeks each March and October/November);
- hard: never overlapping another 1-2-1 of either person (``taken``: as manager or as
  report, in any series) up to ``taken_until`` (a year by default, longer than the
  look-ahead: a fortnightly and a monthly series can first collide in month three);
- inside the policy window in each person's own zone (the first rule to give way,
  below: a pair in zones far apart may have no window time in common);
- hard where possible: a first meeting no later than ``first_by`` (after a cadence
  change, so the pair is not left waiting longer than one interval of the new cadence);
- soft: as few look-ahead occurrences as possible overlapping either person's busy time;
- then a mild preference for mid-morning / early afternoon (for both people, the report's
  time of day at its worst over the year, not at the first meeting: the same choice
  whichever week the pair is booked) and for Tuesday to Thursday, and finally a stable
  hash of ``seed`` and the candidate, so a manager's reports spread over the good times
  instead of piling onto one.

When nothing fits, the rules relax in order (each step noted in ``Slot.notes``): first the
policy window is ignored (working hours still hold); then, only when both people's working
hours have no time in common on the allowed days all year round (zones far apart), the time
with the least minutes outside working hours over a year is taken (each offset between the
zones weighted by the days of the year it holds, whichever of them the series' own dates
meet, the report's time of day judged at its worst, never at the first meeting's alone: the
same time whenever the pair is booked), since
no setting could give the pair a better one and refusing would leave it with no 1-2-1 at all.
Working hours that do overlap but are full of other 1-2-1s are never left to make room (that
would book someone before or after work to paper over a full day): that is a
``ServiceError`` naming the days and hours, as is no allowed weekday being a working day for
both people. The words (notes,
errors, and reading a stored note back for an admin) are in ``slot_text``.

Performance: occurrences are generated locally (the same dates ``recurrence.expand``
gives for ``cadence.recurrence_for``; a test checks the two agree), UTC offsets come from
a per-zone day table (``pair_clock``: exact ``zoneinfo`` arithmetic only near a DST change), and
busy intervals are merged once and searched with bisect. Everything that doesn't depend on
the pair's calendars (patterns, the times each level allows, their distance outside working
hours, preference and UTC starts) is a ``_Plan`` shared by every pair with the same zones,
hours, cadence, policy and clock (a bounded cache), so a choice mostly checks intervals.
``tests/unit/test_slots_reference.py`` compares the result with a plain reading of the rules.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from service.domain.cadence import add_months, first_occurrence_on_or_after, nth_weekday
from service.domain.intervals import Intervals
from service.domain.intervals import clear as _clear
from service.domain.intervals import hits as _hits
from service.domain.model import (
    HORIZON_DAYS,
    WEEK_INDEXES,
    Cadence,
    CadenceKind,
    Slot,
    WorkingHours,
)
from service.domain.pair_clock import PairClock
from service.domain.policy import SlotPolicy
from service.domain.slot_text import (
    OUTSIDE_WINDOW,
    describe_days,
    describe_hours,
    level_failed,
    no_day_error,
    no_free_time_error,
    no_overlap_note,
)
from service.errors import ServiceError

DAY_MINUTES = 24 * 60
YEAR_DAYS = 365  # a year of UTC offsets: how a time outside someone's hours is weighed
MONTHLY_INDEXES = WEEK_INDEXES[:4]  # "last" drifts between the 4th and 5th week: never used


# -- small value helpers ------------------------------------------------------------------


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class _Hours:
    """Working hours as minutes after local midnight (an end at/before the start = midnight)."""

    days: frozenset[int]
    start: int
    end: int

    @classmethod
    def of(cls, hours: WorkingHours) -> _Hours:
        start, end = _minutes(hours.start), _minutes(hours.end)
        if end <= start:  # "until midnight" (overnight shifts are not modelled)
            end = DAY_MINUTES
        return cls(days=frozenset(hours.days), start=start, end=end)


# -- candidates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    weekday: int
    week_index: str | None
    phase: int  # fortnightly: which of the first two weeks
    dates: tuple[date, ...]  # occurrences over the horizon (manager's local dates)

    @property
    def first_date(self) -> date:
        return self.dates[0]


def _pattern_dates(kind: CadenceKind, weekday: int, week_index: str | None, first: date,
                   last: date) -> tuple[date, ...]:
    out: list[date] = []
    if kind is CadenceKind.MONTHLY:
        if week_index is None:
            raise ValueError("a monthly pattern needs a week_index")
        month = first.replace(day=1)
        while True:
            d = nth_weekday(month.year, month.month, weekday, week_index)
            if d > last:
                break
            if d >= first:
                out.append(d)
            month = add_months(month, 1)
        return tuple(out)
    step = timedelta(weeks=2 if kind is CadenceKind.FORTNIGHTLY else 1)
    d = first
    while d <= last:
        out.append(d)
        d += step
    return tuple(out)


def _patterns(kind: CadenceKind, weekdays: Iterable[int], earliest: date) -> list[_Pattern]:
    last = earliest + timedelta(days=HORIZON_DAYS)
    out = []
    for wd in sorted(weekdays):
        if kind is CadenceKind.MONTHLY:
            for index in MONTHLY_INDEXES:
                first = first_occurrence_on_or_after(kind, wd, index, earliest)
                out.append(_Pattern(wd, index, 0, _pattern_dates(kind, wd, index, first, last)))
        else:
            first = first_occurrence_on_or_after(kind, wd, None, earliest)
            phases = (0, 1) if kind is CadenceKind.FORTNIGHTLY else (0,)
            for phase in phases:
                start = first + timedelta(weeks=phase)
                out.append(_Pattern(wd, None, phase, _pattern_dates(kind, wd, None, start, last)))
    return out


def _report_fit(t: int, minutes: int, delta: int, weekday: int, r: _Hours) -> int | None:
    """How far (minutes) the meeting reaches outside the report's hours; None if it is not
    a working day for the report."""
    shift, rt = divmod(t + delta, DAY_MINUTES)
    if (weekday + shift) % 7 not in r.days:
        return None
    return _beyond(rt, minutes, r)


def _beyond(t: int, minutes: int, h: _Hours) -> int:
    """How far the meeting starts before / ends after the hours (0 when inside).

    A distance, not an overlap: 30 minutes before 9:00 beats two hours before it.
    """
    return max(0, h.start - t) + max(0, t + minutes - h.end)


def _time_penalty(t: int, minutes: int) -> int:
    """0 mid-morning / early afternoon, 1 acceptable, 2 edge of the day."""
    end = t + minutes
    if (t >= 600 and end <= 720) or (t >= 810 and end <= 930):
        return 0
    if t < 570 or end > 990:
        return 2
    return 1


def _day_penalty(weekday: int) -> int:
    return 0 if weekday in (1, 2, 3) else 1 if weekday in (0, 4) else 2


def _tie_suffix(p: _Pattern, minute: int) -> bytes:
    """The candidate's part of its tie-break hash text ("seed|weekday|index|phase|minute")."""
    return f"|{p.weekday}|{p.week_index}|{p.phase}|{minute}".encode()


def _stable_hash(seed: bytes, suffix: bytes) -> int:
    """The first 64 bits of SHA-256 of the text: stable across runs and versions."""
    return int.from_bytes(hashlib.sha256(seed + suffix).digest()[:8], "big")


@dataclass(frozen=True)
class _Choice:
    pattern: _Pattern
    minute: int
    conflicts: int
    occurrences: int
    outside: int


_LEVELS = ("window", "hours", "partial")
# (pattern index, start minute, outside (at "partial": per meeting over the year), preference,
# look-ahead UTC starts, tie suffix)
_Candidate = tuple[int, int, int, int, tuple[int, ...], bytes]


class _Plan:
    """Everything about a choice that depends only on zones, hours, cadence, policy and the
    tick's clock, not on the pair's calendars: the patterns, which start times each level
    allows, how far outside working hours they reach, their preference, and their UTC
    starts. Every pair with the same inputs (a tick's pairs mostly share a zone, hours and
    cadence) reuses one plan, so a choice only checks busy and taken intervals."""

    def __init__(self, kind: CadenceKind, minutes: int, weekdays: frozenset[int], mz: str,
                 rz: str, m: _Hours, r: _Hours, earliest: date, step: int, window: tuple[int, int],
                 look_end_ts: float, taken_end_ts: float) -> None:
        self.minutes, self.look_end_ts, self.taken_end_ts = minutes, look_end_ts, taken_end_ts
        self.m, self.r, self.window = m, r, window
        self.clock = clock = PairClock(mz, rz, earliest, HORIZON_DAYS + 7)
        self.patterns = patterns = [p for p in _patterns(kind, weekdays, earliest) if p.dates]
        # The distinct report-minus-manager offsets each pattern meets over the horizon;
        # days near a DST change are checked exactly, per start time.
        self.fixed = [frozenset(clock.delta(d, 720) for d in p.dates if clock.is_sure(d))
                      for p in patterns]
        self.unsure = [tuple(d for d in p.dates if not clock.is_sure(d)) for p in patterns]
        self.grid = range(0, DAY_MINUTES - minutes + 1, step)
        self._levels: dict[str, list[_Candidate]] = {}
        self._ranks: dict[str, list[list[_Candidate]]] = {}
        self._later: dict[tuple[int, int], tuple[int, ...]] = {}
        self._year: tuple[tuple[int, int], ...] | None = None
        self._year_fit: dict[tuple[int, int], tuple[int, int] | None] = {}

    def level(self, level: str) -> list[_Candidate]:
        """The candidates a level allows (each passes its working-hours test), in pattern
        then time order."""
        found = self._levels.get(level)
        if found is None:
            found = self._levels[level] = self._build(level)
        return found

    def ranks(self, level: str) -> list[list[_Candidate]]:
        """A level's candidates in groups of equal (outside, preference), best group
        first, each in pattern then time order: their rank order when nothing is busy."""
        found = self._ranks.get(level)
        if found is None:
            groups: dict[tuple[int, int], list[_Candidate]] = {}
            for cand in self.level(level):
                groups.setdefault((cand[2], cand[3]), []).append(cand)
            found = self._ranks[level] = [groups[key] for key in sorted(groups)]
        return found

    def _build(self, level: str) -> list[_Candidate]:
        m, r, minutes, clock = self.m, self.r, self.minutes, self.clock
        ws, we = self.window
        if level == "window":
            times = [t for t in self.grid if ws <= t and t + minutes <= we
                     and m.start <= t and t + minutes <= m.end]
            # The window is local to each person (config: "in each person's own time
            # zone"), so it narrows the report's working hours as it does the manager's
            # above: a London manager's 13:00 is 08:00 in New York, outside the window
            # there. (Empty when the two don't meet: every time is then rejected.)
            r = _Hours(r.days, max(r.start, ws), min(r.end, we))
        elif level == "hours":
            times = [t for t in self.grid if m.start <= t and t + minutes <= m.end]
        else:
            times = list(self.grid)
        out: list[_Candidate] = []
        for n, p in enumerate(self.patterns):
            for t in times:
                outside = _outside(level, t, minutes, p, self.fixed[n], self.unsure[n], clock,
                                   m, r)
                if outside is None:
                    continue
                if level == "partial":
                    year = self.year_outside(p.weekday, t)
                    if year is None:
                        continue
                    outside, report_penalty = year
                else:
                    report_penalty = self.report_penalty(n, t)
                preference = (_day_penalty(p.weekday) + _time_penalty(t, minutes)
                              + report_penalty)
                look: list[int] = []
                for d in p.dates:
                    start_s = clock.utc_seconds(d, t)
                    if start_s >= self.look_end_ts:
                        break
                    look.append(start_s)
                out.append((n, t, outside, preference, tuple(look), _tie_suffix(p, t)))
        return out

    def year_outside(self, weekday: int, t: int) -> tuple[int, int] | None:
        """For a time outside someone's hours (no time is inside both all year): its minutes
        outside both people's hours per meeting (whole minutes), each offset between the two
        zones weighted by the days of the year it holds, and the report's time-of-day
        penalty at its worst; None when at one of those offsets it is on a day the report
        doesn't work. The worst meeting alone (the rank before) tied times outside all year
        with times outside half of it (DST), and the tie went to the first meeting's time of
        day: to when the pair was booked.

        Over every day of the year, not the pattern's own dates: which offsets a monthly
        pattern's dates ("fourth Wednesday") meet in the coming 53 weeks (one in the weeks
        two zones' clocks change on different dates, or none) depends on the week the pair
        is booked, and so did the time; the series runs on for years, meeting them all.
        The same for every pattern on a weekday: the preferences, then the stable hash,
        choose among them."""
        key = (weekday, t)
        if key in self._year_fit:
            return self._year_fit[key]
        if self._year is None:
            days = (self.clock.start + timedelta(days=i) for i in range(YEAR_DAYS))
            self._year = tuple(sorted(Counter(self.clock.delta(d, 720) for d in days).items()))
        mine, total, worst = _beyond(t, self.minutes, self.m), 0, 0
        for delta, days_at in self._year:
            theirs = _report_fit(t, self.minutes, delta, weekday, self.r)
            if theirs is None:
                self._year_fit[key] = None
                return None
            total += days_at * (mine + theirs)
            worst = max(worst, _time_penalty((t + delta) % DAY_MINUTES, self.minutes))
        found = self._year_fit[key] = (round(total / YEAR_DAYS), worst)
        return found

    def report_penalty(self, n: int, t: int) -> int:
        """The report's time-of-day penalty at its worst over the year's meetings. At the
        first meeting's alone, a pair booked in the weeks two zones' clocks change on
        different dates would be judged by an offset that holds for a few weeks a year: the
        time chosen would depend on when the pair was booked."""
        deltas = self.fixed[n] | {self.clock.delta(d, t) for d in self.unsure[n]}
        return max(_time_penalty((t + delta) % DAY_MINUTES, self.minutes) for delta in deltas)

    def worst(self, n: int, t: int) -> int:
        """A time's worst distance outside both people's hours over the year (notes say it)."""
        return _outside("partial", t, self.minutes, self.patterns[n], self.fixed[n],
                        self.unsure[n], self.clock, self.m, self.r) or 0

    def later(self, n: int, t: int) -> tuple[int, ...]:
        """UTC starts of a candidate's dates after the look-ahead, up to the taken horizon."""
        key = (n, t)
        found = self._later.get(key)
        if found is None:
            out = []
            for d in self.patterns[n].dates:
                start_s = self.clock.utc_seconds(d, t)
                if start_s < self.look_end_ts:
                    continue
                if start_s >= self.taken_end_ts:
                    break
                out.append(start_s)
            found = self._later[key] = tuple(out)
        return found


# One per (zones, hours, cadence, policy, clock) a tick meets. A plan is tens of KiB as used
# (under 1 MiB with every level and year worked out), so 32 bound the cache to a few MiB.
@lru_cache(maxsize=32)
def _plan(kind: CadenceKind, minutes: int, weekdays: frozenset[int], mz: str, rz: str, m: _Hours,
          r: _Hours, earliest: date, step: int, window: tuple[int, int], look_end_ts: float,
          taken_end_ts: float) -> _Plan:
    return _Plan(kind, minutes, weekdays, mz, rz, m, r, earliest, step, window, look_end_ts,
                 taken_end_ts)


def choose_slot(
    *,
    cadence: Cadence,
    manager_hours: WorkingHours,
    report_hours: WorkingHours,
    manager_busy: Sequence[tuple[datetime, datetime]],
    report_busy: Sequence[tuple[datetime, datetime]],
    taken: Sequence[tuple[datetime, datetime]],
    policy: SlotPolicy,
    now: datetime,
    seed: str,
    free_busy_known: bool = True,
    taken_until: datetime | None = None,
    first_by: date | None = None,
    not_before: date | None = None,
    taken_apart: tuple[Sequence[tuple[datetime, datetime]],
                       Sequence[tuple[datetime, datetime]]] | None = None,
) -> Slot:
    """The best recurring time for a pair (see the module docstring for the rules).

    Busy and taken intervals are aware datetimes. The slot's ``time_zone`` is the
    manager's; the first occurrence is on or after the day after tomorrow there, and on or
    after ``not_before`` (a joiner's first day, when their account exists before it) in
    both people's zones. Deterministic: the same inputs always give the same slot.
    ``taken_apart``: ``taken`` as the manager's and the report's other 1-2-1s, so that a
    refusal says whose 1-2-1s fill the time.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")  # a programming error, not a user's
    kind = CadenceKind(cadence.kind)
    minutes = cadence.minutes
    weekdays = frozenset(policy.weekdays) & frozenset(manager_hours.days)
    if not weekdays:
        raise no_day_error(manager_hours, report_hours, policy)

    mz_name = manager_hours.time_zone
    soonest = now.astimezone(ZoneInfo(mz_name)).date() + timedelta(days=2)
    earliest = max(soonest, not_before) if not_before is not None else soonest
    # The look-ahead covers the series' first weeks: a joiner starting in two months is
    # checked against those weeks' calendars, not the weeks before any meeting of theirs.
    look_end = now + timedelta(weeks=policy.free_busy_weeks) + (earliest - soonest)
    look_end_ts = look_end.timestamp()
    taken_end = taken_until or now + timedelta(days=HORIZON_DAYS)
    taken_end_ts = max(taken_end.timestamp(), look_end_ts)
    plan = _plan(kind, minutes, weekdays, mz_name, report_hours.time_zone,
                 _Hours.of(manager_hours), _Hours.of(report_hours), earliest,
                 max(1, policy.step_minutes),
                 (_minutes(policy.window_start), _minutes(policy.window_end)), look_end_ts,
                 taken_end_ts)
    allowed = None  # every pattern
    if first_by is not None and plan.patterns:
        # A pattern starting later would leave the pair a longer gap than the cadence. When
        # none can start by then the pair is overdue already (a monthly report turned manager
        # late in the month): the first week a pattern can start, not whichever start the
        # preferences like, which could be a whole interval out, after the old next meeting.
        by = (first_by if any(p.first_date <= first_by for p in plan.patterns)
              else min(p.first_date for p in plan.patterns) + timedelta(days=6))
        allowed = frozenset(n for n, p in enumerate(plan.patterns) if p.first_date <= by)
    # ``not_before`` is a day where each person is: for a report in a zone behind the
    # manager's, its midnight there comes after the manager's (a Sydney Tuesday morning is
    # a Monday in Los Angeles), so no first meeting may start before that instant.
    first_day = (datetime.combine(not_before, time(0), ZoneInfo(report_hours.time_zone))
                 .timestamp() if not_before is not None else 0.0)
    late = first_day > datetime.combine(earliest, time(0), ZoneInfo(mz_name)).timestamp()

    def keep(c: _Candidate) -> bool:
        return (allowed is None or c[0] in allowed) and not (late and c[4]
                                                             and c[4][0] < first_day)
    busy = Intervals([*manager_busy, *report_busy]) if free_busy_known else Intervals([])
    taken_iv = Intervals(taken)
    seconds = minutes * 60
    seed_bytes = str(seed).encode("utf-8", "surrogatepass")  # any code point hashes

    notes: list[str] = []
    any_day_fits = False
    for level in _LEVELS:
        if level == "partial" and any_day_fits:
            # The working hours do overlap, but other 1-2-1s fill that time: going outside
            # working hours would book someone before or after work without a word about
            # the real cause (a full day), so the pair is refused with what to change.
            break
        candidates = plan.level(level)
        if allowed is not None or late:
            candidates = [c for c in candidates if keep(c)]
        any_day_fits = any_day_fits or bool(candidates)
        blocked = 0
        if not busy.starts:
            # Nothing busy (free/busy unknown, or empty calendars): no candidate clashes,
            # so the rank is the plan's own and only the best groups are looked at, not
            # every candidate. It picks (and, should none fit, reports) what the general
            # pass below would.
            for group in plan.ranks(level):
                if allowed is not None or late:
                    group = [c for c in group if keep(c)]
                clear = [c for c in group if _clear(c[4], seconds, taken_iv)]
                blocked += len(group) - len(clear)
                if len(clear) > 1:
                    clear.sort(key=lambda c: _stable_hash(seed_bytes, c[5]))
                for n, t, _out, _pref, look, _tie in clear:
                    if _clear(plan.later(n, t), seconds, taken_iv):
                        best = _Choice(plan.patterns[n], t, 0, len(look), plan.worst(n, t))
                        return _slot(best, level, notes, kind, minutes, manager_hours,
                                     report_hours, policy, free_busy_known)
                    blocked += 1
            candidates = []  # all looked at
        # First the look-ahead only (cheap: a few weeks of dates), ranking every candidate;
        # then the rest of the year's dates, against other 1-2-1s alone, in rank order until
        # one passes. The rank doesn't depend on those later dates, so this picks what one
        # pass over the whole year would, at a fraction of the cost.
        ranked: list[tuple[tuple[int, int, int], _Candidate, int]] = []
        for cand in candidates:
            look = cand[4]
            if not _clear(look, seconds, taken_iv):
                blocked += 1
                continue
            clashes = _hits(look, seconds, busy)
            ranked.append(((cand[2], clashes, cand[3]), cand, clashes))
        ranked.sort(key=lambda c: c[0])  # stable: ties keep pattern-then-time order
        # The stable hash breaks ties (spreading a manager's reports over the good times); it
        # is only worked out for the candidates tied at the front, in turn.
        start = 0
        while start < len(ranked):
            stop = start
            while stop < len(ranked) and ranked[stop][0] == ranked[start][0]:
                stop += 1
            tied = (ranked[start:stop] if stop - start == 1 else
                    sorted(ranked[start:stop], key=lambda c: _stable_hash(seed_bytes, c[1][5])))
            for _, (n, t, _out, _pref, look, _tie), clashes in tied:
                if _clear(plan.later(n, t), seconds, taken_iv):
                    best = _Choice(plan.patterns[n], t, clashes, len(look), plan.worst(n, t))
                    return _slot(best, level, notes, kind, minutes, manager_hours,
                                 report_hours, policy, free_busy_known)
                blocked += 1
            start = stop
        if level != "partial":
            notes.append(level_failed(level, policy, blocked > 0))
    if not any_day_fits:
        raise no_day_error(manager_hours, report_hours, policy)

    def fits(side: Sequence[tuple[datetime, datetime]]) -> bool:
        """Whether a time is left with only ``side``'s other 1-2-1s taken (asked again: a
        refusal is rare, and the plan is cached)."""
        try:
            choose_slot(cadence=cadence, manager_hours=manager_hours,
                        report_hours=report_hours, manager_busy=manager_busy,
                        report_busy=report_busy, taken=side, policy=policy, now=now,
                        seed=seed, free_busy_known=free_busy_known, taken_until=taken_until,
                        first_by=first_by, not_before=not_before)
        except ServiceError:
            return False
        return True

    # Whose other 1-2-1s alone fill the time: theirs are the ones to change.
    full = ([role for role, side in zip(("manager", "report"), taken_apart, strict=True)
             if not fits(side)] if taken_apart is not None else [])
    raise no_free_time_error(manager_hours, report_hours, weekdays, policy.weekdays, full)


def _outside(level: str, t: int, minutes: int, p: _Pattern, deltas: frozenset[int],
             unsure: tuple[date, ...], clock: PairClock, m: _Hours, r: _Hours) -> int | None:
    """Worst distance outside working hours (both people) over the pattern's occurrences.

    At the strict levels any minute outside rejects the candidate (None); at "partial"
    only a non-working day for the report does.
    """
    all_deltas = list(deltas) + [clock.delta(d, t) for d in unsure]
    strict = level != "partial"
    worst = _beyond(t, minutes, m)
    if strict and worst:
        return None
    for delta in all_deltas:
        out = _report_fit(t, minutes, delta, p.weekday, r)
        if out is None or (strict and out):
            return None
        worst = max(worst, _beyond(t, minutes, m) + out)
    return worst


def _slot(choice: _Choice, level: str, notes: list[str], kind: CadenceKind, minutes: int,
          manager: WorkingHours, report: WorkingHours, policy: SlotPolicy,
          free_busy_known: bool) -> Slot:
    notes = list(notes)
    if level == "hours":
        notes.append(OUTSIDE_WINDOW)
    elif level == "partial":
        notes.append(no_overlap_note(manager, report, choice.outside))
    if not free_busy_known:
        notes.append("Free/busy was unavailable, so calendars were not checked; the time "
                     "still avoids both people's other 1-2-1s.")
    elif choice.conflicts:
        notes.append(
            f"{choice.conflicts} of {choice.occurrences} meetings in the next "
            f"{policy.free_busy_weeks} weeks clash with something already in a calendar; "
            "no time was free for all of them."
        )
    p = choice.pattern
    return Slot(
        weekday=p.weekday,
        start=time(choice.minute // 60, choice.minute % 60),
        time_zone=manager.time_zone,
        first_date=p.first_date,
        week_index=p.week_index if kind is CadenceKind.MONTHLY else None,
        free_busy_used=free_busy_known,
        conflicts=choice.conflicts if free_busy_known else 0,
        notes=tuple(notes),
    )


__all__ = ["choose_slot", "describe_days", "describe_hours"]
