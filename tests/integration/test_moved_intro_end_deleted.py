"""A series booked anew (or PATCHed) after a clash carries a "New time: …" line in
its intro (intro.html.j2 moved_why). With the agenda's end line deleted, that line is the
series' own text too, yet it is read as the manager's note and mailed in the summary."""

from __future__ import annotations

import pytest

from service.domain.body import END
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
WHY = ("the old time clashed with another of your 1-2-1s, so onetoone moved this series "
       "to a time that is free for both of you.")


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'end-deleted.db'}"))


def test_moved_note_is_not_read_as_notes(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Went well."], [], tick_all=False)
    html = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    at = html.index(END)
    html = html[:html.rindex("<p", 0, at)] + html[html.index("</p>", at) + len("</p>"):]
    # The invite as series_create/_patch_move write it after a clash (intro.html.j2).
    i = html.rindex("<p", 0, html.index("Your regular 1-2-1"))
    html = (html[:i] + f'<p style="margin:0 0 8px 0;"><b>New time:</b> {WHY}</p>\n'
            + html[i:])
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, html)
    scenario.after_meeting()
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == ["Went well."]
    assert [(a.owner, a.text) for a in scenario.store.actions(scenario.rob.pairing.id)] == []
    (summary,) = scenario.summaries()
    assert "New time" not in summary["body"]["content"]
