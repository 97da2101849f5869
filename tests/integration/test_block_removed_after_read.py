"""A manager removes the agenda block from a meeting after its notes were first read (clears
the invite down to a line of their own, or pastes their notes over the whole body): the
re-reads find no block, which is nothing to read as notes. That re-read still counts as
made: the meeting is not read again on every run from then on (a request to Graph each
tick, for ever), and one read back without notes still gets its reminder."""

from __future__ import annotations

import pytest

from tests.integration.test_capture_edits import weekly
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
FREE_TEXT = ("<html><body><p>Talked about the move to the data team. Rob to call HR</p>"
             "</body></html>")


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return weekly(settings_for, f"sqlite:///{tmp_path / 'removed.db'}")


def reads_of_the_meeting(s: Scenario) -> int:
    return s.tenant.count("GET", rf"/events/{s.occ.event_id}$")


def reminders(s: Scenario) -> list[str]:
    return [m["subject"] for m in s.tenant.messages(MIA)
            if m["subject"].startswith("No notes yet: your 1-2-1 with Rob")
            and " 1 Dec 2026" in m["subject"]]


def test_a_block_removed_after_the_notes_were_read_is_not_read_every_run(
        scenario: Scenario) -> None:
    s = scenario
    s.type_notes()
    s.after_meeting()
    assert s.store.occurrence(s.occ.id).status == "held" and len(s.summaries()) == 1
    s.tenant.person_edit_body(MIA, s.occ.event_id, FREE_TEXT)
    for hours in range(2, 24 * 12, 2):  # a tick every two hours, past the last re-read
        s.after_meeting(hours=hours)
    # At most one read of the event per re-read (the day after, and the last one).
    assert reads_of_the_meeting(s) <= 2
    occ = s.store.occurrence(s.occ.id)
    assert occ.status == "held" and occ.read_back_at is None
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]
    assert len(s.summaries()) == 1


def test_a_meeting_without_notes_whose_block_is_removed_still_gets_its_reminder(
        scenario: Scenario) -> None:
    s = scenario
    s.after_meeting()  # nothing typed yet: held without notes
    assert s.store.occurrence(s.occ.id).status == "held_no_notes"
    # She deletes the agenda and types her notes over it: outside any block, so not read.
    s.tenant.person_edit_body(MIA, s.occ.event_id, FREE_TEXT)
    for hours in range(3, 24 * 4, 3):
        s.after_meeting(hours=hours)
    assert len(reminders(s)) == 1
    assert reads_of_the_meeting(s) <= 2
