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


def owa_table(rows: list[list[str]]) -> str:
    """A table as Outlook on the web writes it: the text straight in each cell."""
    return ('<table style="border-collapse:collapse"><tbody>'
            + "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in row)}</tr>" for row in rows)
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
    assert "Promotion – Not before Q3 Rob to build the case" in notes
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
