"""Words struck through inside a line (Outlook's strikethrough button on part of a note or
an action) reach the report's summary struck through, as the manager left them: not as the
"~~" the read-back marks them with, and never as markup from the text itself."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'struck.db'}"))


def test_words_struck_in_a_note_and_an_action_stay_struck_in_the_summary(
        scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["We looked at MOVE_A the options <b>x</b>"],
                 ["Rob: send the plan MOVE_B by 20 Dec"], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    html = html.replace("MOVE_A", "<s>the Leeds move</s>", 1)
    html = html.replace("MOVE_B", '<span style="text-decoration:line-through">to HR</span>', 1)
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    [summary] = scenario.summaries()
    body = summary["body"]["content"]
    assert "~~" not in body, re.findall(r".{40}~~.{40}", body)
    assert "We looked at <s>the Leeds move</s> the options &lt;b&gt;x&lt;/b&gt;" in body
    assert "send the plan <s>to HR</s>" in body
    # What is stored is what the manager typed, strike marks and all.
    [action] = scenario.store.actions(scenario.rob.pairing.id)
    assert action.text == "send the plan ~~to HR~~" and action.status == "open"
