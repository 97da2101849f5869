"""A person's first day (``start_day``) from employeeHireDate, which Graph gives in UTC:
midnight where they work is their day there; UTC midnight, a date written with no zone, is
that date wherever they work; until their mailbox's zone is known, UTC's day."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.directory import hired_at, start_day


@pytest.mark.parametrize(("written", "zone", "day"), [
    ("2026-12-14T13:00:00Z", "Australia/Sydney", date(2026, 12, 15)),  # Sydney's midnight
    ("2026-12-15T08:00:00Z", "America/Los_Angeles", date(2026, 12, 15)),  # LA's midnight
    ("2026-12-15T00:00:00Z", "America/Los_Angeles", date(2026, 12, 15)),  # no zone written
    ("2026-12-15T00:00:00Z", "Australia/Sydney", date(2026, 12, 15)),
    ("2026-12-14T13:00:00Z", None, date(2026, 12, 14)),  # zone not known yet: UTC's day
])
def test_a_first_day_is_the_persons_where_they_work(written: str, zone: str | None,
                                                   day: date) -> None:
    """Each way a first day is written, read back as Graph gives it."""
    assert start_day(hired_at(written), zone) == day
