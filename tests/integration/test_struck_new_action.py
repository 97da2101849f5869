"""A new action struck through in Outlook (its strikethrough button: <s>, or a
line-through style) is read as the manager marking it done, as it is for a carried action -
never as a new action owned by "~~Rob" with its due date lost."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'struck.db'}"))


def actions(scenario: Scenario) -> list[tuple[str, str, date | None, str]]:
    return sorted((a.owner, a.text, a.due, a.status)
                  for a in scenario.store.actions(scenario.rob.pairing.id))


def test_a_new_action_struck_through_the_next_day_is_done(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Went well."],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    scenario.after_meeting()
    assert actions(scenario) == [("Rob Report", "send the plan", date(2026, 12, 20), "open")]
    # The next morning Rob has sent it: Mia strikes the line through in Outlook.
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = html.replace("Rob: send the plan by 20 Dec",
                        "<s>Rob: send the plan by 20 Dec</s>", 1)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    for hours in (30, 24 * 8 + 2, 24 * 9 + 2):  # the re-reads, up to the last one
        scenario.after_meeting(hours=hours)
    assert actions(scenario) == [("Rob Report", "send the plan", date(2026, 12, 20), "done")]


def test_a_new_action_typed_struck_through_is_agreed_and_done(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Went well."], [], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + (
        '<p style="margin:0;"><span style="text-decoration:line-through">'
        'Mia: book the room by 20 Dec</span></p>'), html)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    assert actions(scenario) == [("Mia Manager", "book the room", date(2026, 12, 20), "done")]
