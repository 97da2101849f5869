"""A meeting read back with no notes when `forget` ran had nothing erased: it still gets
the "no notes recorded ... onetoone picks it up from your calendar" reminder, and what the
manager then types is read (only meetings whose notes were erased are never read again)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_capture_edits import LAST_READ, weekly


def test_no_reminder_for_a_sealed_meeting(tmp_path, settings_for) -> None:
    scenario = weekly(settings_for, f"sqlite:///{tmp_path / 'sealed.db'}")
    scenario.after_meeting()  # nothing typed: held without notes
    assert scenario.store.occurrence(scenario.occ.id).status == "held_no_notes"
    scenario.store.forget_person(scenario.rob.report.id,
                                 scenario.occ.end + timedelta(hours=2))
    scenario.after_meeting(hours=scenario.settings.mail.reminder_hours + 2)
    reminders = [m for m in scenario.tenant.messages("mia@contoso.example")
                 if "Rob Report" in m["subject"] and m["subject"].startswith("No notes yet")]
    # Mia does as the reminder says ...
    person_types(scenario.tenant, scenario.occ, ["We agreed on the plan"], [],
                 tick_all=False)
    scenario.after_meeting(hours=LAST_READ + 2)
    notes = [n.text for n in scenario.store.notes(scenario.occ.id)]
    # ... so either no such reminder goes, or what she typed is read.
    assert not reminders or notes == ["We agreed on the plan"], (len(reminders), notes)
