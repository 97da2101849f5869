"""The whole agenda block copied a second time, below the Teams join block (the manager
pasted the invite's agenda at the bottom of the body): the Teams block between our END
line and the copy is not the manager's Actions agreed, so "Meeting ID: 266 592 772 918" never
becomes an action owned by "Meeting ID", mailed to both and carried to every agenda."""

from __future__ import annotations

import pytest

from service.domain.body import END, START
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'twice.db'}"))


def test_teams_block_between_two_copies_adds_no_action(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Went well."], [], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    assert "Meeting ID:" in html and html.count(START) == 1
    # Our block, from its wrapper to the END line's paragraph, pasted again at the bottom.
    begin = html.index("<div", html.index("<body"))
    end = html.index("</div>", html.index(END)) + len("</div>")
    html = html.replace("</body>", html[begin:end] + "</body>")
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    got = [(a.owner, a.text) for a in scenario.store.actions(scenario.rob.pairing.id)]
    assert got == []
    assert next(n.text for n in scenario.store.notes(scenario.occ.id)) == "Went well."
