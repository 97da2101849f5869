"""A joiner's series starts on their first day (``not_before``, their employeeHireDate) *in
their own zone*. A manager in Sydney meets a Los Angeles report on Sydney's Tuesday morning,
which is Monday afternoon in Los Angeles: a joiner starting on Tuesday 19 January was booked
for Monday 18 January, the day before they start (weekly, as new starters are)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.domain.model import Cadence, CadenceKind, WorkingHours
from service.domain.policy import SlotPolicy
from service.domain.slots import choose_slot

NOW = datetime(2027, 1, 4, tzinfo=UTC)


def first_meeting(manager_zone: str, report_zone: str, first_day: date,
                  kind: CadenceKind = CadenceKind.WEEKLY,
                  policy: SlotPolicy | None = None) -> datetime:
    """The first meeting's start, in the report's zone."""
    slot = choose_slot(cadence=Cadence(kind, 30, "new starter"),
                       manager_hours=WorkingHours(manager_zone),
                       report_hours=WorkingHours(report_zone), manager_busy=[],
                       report_busy=[], taken=[], policy=policy or SlotPolicy(), now=NOW,
                       seed="pair-1", not_before=first_day)
    start = datetime.combine(slot.first_date, slot.start, tzinfo=ZoneInfo(slot.time_zone))
    return start.astimezone(ZoneInfo(report_zone))


@pytest.mark.parametrize("kind", list(CadenceKind))
@pytest.mark.parametrize("first_day", [date(2027, 1, 18) + timedelta(days=n) for n in range(5)])
def test_a_joiner_behind_the_manager_is_not_met_before_their_first_day(
        first_day: date, kind: CadenceKind) -> None:
    """Sydney manager, Los Angeles joiner: never before their first day, where they are."""
    assert first_meeting("Australia/Sydney", "America/Los_Angeles", first_day,
                         kind).date() >= first_day


def test_a_joiner_a_few_hours_behind_still_meets_on_their_first_day() -> None:
    """London manager, New York joiner starting Tuesday: their first afternoon in London is
    their first morning in New York, and that stays allowed (Tuesdays only, so it is the
    first day or a week later)."""
    first_day = date(2027, 1, 19)
    start = first_meeting("Europe/London", "America/New_York", first_day,
                          policy=SlotPolicy(weekdays=frozenset({1})))
    assert start.date() == first_day and start.time() >= time(9, 0)
