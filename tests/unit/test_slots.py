"""Choosing the recurring 1-2-1 time: working hours across zones, busy, taken, fallbacks."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.cadence import recurrence_for, series_end_date
from service.domain.model import Cadence, CadenceKind, Slot, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slots import choose_slot
from service.errors import ServiceError

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
POLICY = SlotPolicy()
NOW = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # a Monday
WEEKLY = Cadence(CadenceKind.WEEKLY, 30, "test")
FORTNIGHTLY = Cadence(CadenceKind.FORTNIGHTLY, 30, "test")
MONTHLY = Cadence(CadenceKind.MONTHLY, 30, "test")

Interval = tuple[datetime, datetime]


def hours(zone: str = LONDON, days: Iterable[int] = range(5), start: str = "09:00",
          end: str = "17:00") -> WorkingHours:
    return WorkingHours(time_zone=zone, days=frozenset(days), start=time.fromisoformat(start),
                        end=time.fromisoformat(end))


def pick(**kw: object) -> Slot:
    args: dict[str, object] = dict(cadence=WEEKLY, manager_hours=hours(), report_hours=hours(),
                                   manager_busy=[], report_busy=[], taken=[], policy=POLICY,
                                   now=NOW, seed="pair-1")
    args.update(kw)
    return choose_slot(**args)  # type: ignore[arg-type]


def daily(zone: str, start: str, end: str, *, days: Iterable[int] = range(7),
          since: date | None = None, weeks: int = 10) -> list[Interval]:
    """The same local time every chosen weekday, as UTC intervals."""
    tz, out = ZoneInfo(zone), []
    since = since or NOW.date()
    for i in range(weeks * 7):
        d = since + timedelta(days=i)
        if d.weekday() in set(days):
            s = datetime.combine(d, time.fromisoformat(start), tzinfo=tz)
            e = datetime.combine(d, time.fromisoformat(end), tzinfo=tz)
            out.append((s.astimezone(UTC), e.astimezone(UTC)))
    return out


def occurrences(slot: Slot, cadence: Cadence, until: date) -> list[Interval]:
    """The slot's occurrences up to ``until``, computed independently of slots.py."""
    tz = ZoneInfo(slot.time_zone)
    dates: list[date] = []
    if cadence.kind is CadenceKind.MONTHLY:
        n = ["first", "second", "third", "fourth"].index(slot.week_index or "")
        d = slot.first_date
        while d <= until:
            if d.weekday() == slot.weekday and (d.day - 1) // 7 == n:
                dates.append(d)
            d += timedelta(days=1)
    else:
        step = 14 if cadence.kind is CadenceKind.FORTNIGHTLY else 7
        d = slot.first_date
        while d <= until:
            dates.append(d)
            d += timedelta(days=step)
    out = []
    for d in dates:
        s = datetime.combine(d, slot.start, tzinfo=tz)
        out.append((s.astimezone(UTC), (s + timedelta(minutes=cadence.minutes)).astimezone(UTC)))
    return out


def overlaps(a: Interval, intervals: Iterable[Interval]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in intervals)


def inside_hours(occ: Interval, wh: WorkingHours) -> bool:
    tz = ZoneInfo(wh.time_zone)
    s, e = occ[0].astimezone(tz), occ[1].astimezone(tz)
    return (s.weekday() in wh.days and s.date() == e.date()
            and wh.start <= s.time() and e.time() <= wh.end)


def year_of(slot: Slot) -> date:
    return slot.first_date + timedelta(days=365)


# -- busy ----------------------------------------------------------------------------------


def test_partly_busy_calendars_get_a_free_time() -> None:
    """With both calendars partly busy the slot lands in the only time both are free."""
    manager_busy = daily(LONDON, "09:00", "13:00")
    report_busy = (daily(LONDON, "13:00", "17:00", days=[0, 1, 2, 4])
                   + daily(LONDON, "13:00", "14:00", days=[3])
                   + daily(LONDON, "15:00", "17:00", days=[3]))
    slot = pick(manager_busy=manager_busy, report_busy=report_busy)
    assert (slot.weekday, slot.conflicts, slot.free_busy_used) == (3, 0, True)
    assert slot.start in (time(14, 0), time(14, 30))
    for occ in occurrences(slot, WEEKLY, NOW.date() + timedelta(weeks=6)):
        assert not overlaps(occ, manager_busy + report_busy)


def test_fully_busy_minimises_clashes_and_says_so() -> None:
    """When no time is free in every week, the slot with the fewest clashes wins, with a note."""
    busy = daily(LONDON, "00:00", "23:59", days=range(5), weeks=3)  # the first 3 weeks
    busy += daily(LONDON, "09:00", "13:00", days=range(5), weeks=10)
    slot = pick(manager_busy=busy, cadence=FORTNIGHTLY)
    assert slot.start >= time(13, 0)
    assert 0 < slot.conflicts < 3
    assert any("clash" in n for n in slot.notes)


# -- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize("now", [
    datetime(2027, 2, 1, 12, tzinfo=UTC),   # winter: five hours apart
    datetime(2027, 3, 15, 12, tzinfo=UTC),  # US on DST, UK not yet: four hours apart
    datetime(2027, 7, 1, 12, tzinfo=UTC),   # summer: five hours apart
])
@pytest.mark.parametrize("cadence", [WEEKLY, FORTNIGHTLY, MONTHLY])
def test_london_manager_new_york_report_inside_both_hours_all_year(now: datetime,
                                                                   cadence: Cadence) -> None:
    """London manager, NY report: a year of occurrences inside both hours, DST gaps too."""
    m, r = hours(LONDON), hours(NEW_YORK)
    slot = pick(manager_hours=m, report_hours=r, now=now, cadence=cadence)
    assert slot.time_zone == LONDON and slot.notes == ()
    occs = occurrences(slot, cadence, year_of(slot))
    assert occs
    for occ in occs:
        assert inside_hours(occ, m), occ
        assert inside_hours(occ, r), occ


def test_dst_gap_weeks_do_not_fool_the_choice() -> None:
    """In the March weeks London is 4 h ahead; only times that fit all year are offered."""
    m = hours(LONDON, start="09:00", end="14:30")
    r = hours(NEW_YORK, start="09:00", end="17:00")
    now = datetime(2027, 3, 15, 12, tzinfo=UTC)  # US changed 14 March, UK changes 28 March
    for seed in ("a", "b", "c", "d"):
        slot = pick(manager_hours=m, report_hours=r, now=now, seed=seed)
        assert slot.start == time(14, 0)
        assert all(inside_hours(o, r) for o in occurrences(slot, WEEKLY, year_of(slot)))


def test_report_days_are_converted_to_the_managers_zone() -> None:
    """A Mon–Fri Sydney report never gets a time that is their Saturday (London Friday)."""
    m = hours(LONDON, start="00:00", end="23:59", days=range(5))
    r = hours("Australia/Sydney", days=range(5))
    policy = SlotPolicy(window_start=time(0, 0), window_end=time(23, 30))
    for seed in ("a", "b", "c"):
        slot = pick(manager_hours=m, report_hours=r, policy=policy, seed=seed)
        for occ in occurrences(slot, WEEKLY, year_of(slot)):
            assert inside_hours(occ, r) and inside_hours(occ, m)


def test_no_overlap_relaxes_to_least_time_outside_hours() -> None:
    """London and Los Angeles 9–17 never overlap: the best partial time is chosen, noted."""
    slot = pick(manager_hours=hours(LONDON), report_hours=hours("America/Los_Angeles"))
    assert slot.weekday < 5
    assert any("don't overlap" in n for n in slot.notes)
    tz_m, tz_r = ZoneInfo(LONDON), ZoneInfo("America/Los_Angeles")
    first = datetime.combine(slot.first_date, slot.start, tzinfo=tz_m)
    # London 17:00 = LA 09:00: the best split leaves the meeting at the edge of both days.
    assert time(16, 0) <= slot.start <= time(17, 0)
    assert first.astimezone(tz_r).time() <= time(9, 0)


def test_window_is_ignored_before_working_hours() -> None:
    """If no time inside the policy window fits both hours, working hours still hold."""
    m = hours(LONDON, start="07:00", end="09:30")
    slot = pick(manager_hours=m, report_hours=hours(LONDON, start="07:00"))
    assert time(7, 0) <= slot.start <= time(9, 0)
    assert any("outside the policy window" in n for n in slot.notes)


# -- taken, determinism, spread ------------------------------------------------------------


def test_taken_one_to_ones_are_never_clashed() -> None:
    """The manager's other 1-2-1s are a hard constraint, even over a free/busy preference."""
    policy = SlotPolicy(weekdays=frozenset({2}), window_start=time(10, 0), window_end=time(11, 0))
    taken = daily(LONDON, "10:00", "10:30", days=[2])
    slot = pick(policy=policy, taken=taken, manager_busy=daily(LONDON, "10:30", "11:00"))
    assert (slot.weekday, slot.start) == (2, time(10, 30))
    assert slot.conflicts > 0
    for occ in occurrences(slot, WEEKLY, NOW.date() + timedelta(weeks=6)):
        assert not overlaps(occ, taken)


def test_taken_window_full_moves_outside_window() -> None:
    """When the window is full of other 1-2-1s the slot moves outside it, with a note."""
    policy = SlotPolicy(weekdays=frozenset({2}), window_start=time(10, 0), window_end=time(11, 0))
    taken = daily(LONDON, "10:00", "11:00", days=[2])
    slot = pick(policy=policy, taken=taken)
    assert not time(10, 0) <= slot.start < time(11, 0)
    assert any("other 1-2-1s" in n for n in slot.notes)


def test_many_reports_of_one_manager_never_share_a_time() -> None:
    """Ten reports chosen in turn (each added to taken) get clash-free, spread times."""
    taken: list[Interval] = []
    slots = []
    for i in range(10):
        cadence = [WEEKLY, FORTNIGHTLY, MONTHLY][i % 3]
        slot = pick(seed=f"pair-{i}", taken=taken, cadence=cadence,
                    report_hours=hours(NEW_YORK if i % 2 else LONDON))
        occs = occurrences(slot, cadence, NOW.date() + timedelta(weeks=6))
        assert not any(overlaps(o, taken) for o in occs)
        taken += occs
        slots.append(slot)
    assert len({(s.weekday, s.start) for s in slots}) >= 5


def test_deterministic_and_seed_spreads() -> None:
    """Same inputs give the same slot; different pairs (seeds) don't all pile onto one time."""
    busy = daily(LONDON, "12:00", "13:00")
    assert pick(manager_busy=busy) == pick(manager_busy=busy)
    chosen = {(s.weekday, s.start) for s in (pick(seed=f"p{i}") for i in range(12))}
    assert len(chosen) >= 4


def test_prefers_mid_morning_or_early_afternoon_tue_to_thu() -> None:
    """With empty calendars the choice is mid-morning or early afternoon, Tuesday–Thursday."""
    for i in range(10):
        slot = pick(seed=f"s{i}")
        assert slot.weekday in (1, 2, 3)
        assert time(10, 0) <= slot.start <= time(11, 30) or time(13, 30) <= slot.start <= time(
            15, 0)


# -- fallback, first date, weekends --------------------------------------------------------


def test_fallback_without_free_busy() -> None:
    """Without free/busy the choice ignores busy, still avoids taken, and says so."""
    busy = daily(LONDON, "00:00", "23:59")
    taken = daily(LONDON, "09:00", "17:00", days=[1, 2])
    a = pick(manager_busy=busy, taken=taken, free_busy_known=False)
    b = pick(manager_busy=[], taken=taken, free_busy_known=False)
    assert a == b
    assert (a.free_busy_used, a.conflicts) == (False, 0)
    assert any("Free/busy was unavailable" in n for n in a.notes)
    assert a.weekday not in (1, 2)


def test_first_occurrence_is_never_today_or_tomorrow() -> None:
    """The first occurrence is at least the day after tomorrow in the manager's zone."""
    now = datetime(2026, 10, 6, 23, 30, tzinfo=UTC)  # already Wednesday 00:30 in London
    for cadence in (WEEKLY, FORTNIGHTLY, MONTHLY):
        for seed in ("a", "b", "c", "d", "e"):
            slot = pick(now=now, cadence=cadence, seed=seed)
            assert slot.first_date >= date(2026, 10, 9)
            assert slot.first_date.weekday() == slot.weekday


def test_monthly_uses_first_to_fourth_never_last() -> None:
    """Monthly slots name a week index first..fourth matching the first date."""
    for i in range(20):
        slot = pick(cadence=MONTHLY, seed=f"m{i}")
        assert slot.week_index in ("first", "second", "third", "fourth")
        assert (slot.first_date.day - 1) // 7 == ["first", "second", "third",
                                                  "fourth"].index(slot.week_index)


def test_no_weekend_unless_policy_allows() -> None:
    """People who work weekends still get weekdays unless the policy allows weekends."""
    seven = hours(days=range(7))
    busy = daily(LONDON, "00:00", "23:59", days=range(5))  # weekdays fully busy
    for i in range(10):
        slot = pick(manager_hours=seven, report_hours=seven, manager_busy=busy, seed=f"w{i}")
        assert slot.weekday < 5
    weekend = SlotPolicy(weekdays=frozenset(range(7)))
    slot = pick(manager_hours=seven, report_hours=seven, manager_busy=busy, policy=weekend)
    assert slot.weekday in (5, 6) and slot.conflicts == 0


def test_mon_to_thu_worker_never_gets_friday() -> None:
    """A report working Monday to Thursday is never booked on a Friday, even if it's free."""
    r = hours(days=range(4))
    busy = daily(LONDON, "00:00", "23:59", days=range(4))
    for i in range(10):
        assert pick(report_hours=r, seed=f"f{i}").weekday != 4
        assert pick(report_hours=r, report_busy=busy, seed=f"f{i}").weekday != 4


def test_no_shared_day_raises_service_error() -> None:
    """No allowed day both people work is a ServiceError naming both people's days."""
    with pytest.raises(ServiceError, match=r"Mon–Wed.*Thu, Fri|Mon–Wed.*Thu.*Fri"):
        pick(manager_hours=hours(days=[0, 1, 2]),
             policy=SlotPolicy(weekdays=frozenset({3, 4})))
    with pytest.raises(ServiceError, match="Sat, Sun"):
        pick(report_hours=hours(days=[5, 6]))


# -- agreement with Graph's recurrence -----------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("service.domain.recurrence") is None,
                    reason="service.domain.recurrence not written yet")
@pytest.mark.parametrize("cadence", [WEEKLY, FORTNIGHTLY, MONTHLY])
def test_slot_occurrences_agree_with_recurrence_expand(cadence: Cadence) -> None:
    """The series built from the slot (recurrence_for + expand) meets at the times checked."""
    from service.domain.recurrence import expand

    m, r = hours(LONDON), hours(NEW_YORK)
    now = datetime(2027, 2, 1, 12, tzinfo=UTC)
    slot = pick(manager_hours=m, report_hours=r, now=now, cadence=cadence)
    rec = recurrence_for(cadence.kind, slot, series_end_date(slot.first_date, 6, 3))
    tz = ZoneInfo(slot.time_zone)
    start = datetime.combine(slot.first_date, slot.start, tzinfo=tz)
    got = expand(rec, start, start + timedelta(minutes=cadence.minutes), now,
                 now + timedelta(days=365))
    assert got == occurrences(slot, cadence, (now + timedelta(days=365)).date())[:len(got)]
    assert all(inside_hours(o, m) and inside_hours(o, r) for o in got)


# -- properties ----------------------------------------------------------------------------

ZONES = [LONDON, NEW_YORK, "Europe/Berlin", "Asia/Kolkata", "America/Chicago", "Asia/Jerusalem",
         "Australia/Sydney", "Asia/Tokyo", "America/Los_Angeles"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mz=st.sampled_from(ZONES), rz=st.sampled_from(ZONES),
    kind=st.sampled_from(list(CadenceKind)),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    hour=st.integers(0, 23), seed=st.text(max_size=8),
    rdays=st.frozensets(st.integers(0, 6), min_size=1),
)
def test_slot_rules_hold_everywhere(mz: str, rz: str, kind: CadenceKind, day: date, hour: int,
                                    seed: str, rdays: frozenset[int]) -> None:
    """For any zones/dates/report days the slot keeps every rule (hours all year, dates)."""
    cadence = Cadence(kind, 30, "t")
    now = datetime.combine(day, time(hour), tzinfo=UTC)
    m, r = hours(mz), hours(rz, days=rdays)
    try:
        slot = pick(manager_hours=m, report_hours=r, now=now, cadence=cadence, seed=seed)
    except ServiceError:
        return  # no shared working day at all (checked by its own test)
    assert slot.weekday in POLICY.weekdays & m.days
    assert slot.first_date >= now.astimezone(ZoneInfo(mz)).date() + timedelta(days=2)
    assert slot.first_date.weekday() == slot.weekday
    occs = occurrences(slot, cadence, year_of(slot))
    if not any("don't overlap" in n for n in slot.notes):
        assert all(inside_hours(o, m) and inside_hours(o, r) for o in occs)
    if not slot.notes:
        window = [(o[0].astimezone(ZoneInfo(mz)).time(), o[1].astimezone(ZoneInfo(mz)).time())
                  for o in occs]
        assert all(POLICY.window_start <= s and e <= POLICY.window_end for s, e in window)


@pytest.mark.parametrize("zones", [(LONDON, NEW_YORK), ("Asia/Jerusalem", LONDON),
                                   ("Australia/Lord_Howe", "America/St_Johns"),
                                   ("America/Santiago", "Asia/Kolkata")])
def test_offset_tables_match_zoneinfo_every_day(zones: tuple[str, str]) -> None:
    """The per-day offset table equals exact zoneinfo on every half hour of a year."""
    from service.domain.pair_clock import PairClock

    start = date(2027, 1, 1)
    clock = PairClock(zones[0], zones[1], start, 370)
    mz, rz = ZoneInfo(zones[0]), ZoneInfo(zones[1])
    for i in range(370):
        d = start + timedelta(days=i)
        for minute in range(0, 24 * 60, 30):
            local = datetime.combine(d, time(minute // 60, minute % 60), tzinfo=mz)
            want_m = int(local.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
            want_r = int(local.astimezone(rz).utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
            assert clock.offsets(d, minute) == (want_m, want_r), (d, minute)
            assert clock.utc_seconds(d, minute) == int(local.timestamp())


def test_first_by_keeps_a_recadenced_pair_from_waiting() -> None:
    """After a cadence change the first meeting is no later than ``first_by`` even when a
    later start would be a better time (here: the early weeks are busier)."""
    # Busy every day of the next 10 days at every preferred time: a free time exists only
    # later, so without a deadline the chooser starts the monthly series weeks away.
    busy = daily(LONDON, "09:00", "17:00", weeks=2)
    free_later = pick(cadence=MONTHLY, manager_busy=busy)
    deadline = NOW.date() + timedelta(days=12)
    assert free_later.first_date > deadline  # the test's premise
    soon = pick(cadence=MONTHLY, manager_busy=busy, first_by=deadline)
    assert soon.first_date <= deadline


def test_an_overdue_recadenced_pair_meets_in_the_first_week() -> None:
    """After a cadence change whose ``first_by`` has passed already (a monthly report who
    becomes a manager late in the month: last met five weeks ago), the first meeting is
    in the first week a series can start, not a whole new interval out because a later
    start would be a better time (here: the first week is busier)."""
    earliest = NOW.date() + timedelta(days=2)
    busy = daily(LONDON, "09:00", "17:00", since=earliest, weeks=1)
    later = pick(cadence=FORTNIGHTLY, manager_busy=busy)
    assert later.first_date > earliest + timedelta(days=6)  # the test's premise
    overdue = pick(cadence=FORTNIGHTLY, manager_busy=busy,
                   first_by=NOW.date() - timedelta(days=10))
    assert overdue.first_date <= earliest + timedelta(days=6)


def test_taken_checked_beyond_the_look_ahead() -> None:
    """Another 1-2-1 of either person that first meets this pair's time after the look-ahead
    (a monthly series against a fortnightly one) still rules the time out."""
    policy = SlotPolicy(weekdays=frozenset({1}), window_start=time(10, 0),
                        window_end=time(10, 30))
    tz = ZoneInfo(LONDON)
    later_only = []
    for month in range(1, 13):  # third Tuesdays at 10:00, only after the look-ahead
        d = date(2026 + (9 + month) // 12, (9 + month) % 12 + 1, 15)
        while d.weekday() != 1:
            d += timedelta(days=1)
        start = datetime.combine(d, time(10, 0), tzinfo=tz).astimezone(UTC)
        if start > NOW + timedelta(weeks=POLICY.free_busy_weeks):
            later_only.append((start, start + timedelta(minutes=30)))
    slot = pick(cadence=FORTNIGHTLY, policy=policy, taken=later_only)
    mine = occurrences(slot, FORTNIGHTLY, NOW.date() + timedelta(days=365))
    assert not any(s < te and ts < e for s, e in mine for ts, te in later_only)


@pytest.mark.parametrize("now", [datetime(2027, 3, 12, 12, tzinfo=UTC),  # first meeting: 4 h
                                 datetime(2027, 4, 12, 12, tzinfo=UTC)])  # first meeting: 5 h
def test_report_time_of_day_is_judged_all_year_not_at_the_first_meeting(now: datetime) -> None:
    """The report's time of day counts at its worst over the year, as working hours do: a
    pair booked in the March weeks London is 4 h ahead of New York must not be given 14:30
    London (New York's 10:30 then, but 09:30, the edge of their day, all the rest of the
    year) over 15:00 (10:00 or 11:00 in New York all year): the choice would depend on the
    week the pair happened to be booked."""
    m, r = hours(LONDON), hours(NEW_YORK)
    for seed in (f"pair-{i}" for i in range(12)):
        slot = pick(manager_hours=m, report_hours=r, now=now, seed=seed)
        assert slot.start == time(15, 0), (seed, slot)
