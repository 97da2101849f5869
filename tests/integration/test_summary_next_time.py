"""The summary's "We meet again on …" names a meeting still to come when the summary goes
out: notes typed late (read back at the last re-read, after the next weekly 1-2-1 already
happened) do not name a date that has passed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.integration.test_agenda_loop import person_types
from tests.integration.test_capture_edits import LAST_READ, weekly

MIA = "mia@contoso.example"


def test_late_notes_summary_names_the_next_meeting_to_come(tmp_path, settings_for) -> None:
    scenario = weekly(settings_for, f"sqlite:///{tmp_path / 'next.db'}")
    scenario.after_meeting()  # read back without notes: nothing to send yet
    assert scenario.summaries() == []
    for hours in range(24, LAST_READ - 12, 12):  # the next weekly meeting comes and goes
        scenario.after_meeting(hours=hours)
    person_types(scenario.tenant, scenario.occ, ["Late, but written down."], [],
                 tick_all=False)
    sent_at = scenario.occ.end + timedelta(hours=LAST_READ + 2)
    scenario.at(sent_at)
    (summary,) = scenario.summaries()
    text = summary["body"]["content"]
    said = re.search(r"We meet again on ([^.<]+?\d{1,2}:\d{2})", text)
    assert said is not None, text
    past = [o for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)
            if scenario.occ.start < o.start < sent_at]
    assert past, "the next weekly meeting happened before the summary"
    named = datetime.strptime(said.group(1).split(",")[0], "%A %d %B %Y").date()
    assert named >= sent_at.date()
    assert named == (past[-1].start + timedelta(weeks=1)).date()


def test_notes_added_by_command_count_when_the_invite_has_no_agenda(tmp_path,
                                                                     settings_for) -> None:
    """The manager deleted the agenda from the invite and the notes were added with
    `onetoone notes add`: the meeting is held, the report gets the summary with those
    notes, and the manager no reminder."""
    scenario = weekly(settings_for, f"sqlite:///{tmp_path / 'cli.db'}")
    scenario.tenant.person_edit_body(MIA, scenario.occ.event_id, "<p>Agenda? No thanks.</p>")
    scenario.store.add_note(scenario.rob.pairing.id, scenario.occ.id, "Talked about Q1.",
                            private=False, now=scenario.occ.end)
    scenario.after_meeting()
    (summary,) = scenario.summaries()
    assert "Talked about Q1." in summary["body"]["content"]
    scenario.after_meeting(hours=30)
    assert not [m for m in scenario.tenant.messages(MIA)
                if m["subject"].startswith("No notes yet: your 1-2-1 with Rob")]
    assert scenario.store.occurrence(scenario.occ.id).status == "held"
