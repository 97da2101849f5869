"""Edits a manager makes to the notes after the first read-back: the body stays the truth
for the actions raised in that meeting (no second copy of an edited or ticked action)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from html import escape
from typing import Any

import pytest

from service.domain.notes import action_fingerprint
from service.domain.readback import LAST_WAIT, RECHECK, SUMMARY_OUT_WAIT, day_after_deadline
from service.domain.series import next_agenda_due
from service.domain.status import OccurrenceStatus
from tests.integration.test_mail import Scenario

# Hours after the meeting by which its notes have been read again, with no calendar read
# to vouch for them: the day-after read of a meeting whose summary is out waits that long
# for one (a weekly 1-2-1's: a monthly one's waits for the last read), and the last read
# (after the recapture window's seven days) likewise.
LAST_READ = (timedelta(days=7) + LAST_WAIT) // timedelta(hours=1)


def weekly(settings_for: Any, db: str) -> Scenario:
    """The scenario with weekly 1-2-1s, whose day-after read comes before the last one."""
    return Scenario(settings_for(db, default_cadence="weekly"))


def next_read(scenario: Scenario) -> int:
    """Hours after the meeting by which its day-after re-read has been made on its own."""
    occ = replace(scenario.occ, status=OccurrenceStatus.HELD)
    series, view = scenario.store.occurrence_contexts([occ])[occ.id]
    due = next_agenda_due(series, occ, working_days=frozenset(view.manager.working_days or
                                                              range(5)),
                          lead_working_days=scenario.settings.agenda.lead_working_days)
    wait = day_after_deadline(occ, timedelta(days=7), due) - occ.end
    assert RECHECK + SUMMARY_OUT_WAIT <= wait < timedelta(days=7)  # before the last read
    return -(-wait // timedelta(hours=1)) + 1


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return weekly(settings_for, f"sqlite:///{tmp_path / 'edits.db'}")


def set_actions(scenario: Scenario, lines: list[str]) -> None:
    """Mia types actions into the Actions agreed area of the occurrence in Outlook."""
    html = scenario.tenant.person_body("mia@contoso.example", scenario.occ.event_id)
    paras = "".join(f'<p style="margin:0;">{escape(line)}</p>' for line in lines)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras, html)
    scenario.tenant.person_edit_body("mia@contoso.example", scenario.occ.event_id, html)


def edit(scenario: Scenario, old: str, new: str) -> None:
    """Mia changes a line she typed earlier."""
    html = scenario.tenant.person_body("mia@contoso.example", scenario.occ.event_id)
    assert escape(old) in html
    scenario.tenant.person_edit_body("mia@contoso.example", scenario.occ.event_id,
                                     html.replace(escape(old), escape(new)))


def actions(scenario: Scenario) -> list[tuple[str, str]]:
    return sorted((a.text, a.status) for a in scenario.store.actions(scenario.rob.pairing.id))


def test_ticking_an_action_the_next_day_closes_it_without_a_copy(scenario: Scenario) -> None:
    set_actions(scenario, ["[ ] Rob: send the plan by 20 Dec"])
    scenario.after_meeting()
    assert actions(scenario) == [("send the plan", "open")]
    edit(scenario, "[ ] Rob: send", "[x] Rob: send")
    scenario.after_meeting(hours=next_read(scenario))  # the read after the next day's
    assert actions(scenario) == [("send the plan", "done")]
    assert scenario.store.open_actions(scenario.rob.pairing.id) == []


def test_an_edited_action_replaces_the_first_version(scenario: Scenario) -> None:
    set_actions(scenario, ["Rob: send the plna by 20 Dec", "Mia: book the course"])
    scenario.after_meeting()
    edit(scenario, "the plna", "the plan")
    scenario.after_meeting(hours=next_read(scenario))
    assert actions(scenario) == [("book the course", "open"), ("send the plan", "open"),
                                 ("send the plna", "withdrawn")]
    assert sorted(a.text for a in scenario.store.open_actions(scenario.rob.pairing.id)) == [
        "book the course", "send the plan"]
    (summary,) = scenario.summaries()  # sent once, after the first read
    assert "send the plna" in summary["body"]["content"]


def test_cli_actions_survive_a_re_read_of_the_outlook_notes(scenario: Scenario) -> None:
    """An action added with `notes add` for that meeting is not in the body, yet stays."""
    scenario.type_notes()
    scenario.after_meeting()
    scenario.store.add_action(pairing_id=scenario.rob.pairing.id, occurrence_id=scenario.occ.id,
                              owner="Mia Manager", text="check the budget", due=None,
                              raised_on=scenario.occ.start.date(),
                              fingerprint=action_fingerprint("Mia Manager", "check the budget",
                                                             None, source="cli"),
                              now=scenario.occ.end + timedelta(hours=2))
    edit(scenario, "by 20 Dec", "by 21 Dec")
    scenario.after_meeting(hours=next_read(scenario))
    assert ("check the budget", "open") in actions(scenario)


def test_action_fingerprint_ignores_bullets_ticks_case_and_spacing() -> None:
    from datetime import date

    a = action_fingerprint("Rob Report", "Send  the plan", date(2026, 12, 20))
    assert a == action_fingerprint("rob report", "send the plan ", date(2026, 12, 20))
    assert a != action_fingerprint("Rob Report", "send the plan", None)
    assert a != action_fingerprint("Rob Report", "Send the plan", date(2026, 12, 20),
                                   source="cli")


def test_an_action_edited_back_is_open_again(scenario: Scenario) -> None:
    set_actions(scenario, ["Rob: send the plan by 20 Dec"])
    scenario.after_meeting()
    edit(scenario, "the plan", "the budget")
    scenario.after_meeting(hours=next_read(scenario))
    edit(scenario, "the budget", "the plan")
    # The last read of the recapture window (which waits up to LAST_WAIT for a calendar
    # read to vouch for it, then is made on its own).
    scenario.after_meeting(hours=LAST_READ)
    assert actions(scenario) == [("send the budget", "withdrawn"), ("send the plan", "open")]


def test_text_the_parser_cannot_read_withdraws_nothing(scenario: Scenario, monkeypatch) -> None:
    """If parsing fails, every line is kept as a note; that says nothing about actions."""
    import service.domain.notes as notes

    set_actions(scenario, ["Rob: send the plan by 20 Dec"])
    scenario.after_meeting()
    edit(scenario, "the plan", "the whole plan")

    def broken(*_args, **_kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(notes, "_parse", broken)
    scenario.after_meeting(hours=next_read(scenario))
    assert actions(scenario) == [("send the plan", "open")]
    kept = "\n".join(n.text for n in scenario.store.notes(scenario.occ.id))
    assert "Rob: send the whole plan by 20 Dec" in kept  # nothing typed is lost


@pytest.mark.parametrize("tick", ["✓ ", "☑ ", "x ", "DONE "])
def test_a_carried_action_ticked_another_way_stays_that_actions_line_on_a_re_read(
        scenario: Scenario, tick: str) -> None:
    """A carried action ticked with a glyph, an "x" or a word in place of its box is closed
    at the first read; a re-read after Mia adds a note knows the line for that action's (it
    is closed now), not for a note of hers."""
    store, pairing = scenario.store, scenario.rob.pairing.id
    start = scenario.tenant.now()
    store.add_action(pairing_id=pairing, occurrence_id=None, owner="Rob Report",
                     text="send the plan", due=None, raised_on=start.date() - timedelta(days=30),
                     fingerprint=action_fingerprint("Rob Report", "send the plan", None),
                     now=start)
    aid = store.open_actions(pairing)[0].id
    store.add_topic(pairing, "Training budget", "report", start.date(), start)
    scenario.at(start + timedelta(hours=1))  # the agenda is written again, carrying it
    html = scenario.tenant.person_body("mia@contoso.example", scenario.occ.event_id)
    line = re.search(r"\[ \] ([^<]*\(#" + str(aid) + r"\))", html)
    assert line is not None
    html = html.replace(line.group(0), tick + line.group(1))
    scenario.tenant.person_edit_body("mia@contoso.example", scenario.occ.event_id, html)
    set_actions(scenario, ["Mia: book the room by 20 Dec"])
    scenario.after_meeting()
    assert store.open_actions(pairing)[0].text == "book the room"
    assert [a.status for a in store.actions(pairing) if a.id == aid] == ["done"]
    first = [n.text for n in store.notes(scenario.occ.id)]
    edit(scenario, "Mia: book the room by 20 Dec", "Mia: book the room by 21 Dec")
    scenario.after_meeting(hours=next_read(scenario))
    notes = [n.text for n in store.notes(scenario.occ.id)]
    assert not [n for n in notes if f"#{aid}" in n] and notes == first
    assert [a.status for a in store.actions(pairing) if a.id == aid] == ["done"]
