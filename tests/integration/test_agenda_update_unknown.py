"""An agenda update whose answer was lost (a 504, a dropped connection) is sent once: Exchange
mails every organizer update to the report, so it is not repeated blindly, and the next run
knows the block it finds for its own, not for the manager's typing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.store.models import OccurrenceRow
from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'update.db'}"))


@pytest.mark.parametrize(("status", "another_topic"),
                         [(504, False), (503, False), (504, True)])
def test_an_update_applied_without_an_answer_is_taken_for_ours(
        scenario: Scenario, status: int, another_topic: bool) -> None:
    """Whether or not the next run would write the same block: with a second topic raised in
    between (the usual case: updates are made for topics), it writes the new one."""
    occ = scenario.occ
    assert occ.agenda_state == "injected" and occ.start > scenario_now(scenario)
    now = scenario_now(scenario) + timedelta(hours=1)
    scenario.store.add_topic(scenario.rob.pairing.id, "Training budget", "report",
                             now.date(), now)
    scenario.tenant.inject_fault("PATCH", r"/events/[^/]+$", status, times=1, apply_first=True)
    before = scenario.tenant.count("PATCH", r"/events/[^/]+$")
    first = scenario.at(now)
    assert first.agenda.failed and not first.agenda.updated
    assert scenario.tenant.count("PATCH", r"/events/[^/]+$") == before + 1  # not sent again
    body = scenario.tenant.person_body("mia@contoso.example", occ.event_id)
    assert "Training budget" in body
    if another_topic:
        scenario.store.add_topic(scenario.rob.pairing.id, "Hybrid working", "report",
                                 now.date(), now)
    second = scenario.at(now + timedelta(hours=1))
    assert not second.agenda.kept_person_edit and len(second.agenda.updated) == 1
    # Sent once (the same block already in), or once more with the second topic.
    assert scenario.tenant.count("PATCH", r"/events/[^/]+$") == before + 1 + another_topic
    if another_topic:
        assert "Hybrid working" in scenario.tenant.person_body("mia@contoso.example",
                                                               occ.event_id)
    with scenario.store.session() as s:
        row = s.get(OccurrenceRow, occ.id)
        assert row is not None and row.changed_at is None  # not taken for typing
        assert row.agenda_sending is None  # recorded


def scenario_now(scenario: Scenario):
    return scenario.tenant.now()
