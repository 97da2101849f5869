"""The region a holiday belongs to is named in words people read (the moved meeting's reason
in `onetoone status`, the manager's "no time to move it to" mail): its own name, not the
last of the `holidays` library's aliases for it, which is often a bare abbreviation or
another language ("Auckland Anniversary Day (AU)" read as Australia's; "Newfoundland and
Labrador" named in French in an English mail)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.domain.absence import Attendee, decide, holiday_calendar
from service.domain.model import CadenceKind, WorkingHours


@pytest.mark.parametrize(("code", "label"), [
    ("NZ-AUK", "Auckland"),
    ("NZ-CAN", "Canterbury"),
    ("CA-NL", "Newfoundland and Labrador"),
    ("CA-BC", "British Columbia"),
    ("AT-1", "Burgenland"),
    ("GB-SCT", "Scotland"),
    ("US-NY", "New York"),
    ("GB", "GB"),
])
def test_a_region_is_named_by_its_name(code: str, label: str) -> None:
    assert holiday_calendar(code, [2027]).label == label


def test_the_reason_people_read_names_the_region() -> None:
    hours = WorkingHours("Pacific/Auckland")
    auckland = holiday_calendar("NZ-AUK", [2027])
    day = next(d for d, name in auckland.days.items() if "Anniversary" in name)
    assert day == date(2027, 2, 1)
    start = datetime(2027, 1, 31, 22, 0, tzinfo=UTC)  # Monday 1 Feb, 11:00 in Auckland
    got = decide(start=start, end=start + timedelta(minutes=30), original_start=start,
                 kind=CadenceKind.WEEKLY, manager=Attendee("Mia", hours, auckland),
                 report=Attendee("Rob", hours, auckland), not_before=start - timedelta(days=3))
    assert got.reason == "public holiday: Auckland Anniversary Day (Auckland)"
