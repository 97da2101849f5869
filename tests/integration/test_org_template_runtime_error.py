"""An organisation's agenda.html.j2 that parses but fails while rendering with a plain
Python error - text added to a number (TypeError), a share of no topics (ZeroDivisionError)
- is the organisation's template at fault, like a Jinja error: each meeting's agenda fails
naming the file and the line, the agendas step goes on for the other pairs, and notes are
still read back (with the built-in lines) and summarised, rather than the notes and agendas
steps dying for every pair on a bare TypeError until someone reads the worker's traceback."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.integration.test_mail import START, Scenario
from tests.integration.test_org_template_broken import with_org_templates

# Line 2 adds text to a number: every render of it raises TypeError.
ADDS_TEXT_TO_NUMBER = ("<p>{{ markers.start }}</p>\n"
                       "<p>{{ 'Meeting no. ' + agenda.meeting_number }}</p>\n"
                       "<p>{{ agenda.header }}</p>\n"
                       "<p>{{ markers.end }}</p>\n")


def test_runtime_error_in_org_template_fails_each_meeting_naming_file_and_line(
        tmp_path, settings_for) -> None:
    scenario = with_org_templates(tmp_path, settings_for(f"sqlite:///{tmp_path / 'rt.db'}"),
                                  "agenda.html.j2", ADDS_TEXT_TO_NUMBER)
    scenario.at(START)
    result = scenario.at(START + timedelta(days=5))
    assert not [s for s in result.failed_steps if s.startswith("agendas")], result.failed_steps
    assert result.agenda.failed, "no meeting reported the unusable template"
    msg = result.agenda.failed[0]
    path = str(scenario.settings.agenda.templates / "agenda.html.j2")
    assert path in msg and "line 2" in msg and "TypeError" in msg, msg


def test_notes_still_read_back_when_the_org_template_breaks_after_the_agenda(
        tmp_path, settings_for) -> None:
    """The agenda went in with a good template; the organisation's edited one fails when the
    notes are read back (their agenda is rendered again to know its lines): the notes are
    read regardless and the report gets the summary."""
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'later.db'}"))
    folder = tmp_path / "org-templates"
    folder.mkdir()
    (folder / "agenda.html.j2").write_text(ADDS_TEXT_TO_NUMBER, encoding="utf-8")
    scenario.settings = dataclasses.replace(scenario.settings, agenda=dataclasses.replace(
        scenario.settings.agenda, templates=folder))
    scenario.type_notes()
    result = scenario.after_meeting()
    assert not [s for s in result.failed_steps if s.startswith("notes")], result.failed_steps
    (summary,) = scenario.summaries()
    assert "went well" in summary["body"]["content"]
