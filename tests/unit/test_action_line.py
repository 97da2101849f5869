"""Who owns an action typed in a line or a table's row: the person named, on either side of
the separator, or someone outside the pair written as a name before it; never the task."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.action_line import header_roles, parse_action, parse_row, split_row
from service.domain.htmltext import PARAGRAPH

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


def test_a_header_with_columns_of_no_role() -> None:
    """Mostly headings is a header row: a Notes or Comments column, "Name" for Who and "#"
    numbering the rows do not make it a row of data; one heading among data does not make a
    header, and nor does a cell naming one of the pair or a date."""
    assert header_roles(["Who", "What", "When", "Notes"]) == {"owner": 0, "what": 1, "due": 2}
    assert header_roles(["Name", "Action", "Date"]) == {"owner": 0, "what": 1, "due": 2}
    assert header_roles(["#", "Action", "Owner", "Due", "Comments"]) == {
        "skip": 0, "what": 1, "owner": 2, "due": 3}
    assert header_roles(["Who", "What", "Blocked on"]) == {"owner": 0, "what": 1}
    assert header_roles(["Who", "Send the plan", "Friday"]) is None
    assert header_roles(["Rob", "Update", "Friday"]) is None
    assert header_roles(["Who", "What", "Friday"], lambda cell: cell == "Friday") is None


def test_the_extra_columns_go_with_the_action() -> None:
    """A Notes column's words stay with the action; the row's number does not."""
    roles = header_roles(["#", "Who", "What", "When", "Notes"])
    row = parse_row(["3", "Rob", "Send the plan", "Friday", "waiting on finance"], roles,
                    meeting_date=MEETING, **PAIR)
    assert row is not None
    assert (row.owner, row.text, row.due) == ("Rob Report", "Send the plan – waiting on finance",
                                              date(2026, 12, 11))


@pytest.mark.parametrize("line", [
    "Who: send the plan", "Name - book the room", "Owner: Send the plan", "Action: Rob",
    "Notes: the room is booked", "Due: Friday",
])
def test_a_columns_heading_is_never_an_owner(line: str) -> None:
    """"Who", "Name", "Owner" and the other headings are no one (a line naming one of the
    pair after one is that person's)."""
    found = read(line)
    assert found is None or found[0] in ("Rob Report", "Mia Manager")


def test_a_cells_paragraphs() -> None:
    """Each paragraph of a cell is a row of its own, with the row's other cells (or, as many
    as it, each its own); a paragraph in lower case under one in capitals, or in brackets,
    goes on the one above."""
    two = f"Send the plan{PARAGRAPH}Book the course"
    assert split_row(["Rob", two, "Friday"]) == [
        ["Rob", "Send the plan", "Friday"], ["Rob", "Book the course", "Friday"]]
    assert split_row([f"Rob{PARAGRAPH}Mia", two, ""]) == [
        ["Rob", "Send the plan", ""], ["Mia", "Book the course", ""]]
    assert split_row(["Rob", f"Send the plan{PARAGRAPH}to finance{PARAGRAPH}(the Q1 one)"]) == [
        ["Rob", "Send the plan to finance (the Q1 one)"]]
    assert split_row(["Rob", f"send the plan{PARAGRAPH}book the course"]) == [
        ["Rob", "send the plan"], ["Rob", "book the course"]]
    assert split_row([f"a{PARAGRAPH}b{PARAGRAPH}c", f"x{PARAGRAPH}y"]) == [
        ["a", "x y"], ["b", "x y"], ["c", "x y"]]


@pytest.mark.parametrize(("line", "owner"), [
    ("Rob's manager: approve the course", "Rob's manager"),
    ("Team: prepare the demo", "Team"),
    ("team: prepare the demo", "team"),
    ("sam: book the room", "sam"),
    ("sam - book the room", "sam"),
    ("jo from hr: confirm the dates", "jo from hr"),
    ("finance team: send the invoice", "finance team"),
    ("eBay team: renew the contract", "eBay team"),
    ("iPhone support - replace the phone", "iPhone support"),
])
def test_someone_outside_the_pair_in_lower_case(line: str, owner: str) -> None:
    """Before a colon a short name in lower case, a possessive or a group is the owner (and
    one word, or a name written as one, before a dash)."""
    found = read(line)
    assert found is not None and found[0] == owner


@pytest.mark.parametrize("line", [
    "send the forecast - friday",  # the task, then when: no one named
    "send the forecast: next week",
    "book flights: london to paris",  # the task's words, not a name's
    "jo from hr - confirm the dates",  # before a dash only a name (or one word) counts
    "our team: review the budget",
    "promotion case: mia to speak to hr",
    "look at costs: before Friday",
    "Friday: send the plan",  # when, not who
    "asap - send the plan",
    "update from hr: the new policy",
])
def test_a_task_or_a_topic_in_lower_case_is_no_owner(line: str) -> None:
    """A task's words (a determiner, no name's word), a date or a label are no one's name,
    in lower case or not."""
    assert read(line) is None


def test_a_cells_paragraphs_stay_apart_in_a_notes_row() -> None:
    """Two paragraphs in one cell of a notes table are two statements: a space alone ran
    them into one ("Panel in March Needs two examples")."""
    from service.domain.action_line import row_line
    from service.domain.htmltext import PARAGRAPH

    assert row_line(["Promotion", f"Panel in March{PARAGRAPH}Needs two examples"]) == (
        "Promotion – Panel in March; Needs two examples")
    assert row_line(["Promotion", f"Panel in March.{PARAGRAPH}Needs two examples"]) == (
        "Promotion – Panel in March. Needs two examples")
    assert row_line(["Workload", "", "Fine"]) == "Workload – Fine"
