"""A capital and a full stop at the start of an action line: the initial of its owner's
name ("B. Jones: send the deck") or a lettered list's label ("a. send the deck", "A. Rob:
send the plan"). Sam Smith manages Alex Jones."""

from __future__ import annotations

from service.domain.action_line import header_roles, parse_action, parse_row
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, REPORT, read_back, typed


def read(line: str, report: str = REPORT) -> tuple[str, str] | None:
    found = parse_action(line, meeting_date=MEETING, manager_name=MANAGER,
                         report_name=report)
    return None if found is None else (found.owner, found.text)


def test_an_initial_and_a_name_before_a_colon_are_the_owner() -> None:
    """"B. Jones:" is B. Jones, someone else (not Alex Jones, whose initial is not B);
    other names written so keep their initials; the initial of one of the pair is them."""
    assert read("B. Jones: send the deck") == ("B. Jones", "send the deck")
    assert read("J. R. Smith: book the room") == ("J. R. Smith", "book the room")
    assert read("B. van der Berg: check the numbers") == ("B. van der Berg",
                                                          "check the numbers")
    assert read("J. May: send the deck") == ("J. May", "send the deck")
    assert read("A. Jones: book the course") == (REPORT, "book the course")
    assert read("B. Jones: send the deck", report="Bob Jones") == ("Bob Jones",
                                                                   "send the deck")


def test_a_lettered_lists_label_stays_a_label() -> None:
    """A lower-case or bracketed letter, a name one of the pair goes by, and words that
    are no one's name (a task, a note's label, a day) after a capital: item A, B, C."""
    assert read("a. Alex: send the deck") == (REPORT, "send the deck")
    assert read("b) Jones: book the course") == (REPORT, "book the course")
    assert read("A. Sam: send the plan") == (MANAGER, "send the plan")
    assert read("B. Alex Jones: book the course") == (REPORT, "book the course")
    assert read("C. Alex to draft the proposal") == (REPORT, "draft the proposal")
    assert read("A. Action: Alex to book the room") == (REPORT, "book the room")
    assert read("a. send the deck") is None
    assert read("B. Review budget") is None
    assert read("B. Note: the room is booked") is None
    assert read("C. Friday: send the plan") is None


def test_as_typed_in_outlook_and_in_a_who_column() -> None:
    """Through the capture path, lettered lines among them; a Who cell "B. Jones" is him."""
    parsed = read_back(typed(AGENDA_HTML, [], ["a. Alex: book the flights",
                                               "B. Jones: send the deck"]))
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        (REPORT, "book the flights"), ("B. Jones", "send the deck")]
    roles = header_roles(["Who", "What"])
    row = parse_row(["B. Jones", "send the deck"], roles, meeting_date=MEETING,
                    manager_name=MANAGER, report_name=REPORT)
    assert row is not None and (row.owner, row.text) == ("B. Jones", "send the deck")
