"""A pair whose working hours never meet (zones far apart) is booked at the time least
outside them over the year's meetings, and the same time whenever it is booked: the tie
between equally bad times used to be broken by the first meeting's time of day, so a pair
across a DST change (Honolulu and London) got 05:30 booked in winter and 07:00 in spring."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.domain.model import Cadence, CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slots import choose_slot

# (Sydney and London: a monthly pattern's dates meet the weeks their clocks are ten hours
# apart, not nine or eleven, in some years from the booking week and not in others.)
PAIRS = [("Pacific/Honolulu", "Europe/London"), ("America/Los_Angeles", "Asia/Kolkata"),
         ("Europe/London", "Pacific/Honolulu"), ("Pacific/Honolulu", "Asia/Kolkata"),
         ("Australia/Sydney", "Europe/London"), ("Europe/London", "Australia/Sydney")]
KINDS = [CadenceKind.WEEKLY, CadenceKind.FORTNIGHTLY, CadenceKind.MONTHLY]


def _choose(mz: str, rz: str, kind: CadenceKind, now: datetime, seed: str = "pair-1"):
    return choose_slot(cadence=Cadence(kind, 30, ""), manager_hours=WorkingHours(mz),
                       report_hours=WorkingHours(rz), manager_busy=[], report_busy=[],
                       taken=[], policy=SlotPolicy(), now=now, seed=seed)


def _outside(start: datetime, minutes: int = 30) -> int:
    """Minutes a meeting starting at ``start`` (aware) lies outside 09:00-17:00 local."""
    local = start.time().hour * 60 + start.time().minute
    return max(0, 540 - local) + max(0, local + minutes - 1020)


def _year_outside(mz: str, rz: str, weekday: int, start: time, first: datetime) -> int:
    """Minutes outside both people's hours summed over a year of weekly meetings."""
    day = first.date() + timedelta(days=(weekday - first.weekday()) % 7)
    total = 0
    for week in range(52):
        at = datetime.combine(day + timedelta(weeks=week), start, ZoneInfo(mz))
        total += _outside(at) + _outside(at.astimezone(ZoneInfo(rz)))
    return total


@pytest.mark.parametrize(("mz", "rz"), PAIRS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_time_does_not_depend_on_when_the_pair_is_booked(mz: str, rz: str,
                                                             kind: CadenceKind) -> None:
    chosen = {(s.weekday, s.start, s.week_index)
              for month in range(1, 13)
              for s in [_choose(mz, rz, kind, datetime(2026, month, 3, 8, tzinfo=UTC))]}
    assert len(chosen) == 1, chosen


@pytest.mark.parametrize(("mz", "rz"), PAIRS)
def test_the_time_is_the_least_outside_both_peoples_hours_over_the_year(mz: str,
                                                                         rz: str) -> None:
    now = datetime(2026, 1, 5, 8, tzinfo=UTC)
    slot = _choose(mz, rz, CadenceKind.WEEKLY, now)
    first = now + timedelta(days=2)
    best = min(_year_outside(mz, rz, slot.weekday, time(h, m), first)
               for h in range(24) for m in (0, 30))
    assert _year_outside(mz, rz, slot.weekday, slot.start, first) == best
