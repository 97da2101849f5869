"""Who owns an action typed in a line: the person named, on either side of the separator, or
someone outside the pair written as a name before it; never the task."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.action_line import parse_action

MEETING = date(2026, 12, 8)  # a Tuesday
PAIR = {"manager_name": "Mia Manager", "report_name": "Rob Report"}


def read(line: str) -> tuple[str, str, date | None] | None:
    found = parse_action(line, meeting_date=MEETING, **PAIR)
    return None if found is None else (found.owner, found.text, found.due)


@pytest.mark.parametrize(("line", "expected"), [
    ("Send the Q1 plan - Rob - Friday", ("Rob Report", "Send the Q1 plan", date(2026, 12, 11))),
    ("Send the Q1 plan - Friday - Rob", ("Rob Report", "Send the Q1 plan", date(2026, 12, 11))),
    ("Send the plan - Rob - asap", ("Rob Report", "Send the plan – asap", None)),
    ("Review the plan: Rob", ("Rob Report", "Review the plan", None)),
    ("Review the plan: Rob by Friday", ("Rob Report", "Review the plan", date(2026, 12, 11))),
    ("Check in next week: me", ("Mia Manager", "Check in next week", None)),
    ("Book the course–Rob", ("Rob Report", "Book the course", None)),
    ("Rob: send the plan - Mia", ("Rob Report", "send the plan - Mia", None)),
    ("Jo from HR: confirm the dates", ("Jo from HR", "confirm the dates", None)),
    ("Finance team - send the invoice", ("Finance team", "send the invoice", None)),
    ("田中: 資料を送る", ("田中", "資料を送る", None)),
])
def test_owner_named_on_either_side(line: str, expected: tuple) -> None:
    """The person named owns it, before or after the task."""
    assert read(line) == expected


@pytest.mark.parametrize("line", [
    "Send the Q1 plan - Friday",  # no one named
    "Send the Q1 plan - Finance",  # a name after the task could be a place: not guessed
    "Book flights - London - Paris",
    "the team: review the budget",  # not written as a name
])
def test_no_owner_named_is_no_action(line: str) -> None:
    """A line naming no owner is no action (the notes keep it), never one owned by its task."""
    assert read(line) is None
