"""Who owns an action typed in a line or a table's row: the person named, on either side of
the separator, or someone outside the pair written as a name before it; never the task."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.action_line import header_roles, parse_action, parse_row

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


def test_header_rows() -> None:
    """A header row, in any order and wording, names the columns; a row of data does not."""
    assert header_roles(["What", "Who", "By when"]) == {"what": 0, "owner": 1, "due": 2}
    assert header_roles(["Action", "Owner", "Due date", "Status"]) == {
        "what": 0, "owner": 1, "due": 2, "state": 3}
    assert header_roles(["Rob", "send the plan", "Friday"]) is None
    assert header_roles(["Who", "Who"]) is None


def test_rows_by_their_header() -> None:
    """The Who column owns the row whoever it names; the When column is its due date."""
    roles = header_roles(["What", "Who", "When", "Done"])
    row = parse_row(["send the plan", "Jo", "12/12", "[x]"], roles, meeting_date=MEETING,
                    **PAIR)
    assert row is not None
    assert (row.owner, row.text, row.due, row.done) == ("Jo", "send the plan",
                                                        date(2026, 12, 12), True)
    row = parse_row(["Rob: send the plan", "", "Friday", ""], roles, meeting_date=MEETING,
                    **PAIR)
    assert row is not None and (row.owner, row.due) == ("Rob Report", date(2026, 12, 11))
    assert parse_row(["", "Rob", "Friday", ""], roles, meeting_date=MEETING, **PAIR) is None
