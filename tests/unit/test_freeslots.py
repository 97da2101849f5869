"""Free times for one occurrence: cadence windows, working hours, busy, blocked days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.freeslots import cadence_window, free_slots
from service.domain.model import CadenceKind, WorkingHours

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))


def hours(zone: str = "Europe/London", days: Iterable[int] = range(5), start: str = "09:00",
          end: str = "17:00") -> WorkingHours:
    return WorkingHours(time_zone=zone, days=frozenset(days), start=time.fromisoformat(start),
                        end=time.fromisoformat(end))


def at(d: date, hhmm: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=zone)


def slots(target: datetime, **kw: object) -> list[tuple[datetime, datetime]]:
    args: dict[str, object] = dict(
        target_start=target, minutes=30,
        window=cadence_window(CadenceKind.WEEKLY, target.date(), WEEKDAYS),
        manager_hours=hours(), report_hours=hours(), busy=[], blocked_days=[],
        step_minutes=15, not_before=datetime(2026, 1, 1, tzinfo=UTC), limit=5)
    args.update(kw)
    return free_slots(**args)  # type: ignore[arg-type]


def test_weekly_window_is_three_working_days_each_side() -> None:
    """A Thursday's weekly window runs Monday to the next Tuesday (weekend skipped)."""
    assert cadence_window(CadenceKind.WEEKLY, date(2026, 12, 10), WEEKDAYS) == (
        date(2026, 12, 7), date(2026, 12, 15))


def test_fortnightly_window_is_five_working_days_each_side() -> None:
    """A fortnightly window spans a working week each way."""
    assert cadence_window(CadenceKind.FORTNIGHTLY, date(2026, 12, 9), WEEKDAYS) == (
        date(2026, 12, 2), date(2026, 12, 16))


def test_monthly_window_is_the_calendar_month() -> None:
    """A monthly window is the occurrence's calendar month, December included."""
    assert cadence_window(CadenceKind.MONTHLY, date(2026, 12, 25), WEEKDAYS) == (
        date(2026, 12, 1), date(2026, 12, 31))
    assert cadence_window(CadenceKind.MONTHLY, date(2028, 2, 10), WEEKDAYS) == (
        date(2028, 2, 1), date(2028, 2, 29))


def test_window_counts_only_the_given_working_days() -> None:
    """A Mon/Wed/Fri part-timer's three working days back from Friday 11th would reach the
    Friday before, the last meeting's day, and forward the next one's (18th): the window
    stops a day short of each."""
    assert cadence_window(CadenceKind.WEEKLY, date(2026, 12, 11), frozenset({0, 2, 4})) == (
        date(2026, 12, 5), date(2026, 12, 17))


def test_window_never_reaches_a_neighbouring_meeting() -> None:
    """A Tuesday/Thursday part-timer's weekly Thursday meeting: three working days back
    would reach the Tuesday of the week before, past the last meeting (3 Dec); the window
    stops short of both neighbours. A Monday-only manager's window is the week around it."""
    tue_thu = frozenset({1, 3})
    assert cadence_window(CadenceKind.WEEKLY, date(2026, 12, 10), tue_thu) == (
        date(2026, 12, 4), date(2026, 12, 16))
    assert cadence_window(CadenceKind.WEEKLY, date(2026, 12, 7), frozenset({0})) == (
        date(2026, 12, 1), date(2026, 12, 13))
    assert cadence_window(CadenceKind.FORTNIGHTLY, date(2026, 12, 10), tue_thu) == (
        date(2026, 11, 27), date(2026, 12, 23))


def test_nearest_same_time_on_an_adjacent_day_comes_first() -> None:
    """Christmas Day blocked: Thursday 24th at the same time is offered first."""
    target = at(date(2026, 12, 25), "15:00")
    got = slots(target, blocked_days={date(2026, 12, 25)})
    assert got[0] == (at(date(2026, 12, 24), "15:00"), at(date(2026, 12, 24), "15:30"))
    assert all(s.date() != date(2026, 12, 25) for s, _ in got)


def test_ties_go_earlier_and_then_later_day() -> None:
    """Same distance either side: the earlier day first, then the later one."""
    target = at(date(2026, 12, 9), "11:00")
    got = slots(target, blocked_days={date(2026, 12, 9)}, limit=2)
    assert [s.date() for s, _ in got] == [date(2026, 12, 8), date(2026, 12, 10)]


def test_busy_time_is_avoided() -> None:
    """A busy interval anywhere over the candidate excludes it."""
    target = at(date(2026, 12, 9), "11:00")
    busy = [(at(date(2026, 12, 8), "10:50"), at(date(2026, 12, 8), "11:10"))]
    got = slots(target, blocked_days={date(2026, 12, 9)}, busy=busy)
    assert all(not (s < e2 and s2 < e) for s, e in got for s2, e2 in busy)
    assert got[0][0] == at(date(2026, 12, 10), "11:00")  # same time, the other side
    assert got[1][0] == at(date(2026, 12, 8), "11:15")  # nearest free time that day


def test_back_to_back_with_a_busy_meeting_is_free() -> None:
    """A meeting ending at 11:00 leaves 11:00 free, and one starting at 11:30 leaves
    11:00-11:30 free: touching is not overlapping (Outlook's own free/busy says so)."""
    target = at(date(2026, 12, 9), "11:00")
    busy = [(at(date(2026, 12, 9), "10:00"), at(date(2026, 12, 9), "11:00")),
            (at(date(2026, 12, 9), "11:30"), at(date(2026, 12, 9), "12:00"))]
    assert slots(target, busy=busy)[0] == (target, at(date(2026, 12, 9), "11:30"))


def test_report_hours_in_another_zone_hold() -> None:
    """London manager, New York report 09–17: only 14:00–16:30 London fits (winter)."""
    target = at(date(2026, 12, 9), "10:00")
    got = slots(target, report_hours=hours("America/New_York"), blocked_days={date(2026, 12, 9)},
                limit=200)
    assert got
    for s, e in got:
        ny = s.astimezone(NEW_YORK)
        assert time(9) <= ny.time() and e.astimezone(NEW_YORK).time() <= time(17)
        assert time(9) <= s.time() and e.time() <= time(17)


def test_report_blocked_day_in_their_zone_counts() -> None:
    """A blocked date on the report's side of the dateline excludes the slot too."""
    sydney = hours("Australia/Sydney", start="00:00", end="00:00", days=range(7))
    target = at(date(2026, 12, 9), "10:00")
    # 10:00 London on the 8th is 21:00 in Sydney on the 8th; 14:00 London is 01:00 on the 9th.
    got = slots(target, report_hours=sydney, blocked_days={date(2026, 12, 9)}, limit=500)
    for s, _e in got:
        assert s.astimezone(ZoneInfo("Australia/Sydney")).date() != date(2026, 12, 9)


def test_not_before_and_window_hold() -> None:
    """Nothing before ``not_before`` and nothing outside the window."""
    target = at(date(2026, 12, 9), "10:00")
    not_before = at(date(2026, 12, 8), "12:00")
    got = slots(target, blocked_days={date(2026, 12, 9)}, not_before=not_before, limit=1000)
    first, last = cadence_window(CadenceKind.WEEKLY, target.date(), WEEKDAYS)
    assert got and all(s >= not_before and first <= s.date() <= last for s, _ in got)


def test_nothing_free_gives_an_empty_list() -> None:
    """A fully busy window yields no slot."""
    target = at(date(2026, 12, 9), "10:00")
    busy = [(at(date(2026, 12, 1), "00:00"), at(date(2026, 12, 20), "00:00"))]
    assert slots(target, busy=busy) == []


def test_part_timers_only_get_shared_days() -> None:
    """Manager Mon–Fri, report Mon/Tue/Wed: only Mon–Wed are offered."""
    target = at(date(2026, 12, 9), "10:00")
    got = slots(target, report_hours=hours(days={0, 1, 2}), blocked_days={date(2026, 12, 9)},
                limit=1000)
    assert got and {s.weekday() for s, _ in got} <= {0, 1, 2}


def test_dst_gap_is_skipped() -> None:
    """A wall time that doesn't exist (spring forward) is never offered."""
    target = at(date(2027, 3, 28), "01:30")
    all_day = hours(days=range(7), start="00:00", end="00:00")
    got = free_slots(target_start=target, minutes=30, window=(date(2027, 3, 28),
                     date(2027, 3, 28)), manager_hours=all_day, report_hours=all_day, busy=[],
                     blocked_days=[], step_minutes=30,
                     not_before=datetime(2027, 1, 1, tzinfo=UTC), limit=100)
    assert all(s.time() != time(1, 0) and s.time() != time(1, 30) for s, _ in got)


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 5), max_value=date(2028, 12, 1)),
    minute=st.integers(min_value=9 * 4, max_value=16 * 4).map(lambda q: q * 15),
    kind=st.sampled_from(list(CadenceKind)),
    busy_hours=st.lists(st.tuples(st.integers(0, 30 * 24), st.integers(1, 20)), max_size=12),
    blocked=st.lists(st.integers(-10, 10), max_size=5),
)
def test_every_offer_satisfies_every_rule(day: date, minute: int, kind: CadenceKind,
                                          busy_hours: list[tuple[int, int]],
                                          blocked: list[int]) -> None:
    """Property: every offered time meets the hours, busy, blocked and window rules, sorted."""
    target = datetime.combine(day, time(minute // 60 % 24, minute % 60), tzinfo=LONDON)
    base = datetime.combine(day - timedelta(days=15), time(0), tzinfo=UTC)
    busy = [(base + timedelta(hours=h), base + timedelta(hours=h, minutes=15 * n))
            for h, n in busy_hours]
    blocked_days = {day + timedelta(days=n) for n in blocked}
    window = cadence_window(kind, day, WEEKDAYS)
    report = hours("America/New_York", start="08:00", end="18:00")
    got = free_slots(target_start=target, minutes=45, window=window, manager_hours=hours(),
                     report_hours=report, busy=busy, blocked_days=blocked_days, step_minutes=15,
                     not_before=target - timedelta(days=2), limit=20)
    keys = []
    for s, e in got:
        assert e - s == timedelta(minutes=45)
        assert window[0] <= s.date() <= window[1] and s >= target - timedelta(days=2)
        assert s.date() not in blocked_days
        assert s.astimezone(NEW_YORK).date() not in blocked_days
        assert s.weekday() < 5 and time(9) <= s.time() and e.time() <= time(17)
        ny_s, ny_e = s.astimezone(NEW_YORK), e.astimezone(NEW_YORK)
        assert time(8) <= ny_s.time() and ny_e.time() <= time(18) and ny_s.weekday() < 5
        assert all(not (s < be and bs < e) for bs, be in busy)
        keys.append((abs((s.date() - day).days),
                     abs(s.hour * 60 + s.minute - target.hour * 60 - target.minute)))
    assert keys == sorted(keys)
