"""An action's owner written as a family name ("Jones", "A. Jones") or initials ("AJ"):
one of the pair when it names exactly one of them, and never a team's abbreviation."""

from __future__ import annotations

from service.domain.action_line import parse_action
from service.domain.owners import resolve_owner
from service.domain.wording import family_name
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, REPORT, read_back, typed


def owner(line: str, manager: str = MANAGER, report: str = REPORT,
          given: tuple[str, str] = ("", "")) -> str | None:
    found = parse_action(line, meeting_date=MEETING, manager_name=manager,
                         report_name=report, given_names=given)
    return None if found is None else found.owner


def test_a_family_name_of_one_of_the_pair_is_them() -> None:
    """"Jones", "A. Jones", "A Jones", "jones" before a colon, "Smith to …": the person of
    the pair it names (Sam Smith & Alex Jones), from the agenda's lines too."""
    assert owner("Jones: book the course") == REPORT
    assert owner("A. Jones: book the course") == REPORT
    assert owner("A Jones – book the course") == REPORT
    assert owner("jones: book the course") == REPORT
    assert owner("Smith to send the plan by Friday") == MANAGER
    assert owner("Send the plan – Smith") == MANAGER
    parsed = read_back(typed(AGENDA_HTML, [], ["Jones: book the flights",
                                               "S. Smith to send the deck"]))
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        (REPORT, "book the flights"), (MANAGER, "send the deck")]


def test_a_family_name_that_is_not_one_persons_is_someone_elses() -> None:
    """Both of the pair called Jones, an initial that is neither's ("B. Jones"), a family
    name that is a date's word ("May: plan the offsite": when, as often as who) or no
    one's: as before, not one of the pair."""
    assert owner("Jones: book the course", "Sam Jones", "Alex Jones") == "Jones"
    assert resolve_owner("B. Jones", MANAGER, REPORT) is None
    assert owner("Book the course – B. Jones") is None
    assert owner("Taylor: book the course") == "Taylor"
    assert owner("Jo from HR: confirm the dates") == "Jo from HR"
    assert owner("May: plan the offsite", MANAGER, "Theresa May") == "May"  # as before
    # The first name the agenda calls someone still wins: "Lee" is Lee Smith's.
    assert owner("Lee: send the plan", "Jordan Lee", "Lee Smith") == "Lee Smith"


def test_initials_name_one_of_the_pair_only_when_nothing_else() -> None:
    """"AJ", "A.J.", "SS" in capitals are the pair's initials; an office's abbreviation
    ("HR", "IT", "PM") never is, nor initials both share, nor lower case."""
    assert owner("AJ: book the course") == REPORT
    assert owner("A.J. to book the course") == REPORT
    assert owner("SS: send the plan") == MANAGER
    assert owner("aj: book the course") == "aj"
    assert owner("HR: update the policy", "Helen Ross", REPORT) == "HR"
    assert owner("IT: fix the laptop", MANAGER, "Ian Taylor") == "IT"
    assert owner("PM: share the plan", "Priya Mehta", REPORT) == "PM"
    assert owner("AJ: book the course", "Anna Jacobs", REPORT) == "AJ"
    assert owner("MAS: send the deck", "Mary Ann Smith", REPORT,
                 ("Mary Ann", "")) == "Mary Ann Smith"
    assert resolve_owner("MS", "Mary Ann Smith", REPORT, ("Mary Ann", "")) == "Mary Ann Smith"


def test_family_names_as_display_names_show_them() -> None:
    """Titles, a part in brackets and post-nominals are no part of it; "Last, First" and a
    given name shown last say which words are."""
    assert family_name("Dr Alex Jones (Finance)") == "Jones"
    assert family_name("Jones, Alex") == "Jones"
    assert family_name("Anna van der Berg") == "van der Berg"
    assert family_name("Ben Okafor, PhD") == "Okafor"
    assert family_name("Zhang Wei", "Wei") == "Zhang"
    assert family_name("Alex") == family_name("Dr Khan") == ""
    assert owner("Berg: send the plan", MANAGER, "Anna van der Berg") == "Anna van der Berg"
    assert owner("van der Berg: send the plan", MANAGER,
                 "Anna van der Berg") == "Anna van der Berg"
