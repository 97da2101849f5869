"""A manager clears the notes out of the invite after the summary went (the report has them
by mail; the invite is theirs too): the later read-backs take the cleared notes as the
meeting's, but the meeting stays held. It must not become "held without notes", which
would mail the manager a "No notes yet" reminder (and count the 1-2-1 as missed, offering
to rebook it) for a meeting whose summary the report already has."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'cleared.db'}"))


def test_notes_cleared_after_the_summary_draw_no_reminder(scenario: Scenario) -> None:
    as_written = scenario.tenant.person_body(MIA, scenario.occ.event_id)
    scenario.type_notes()
    scenario.after_meeting()
    assert len(scenario.summaries()) == 1
    assert scenario.store.occurrence(scenario.occ.id).status == "held"

    # Mia puts the agenda back as it was written: her notes are gone from the invite.
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, as_written)
    for hours in range(3, 24 * 10, 6):  # past the day-after and the last re-read
        scenario.after_meeting(hours=hours)

    occ = scenario.store.occurrence(scenario.occ.id)
    assert occ.captured_at is not None and occ.captured_at > scenario.occ.end + timedelta(days=2)
    assert occ.status == "held"
    reminders = [m["subject"] for m in scenario.tenant.messages(MIA)
                 if m["subject"].startswith("No notes yet: your 1-2-1 with Rob")]
    assert reminders == []
    assert [r.key for r in scenario.store.outbox() if r.occurrence_id == scenario.occ.id] == [
        f"{scenario.occ.id}:summary"]
    assert len(scenario.summaries()) == 1
