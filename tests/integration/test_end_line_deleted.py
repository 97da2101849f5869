"""The manager deleted the agenda's end line while typing: the block then runs on to the
Teams separator, over the series' own text below it ("Your regular 1-2-1 · …", "Scheduled
by onetoone …"). That text is ours: it is not stored as notes nor mailed to the report as
the manager's, and what the manager typed is read as ever."""

from __future__ import annotations

import pytest

from service.domain.body import END
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'end-deleted.db'}"))


def test_series_text_is_not_read_as_notes(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Went well."],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    at = html.index(END)
    html = html[:html.rindex("<p", 0, at)] + html[html.index("</p>", at) + len("</p>"):]
    assert END not in html and "Scheduled by onetoone" in html
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == ["Went well."]
    assert [(a.owner, a.text) for a in scenario.store.actions(scenario.rob.pairing.id)] == [
        ("Rob Report", "send the plan")]
    (summary,) = scenario.summaries()
    assert "Scheduled by onetoone" not in summary["body"]["content"]
    assert "Your regular 1-2-1" not in summary["body"]["content"]
