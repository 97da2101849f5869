"""A table typed into the invite (Insert > Table in Outlook desktop, whose cells each hold a
<p class=MsoNormal>, or OWA's, whose cells hold the text alone) is read a row at a time:
under Actions agreed each row is an action, its columns named by the header row, and in the
Notes each row is one note, its topic beside what was said."""

from __future__ import annotations

import re
from datetime import date

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


def word_table(rows: list[list[str]]) -> str:
    """A table as Outlook desktop (Word) writes it."""
    def cell(text: str) -> str:
        paras = "".join(f"<p class=MsoNormal>{t}<o:p></o:p></p>" for t in text.split("\n"))
        return f'<td width=200 valign=top style="border:solid windowtext 1.0pt">{paras}</td>'
    return ("<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 "
            'style="border-collapse:collapse;border:none"><tbody>'
            + "".join(f"<tr>{''.join(cell(c) for c in row)}</tr>" for row in rows)
            + "</tbody></table>")


def td(text: str) -> str:
    return "<td>" + text.replace("\n", "<br>") + "</td>"


def owa_table(rows: list[list[str]]) -> str:
    """A table as Outlook on the web writes it: the text straight in each cell, a line break
    in it as <br>."""
    return ('<table style="border-collapse:collapse"><tbody>'
            + "".join(f"<tr>{''.join(td(c) for c in row)}</tr>" for row in rows)
            + "</tbody></table>")


def type_tables(scenario: Scenario, notes: str, actions: str) -> None:
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + notes, html)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + actions, html)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'tables.db'}"))


def actions(scenario: Scenario) -> list[tuple[str, str, date | None, str]]:
    return sorted((a.owner, a.text, a.due, a.status)
                  for a in scenario.store.actions(scenario.rob.pairing.id))


@pytest.mark.parametrize("table", [word_table, owa_table])
def test_a_table_of_actions_and_one_of_notes(scenario: Scenario, table) -> None:
    """Each row is one action or one note; the header row is neither."""
    type_tables(
        scenario,
        notes=table([["Topic", "Discussion"],
                     ["Promotion", "Not before Q3\nRob to build the case"],
                     ["Workload", "Fine"]]),
        actions=table([["What", "Who", "When"],
                       ["Send the Q1 plan", "Rob", "4 Dec 2026"],
                       ["Book the room", "Mia", "—"],
                       ["Confirm the dates", "Jo from HR", "ASAP"]]))
    scenario.after_meeting()
    assert actions(scenario) == [
        ("Jo from HR", "Confirm the dates – ASAP", None, "open"),
        ("Mia Manager", "Book the room", None, "open"),
        ("Rob Report", "Send the Q1 plan", date(2026, 12, 4), "open")]
    text = html_to_text(scenario.summaries()[0]["body"]["content"])
    notes = text.split("Actions agreed")[0]
    assert "Topic – Discussion" in notes
    assert "Promotion – Not before Q3; Rob to build the case" in notes  # two paragraphs
    assert "Workload – Fine" in notes
    assert "What – Who – When" not in text
    assert "Rob Report\tSend the Q1 plan\t4 Dec 2026" in text


@pytest.mark.parametrize("table", [word_table, owa_table])
def test_a_table_without_a_header_and_a_done_column(scenario: Scenario, table) -> None:
    """With no header the row reads as its line ("Rob | send the plan | Friday", task
    first too); a ticked box in a column of its own makes the action agreed and done."""
    type_tables(scenario, notes="", actions=table([
        ["Rob", "send the plan", "Friday", ""],
        ["Update the wiki", "Mia", "", "☑"],
        ["Send the forecast", "", "Friday", ""]]))
    scenario.after_meeting()
    assert actions(scenario) == [
        ("Mia Manager", "Update the wiki", None, "done"),
        ("Rob Report", "send the plan", date(2026, 12, 4), "open")]
    text = html_to_text(scenario.summaries()[0]["body"]["content"])
    assert "Send the forecast – Friday" in text.split("Actions agreed")[0]  # no owner: a note
    assert "Mia Manager\tUpdate the wiki\t✓ done" in text


@pytest.mark.parametrize(("head", "row", "expected"), [
    (["Who", "What", "When", "Notes"], ["Rob", "Send the Q1 plan", "4 Dec 2026",
                                        "waiting on finance"],
     "Send the Q1 plan – waiting on finance"),
    (["Name", "Action", "Date"], ["Rob", "Send the Q1 plan", "4 Dec 2026"],
     "Send the Q1 plan"),
    (["Owner", "Action", "Due", "Comments"], ["Rob", "Send the Q1 plan", "4 Dec 2026",
                                              "waiting on finance"],
     "Send the Q1 plan – waiting on finance"),
    (["#", "Action", "Owner", "Due"], ["1", "Send the Q1 plan", "Rob", "4 Dec 2026"],
     "Send the Q1 plan"),
])
def test_a_header_with_a_column_of_its_own_is_still_the_header(
        scenario: Scenario, head: list[str], row: list[str], expected: str) -> None:
    """A header row with a column the parser has no role for (Notes, Comments, #) or with
    Name for Who is no action owned by "Who"/"Name"/"Owner"; the rows under it keep their
    due dates, and what the extra column says stays with the action."""
    type_tables(scenario, notes="", actions=word_table([head, row]))
    scenario.after_meeting()
    assert actions(scenario) == [("Rob Report", expected, date(2026, 12, 4), "open")]
    text = html_to_text(scenario.summaries()[0]["body"]["content"])
    agreed = text.split("Actions agreed")[1].split("Next time")[0]
    assert [line for line in agreed.split("\r\n") if line.strip()] == [
        "Who\tWhat\tBy when", f"Rob Report\t{expected}\t4 Dec 2026"]  # the summary's header
    assert " – ".join(head[1:]) not in text  # nor a note


def test_two_actions_one_under_the_other_in_a_cell_are_two(scenario: Scenario) -> None:
    """Two paragraphs in the What cell are two actions, each the row's owner and date (a
    line starting in lower case under one that does not goes on it); a Who cell of as many
    names gives each its own."""
    type_tables(scenario, notes="", actions=word_table([
        ["Who", "What", "When"],
        ["Rob", "Send the Q1 plan\nBook the training course", "Friday"],
        ["Mia\nRob", "Book the room\nPrepare the demo", "11 Dec 2026"],
        ["Mia", "Check the budget\nwith finance first", ""]]))
    scenario.after_meeting()
    assert actions(scenario) == [
        ("Mia Manager", "Book the room", date(2026, 12, 11), "open"),
        ("Mia Manager", "Check the budget with finance first", None, "open"),
        ("Rob Report", "Book the training course", date(2026, 12, 4), "open"),
        ("Rob Report", "Prepare the demo", date(2026, 12, 11), "open"),
        ("Rob Report", "Send the Q1 plan", date(2026, 12, 4), "open")]
    text = html_to_text(scenario.summaries()[0]["body"]["content"])
    assert "Send the Q1 plan Book" not in text


@pytest.mark.parametrize("table", [word_table, owa_table])
def test_a_table_of_notes_under_actions_agreed_owns_nothing(scenario: Scenario,
                                                             table) -> None:
    """A "Topic | Notes" table typed under Actions agreed is notes: its rows' first words
    ("Promotion") were taken for owners and carried on every agenda as actions."""
    type_tables(
        scenario, notes="",
        actions=table([["Topic", "Notes"],
                       ["Promotion", "Alex to send evidence"],
                       ["Budget", "Waiting on finance\nAsk again in January"]]))
    scenario.after_meeting()
    assert actions(scenario) == []
    text = html_to_text(scenario.summaries()[0]["body"]["content"])
    assert "Promotion – Alex to send evidence" in text
    assert "Budget – Waiting on finance; Ask again in January" in text
