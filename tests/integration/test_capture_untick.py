"""A manager who ticked the wrong action in the meeting and takes the tick off the next day
(the line left in, unticked): the re-read opens it again. The body is the truth for what
was closed at that meeting, as it is for the actions agreed there: otherwise the action
is done for good, and never on an agenda again, though nobody did it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.domain.notes import action_fingerprint
from tests.integration.test_capture_edits import next_read, set_actions, weekly
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return weekly(settings_for, f"sqlite:///{tmp_path / 'untick.db'}")


def carried(scenario: Scenario, text: str) -> int:
    """An open action from an earlier meeting, on this meeting's agenda (the agenda is
    written again, carrying it, as a topic comes in). Its id."""
    store, pairing = scenario.store, scenario.rob.pairing.id
    start = scenario.tenant.now()
    store.add_action(pairing_id=pairing, occurrence_id=None, owner="Rob Report", text=text,
                     due=None, raised_on=start.date() - timedelta(days=30),
                     fingerprint=action_fingerprint("Rob Report", text, None), now=start)
    (aid,) = [a.id for a in store.open_actions(pairing) if a.text == text]
    return aid


def set_tick(scenario: Scenario, aid: int, box: str) -> None:
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    line = re.search(r"\[[ x]\] ([^<]*\(#" + str(aid) + r"\))", html)
    assert line is not None
    html = html.replace(line.group(0), f"{box} {line.group(1)}")
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)


def status(scenario: Scenario, aid: int) -> str:
    return next(a.status for a in scenario.store.actions(scenario.rob.pairing.id)
                if a.id == aid)


def test_a_tick_taken_off_the_next_day_opens_the_action_again(scenario: Scenario) -> None:
    plan, deck = carried(scenario, "send the plan"), carried(scenario, "share the deck")
    scenario.store.add_topic(scenario.rob.pairing.id, "Training budget", "report",
                             scenario.tenant.now().date(), scenario.tenant.now())
    scenario.at(scenario.tenant.now() + timedelta(hours=1))  # the agenda carries both
    set_tick(scenario, plan, "[x]")  # the wrong one
    set_actions(scenario, ["Mia: book the room by 20 Dec"])
    scenario.after_meeting()
    assert (status(scenario, plan), status(scenario, deck)) == ("done", "open")

    set_tick(scenario, plan, "[ ]")  # the next day: not that one,
    set_tick(scenario, deck, "[x]")  # this one
    scenario.after_meeting(hours=next_read(scenario))
    assert (status(scenario, plan), status(scenario, deck)) == ("open", "done")
    assert "send the plan" in [a.text for a in scenario.store.open_actions(
        scenario.rob.pairing.id)]


def test_an_action_agreed_as_done_then_unticked_is_open_again(scenario: Scenario) -> None:
    """Typed as agreed and already done ("[x] Rob: …"), then the tick taken off the next
    day: it is not done after all."""
    set_actions(scenario, ["[x] Rob: send the plan by 20 Dec"])
    scenario.after_meeting()
    assert [(a.text, a.status) for a in scenario.store.actions(scenario.rob.pairing.id)] == [
        ("send the plan", "done")]
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id,
                                     html.replace("[x] Rob: send", "[ ] Rob: send"))
    scenario.after_meeting(hours=next_read(scenario))
    assert [(a.text, a.status) for a in scenario.store.actions(scenario.rob.pairing.id)] == [
        ("send the plan", "open")]
