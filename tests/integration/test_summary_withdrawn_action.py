"""An action line the manager deleted (or edited) after it was read back is withdrawn: it
leaves the agendas and the open actions. A summary built after that (summaries switched on
after the meeting, or queued late) must not list it among the actions agreed: the report
would be mailed an action their manager took back."""

from __future__ import annotations

import dataclasses
from html import escape

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    settings = settings_for(f"sqlite:///{tmp_path / 'mail.db'}")
    return Scenario(dataclasses.replace(
        settings, mail=dataclasses.replace(settings.mail, summaries=False)))


def test_a_withdrawn_action_is_not_in_a_later_summary(scenario: Scenario) -> None:
    occ = scenario.occ
    person_types(scenario.tenant, occ, ["Went well."],
                 ["Rob: send the plan by 20 Dec", "Mia: book the room by 20 Dec"],
                 tick_all=False)
    scenario.after_meeting()
    # That day Mia deletes the second action line: it is withdrawn at the re-read.
    html = scenario.tenant.person_body(MIA, occ.event_id)
    line = f'<p style="margin:0;">{escape("Mia: book the room by 20 Dec")}</p>'
    assert line in html
    scenario.tenant.person_edit_body(MIA, occ.event_id, html.replace(line, ""))
    for hours in range(6, 24 * 8, 6):  # its re-reads (the last: recapture_days after it)
        scenario.after_meeting(hours=hours)
    by_text = {a.text: a.status for a in scenario.store.actions(scenario.rob.pairing.id)}
    assert by_text == {"send the plan": "open", "book the room": "withdrawn"}
    # Summaries are switched on: the meeting's summary goes now, within its look-back.
    scenario.settings = dataclasses.replace(
        scenario.settings, mail=dataclasses.replace(scenario.settings.mail, summaries=True))
    scenario.after_meeting(hours=24 * 8 + 1)
    (mail,) = scenario.summaries()
    text = html_to_text(mail["body"]["content"])
    assert "send the plan" in text
    assert "book the room" not in text, text
