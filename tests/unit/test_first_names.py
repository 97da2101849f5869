"""What people are called (wording.first_name): the directory's given name where the display
name shows it, else a guess from the display name that knows "Last, First" with a surname of
several words and leading titles; and the notes reader knows either of the pair by it."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.action_line import parse_action, resolve_owner
from service.domain.directory import DirectoryDelta, merge_stream
from service.domain.wording import first_name
from service.graph import wire

MEETING = date(2026, 12, 8)


@pytest.mark.parametrize(("name", "first"), [
    # "Last, First", whatever the surname's length.
    ("Okafor, Ben", "Ben"),
    ("Okafor, Ben (Sales)", "Ben"),
    ("Okafor,Ben", "Ben"),
    ("van der Berg, Anna", "Anna"),
    ("De La Cruz, María", "María"),
    ("van der Berg,Anna", "Anna"),
    ("Khan, Dr Samir", "Samir"),
    # A title before the name is no one's first name.
    ("Dr Samir Khan", "Samir"),
    ("dr. Samir Khan", "Samir"),
    ("Prof. Dr. Eva Roth", "Eva"),
    ("Mr Tom Hall", "Tom"),
    ("MRS Jane Hall", "Jane"),
    ("Ms Jo Bloggs", "Jo"),
    ("Mx Sam Lee", "Sam"),
    ("Sir Tom Jones", "Tom"),
    ("Dame Judi Dench", "Judi"),
    ("Rev Jane Doe", "Jane"),
    # What follows a comma may end the name rather than begin its first part.
    ("Ben Okafor, PhD", "Ben"),
    ("Martin King, Jr.", "Martin"),
    ("Amy Lee, MBA", "Amy"),
    # ... or names a team: several words before the comma are a name in its usual order,
    # unless a surname particle begins them or they are in capitals.
    ("Ben Okafor, Finance", "Ben"),
    ("Mary Ann Smith, HR", "Mary"),
    ("SMITH JONES, Anna", "Anna"),
    ("al Rashid, Omar", "Omar"),
    ("von Trapp, Maria", "Maria"),
    # As before.
    ("Ben Okafor", "Ben"),
    ("Okafor,", "Okafor"),
    ("Okafor, (Sales)", "Okafor"),
    ("(Contractor) Ben Okafor", "Ben"),
    ("Samir", "Samir"),
    ("Dr", "Dr"),  # a title alone is all there is
    ("Dr Khan", "Dr Khan"),  # a title and a surname: called by both
    ("Mr. Hall", "Mr. Hall"),
    ("张伟", "张伟"),
    ("", ""),
])
def test_the_display_names_guess(name: str, first: str) -> None:
    """Without a given name: the first word after any titles, or after the comma of "Last,
    First" (a surname of several words too); a name ending in a post-nominal is in its
    usual order."""
    assert first_name(name) == first
    assert first_name(name, "") == first


@pytest.mark.parametrize(("name", "given", "first"), [
    ("van der Berg, Anna", "Anna", "Anna"),
    ("Zhang Wei", "Wei", "Wei"),  # the family name first: only givenName can tell
    ("SMITH John (NHS ENGLAND)", "John", "John"),
    ("Mary Ann Smith", "Mary Ann", "Mary Ann"),
    ("Dr Samir Khan", " Samir ", "Samir"),
    ("SMITH, JOHN", "John", "John"),
    ("Samir Khan", "SAMIR", "Samir"),  # written as the display name writes it
    ("anna berg", "Anna", "Anna"),  # ... unless that is all small letters or capitals
    ("anna berg", "anna", "anna"),
    # A given name the display name does not show is often the legal one: the name shown
    # is what they go by.
    ("Bob Smith", "Robert", "Bob"),
    ("Anna Smith", "Ann", "Anna"),  # a whole word only
    ("Dr Samir Khan", "   ", "Samir"),
    ("Dr Samir Khan", "Sam(", "Samir"),  # a regular expression's characters are text
])
def test_the_given_name_where_the_display_name_shows_it(name: str, given: str,
                                                        first: str) -> None:
    assert first_name(name, given) == first


def test_an_action_for_either_ones_first_name_is_theirs() -> None:
    """"Anna: share the slides" is the manager's when she is "van der Berg, Anna", and
    "Samir" is the report's beside another "Dr": neither is left to someone outside the
    pair (the owner's full name is kept, not the word typed)."""
    manager, report = "van der Berg, Anna", "Dr Samir Khan"
    assert resolve_owner("Anna", manager, report) == manager
    assert resolve_owner("samir", manager, report) == report
    assert resolve_owner("Samir", "Dr Sarah Jones", "Dr Samir Khan") == "Dr Samir Khan"
    assert resolve_owner("Dr", "Dr Sarah Jones", "Dr Samir Khan") is None
    action = parse_action("Anna: share the slides by Friday", meeting_date=MEETING,
                          manager_name=manager, report_name=report)
    assert action is not None and action.owner == manager


def test_the_given_names_say_who_is_who() -> None:
    """With the pair's given names: "Wei" is Zhang Wei (and "Zhang", then his family name),
    and a given name not shown in the display name ("Robert" for "Bob Smith") is theirs as
    well as the name shown, unless it is the name the other is shown by; a name both go by
    is only told apart by a full name."""
    given = ("Robert", "Wei")
    assert resolve_owner("Wei", "Bob Smith", "Zhang Wei", given) == "Zhang Wei"
    assert resolve_owner("Zhang", "Bob Smith", "Zhang Wei", given) == "Zhang Wei"
    assert resolve_owner("Robert", "Bob Smith", "Zhang Wei", given) == "Bob Smith"
    assert resolve_owner("Bob", "Bob Smith", "Zhang Wei", given) == "Bob Smith"
    # The name the agenda calls someone wins over the other's given name it doesn't show.
    assert resolve_owner("Sam", "Sam Taylor", "Samuel Lee", ("", "Sam")) == "Sam Taylor"
    assert resolve_owner("Sam", "Sam Taylor", "Sam Lee", ("", "")) is None  # both shown
    assert resolve_owner("Samuel", "Sam Taylor", "Samuel Lee", ("", "Sam")) == "Samuel Lee"
    action = parse_action("Wei: send the plan", meeting_date=MEETING,
                          manager_name="Bob Smith", report_name="Zhang Wei",
                          given_names=given)
    assert action is not None and action.owner == "Zhang Wei"


def test_graph_s_given_name_is_read_and_kept_whatever_it_holds() -> None:
    """givenName from a /users read and from users/delta, as the directory's copy keeps
    it: spaces made single, cut to Entra's 64 characters, and anything not text (or
    null, none set) read as none."""
    base = {"id": "u1", "displayName": "Zhang Wei", "mail": "wei@contoso.example"}
    assert "givenName" in wire.USER_FIELDS.split(",")
    assert wire.user({**base, "givenName": " Wei "}, None).given_name == "Wei"
    assert wire.user({**base, "givenName": None}, None).given_name == ""
    assert wire.user(base, None).given_name == ""
    assert wire.user({**base, "givenName": ["Wei"]}, None).given_name == ""
    assert wire.user({**base, "givenName": "Mary \n Ann"}, None).given_name == "Mary Ann"
    assert len(wire.user({**base, "givenName": "x" * 500}, None).given_name) == 64
    change = wire.user_change({**base, "givenName": "Wei"})
    merged = merge_stream([], DirectoryDelta([change], "link", full=True))
    assert merged.users[0].given_name == "Wei"
    assert merged.after["u1"]["given_name"] == "Wei"
