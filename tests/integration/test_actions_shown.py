"""An agenda lists at most ``[agenda] actions_shown`` open actions (the newest), so a pair
whose actions are never ticked does not get an invite that only grows. The older ones stay
open (the line saying so is never read as a note), and move up as the listed ones are done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'shown.db'}"))


def open_actions(scenario: Scenario) -> list[str]:
    return [a.text for a in scenario.store.actions(scenario.rob.pairing.id)
            if a.status == "open"]


def meeting(scenario: Scenario, n: int):
    """The pair's nth meeting (0: the first), once its agenda is in: a run each day."""
    at = scenario.occ.end
    while True:
        at += timedelta(days=1)
        scenario.at(at)
        occs = scenario.store.pairing_occurrences(scenario.rob.pairing.id)
        if len(occs) > n and occs[n].agenda_state == "injected":
            return occs[n]


def body_text(scenario: Scenario, occ) -> str:
    return html_to_text(scenario.tenant.person_body(MIA, occ.event_id))


def test_only_the_newest_open_actions_are_listed_and_the_rest_come_back(
        scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Busy quarter."],
                 [f"Rob: task {n:02d} by 20 Dec" for n in range(1, 16)], tick_all=False)
    scenario.after_meeting()
    assert len(open_actions(scenario)) == 15
    second = meeting(scenario, 1)
    text = body_text(scenario, second)
    listed = [n for n in range(1, 16) if f"task {n:02d}" in text]
    assert listed == list(range(4, 16))  # the newest twelve
    flat = " ".join(text.split())
    assert ("+ 3 older open actions, raised 1 Dec 2026 or before, not listed here to keep "
            "the agenda short.") in flat, flat[flat.find("task 15"):][:300]
    # Mia ticks everything listed and types a note: the three left out stay open, and the
    # line about them is not a note of hers.
    person_types(scenario.tenant, second, ["All twelve done."], [], tick_all=True)
    scenario.at(second.end + timedelta(hours=1))
    assert open_actions(scenario) == ["task 01", "task 02", "task 03"]
    notes = scenario.store.notes(second.id)
    assert [n.text for n in notes] == ["All twelve done."]
    third = meeting(scenario, 2)
    text = body_text(scenario, third)
    assert [n for n in range(1, 16) if f"task {n:02d}" in text] == [1, 2, 3]
    assert "older open action" not in text
