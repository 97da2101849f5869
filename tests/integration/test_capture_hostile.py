"""Read-back through the capture job, end to end, of notes a manager made hard to read: a
pasted earlier invite (marker lines and all), a display name changed after the agenda went
in, note lines shaped like the agenda's, labels in front of lines. What is stored, and what
the summary mails, is what the manager wrote at this meeting."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

import pytest

from service.domain.body import END, START, block_text
from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def summary_text(scenario: Scenario, when: str) -> str:
    (mail,) = [m for m in scenario.summaries() if when in m["subject"]]
    return html_to_text(mail["body"]["content"])


def actions(scenario: Scenario) -> list[tuple[str, str, date | None, str]]:
    return sorted((a.owner, a.text, a.due, a.status)
                  for a in scenario.store.actions(scenario.rob.pairing.id))


def test_pasted_invite_keeps_this_meetings_notes_and_adds_no_old_action(
        scenario: Scenario) -> None:
    first = scenario.occ
    person_types(scenario.tenant, first, ["First meeting notes."],
                 ["Rob: send the plan by 20 Dec", "Mia: book the room by 20 Dec"], tick_all=False)
    scenario.after_meeting()
    scenario.at(first.start + timedelta(days=34))  # the next meeting's agenda goes in
    second = next(o for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)
                  if o.start > first.start)
    copied = block_text(html_to_text(scenario.tenant.person_body(MIA, first.event_id)))
    assert copied is not None
    # Mia pastes the old invite's agenda into Notes, types a note and an action, ticks #1.
    html = scenario.tenant.person_body(MIA, second.event_id)
    html = html.replace("[ ] Rob Report – send the plan", "[x] Rob Report – send the plan", 1)
    scenario.tenant.person_edit_body(MIA, second.event_id, html)
    person_types(scenario.tenant, second,
                 ["Pasted from last time for reference:", START, *copied.splitlines(), END,
                  "Today: good progress."], ["Rob: draft the Q1 budget by 29 Jan"],
                 tick_all=False)
    scenario.at(second.end + timedelta(hours=1))

    assert actions(scenario) == [
        ("Mia Manager", "book the room", date(2026, 12, 20), "open"),
        ("Rob Report", "draft the Q1 budget", date(2027, 1, 29), "open"),
        ("Rob Report", "send the plan", date(2026, 12, 20), "done"),
    ]
    kept = [n.text for n in scenario.store.notes(second.id)]
    assert kept[0] == "Pasted from last time for reference:"
    assert kept[-1] == "Today: good progress."
    summary = summary_text(scenario, "5 Jan 2027")
    assert "Today: good progress." in summary and "draft the Q1 budget" in summary
    assert "2027-12-20" not in summary and "20 Dec 2027" not in summary
    assert "This is Rob's time" not in summary and "onetoone agenda" not in summary


def test_display_name_changed_after_the_agenda_went_in(scenario: Scenario) -> None:
    """Rob became Robert in the directory between the agenda and the read-back: the
    agenda's prompts are still its own, and "For example" owns nothing."""
    rob = scenario.tenant.user("rob@contoso.example")
    rob["displayName"], rob["givenName"] = "Robert Report", "Robert"
    person_types(scenario.tenant, scenario.occ, ["Good meeting."], [], tick_all=False)
    scenario.after_meeting()
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == ["Good meeting."]
    assert actions(scenario) == []


def test_note_lines_shaped_like_ours_and_labelled_lines_are_kept(scenario: Scenario) -> None:
    notes = ["Finance added: “no new hires until March”",
             "Noise complaint — Facilities, raised 14 Nov 2026", "2 of 3 topics are Rob's"]
    labelled = ["Note: the room is booked", "FYI: HR has the form"]
    person_types(scenario.tenant, scenario.occ, notes, [*labelled, "Rob: send the plan"],
                 tick_all=False)
    scenario.after_meeting()
    kept = [n.text for n in scenario.store.notes(scenario.occ.id)]
    assert kept == [*notes, *labelled]
    assert [(o, t) for o, t, _d, _s in actions(scenario)] == [("Rob Report", "send the plan")]
    summary = summary_text(scenario, "1 Dec 2026")
    assert all(escape(line) in summary or line in summary for line in notes)
