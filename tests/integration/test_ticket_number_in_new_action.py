"""A new action typed in the documented form ("[ ] Alex – book the course – 2026-12-12",
Outlook turning " - " into " – " as it autocorrects) that mentions a ticket or pull request
as "(#4521)" is an action like any other: never dropped as if it were a line of ours."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'tickets.db'}"))


def test_new_actions_naming_a_ticket_are_recorded(scenario: Scenario) -> None:
    person_types(scenario.tenant, scenario.occ, ["Login bug is top priority."],
                 ["[ ] Rob – fix the login bug (#4521) – 4 Dec",
                  "[x] Mia – review the release PR (#88)"], tick_all=False)
    scenario.after_meeting()
    got = sorted((a.owner, a.text, a.due, a.status)
                 for a in scenario.store.actions(scenario.rob.pairing.id))
    assert got == [("Mia Manager", "review the release PR (#88)", None, "done"),
                   ("Rob Report", "fix the login bug (#4521)", date(2026, 12, 4), "open")]
