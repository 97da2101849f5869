"""A person's first day (``start_day``) from employeeHireDate, which Graph gives in UTC:
midnight where they work is their day there; UTC midnight, a date written with no zone, is
that date wherever they work; until their mailbox's zone is known, UTC's day."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.directory import hired_at, start_day, yet_to_start


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


def test_someone_yet_to_start_is_so_until_their_first_day_where_they_work() -> None:
    """A Sydney joiner whose first day is 15 December has started at 13:00 UTC on the 14th
    (midnight there), not before; one with no hire date, or hired long ago, has started."""
    joiner = ("jo", hired_at("2026-12-14T13:00:00Z"), "Australia/Sydney")
    others = [("old", hired_at("2020-01-01T00:00:00Z"), None), ("none", None, None)]
    assert yet_to_start([joiner, *others], hired_at("2026-12-14T12:59:00Z")) == {"jo"}
    assert yet_to_start([joiner, *others], hired_at("2026-12-14T13:00:00Z")) == set()
