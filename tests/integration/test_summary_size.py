"""Years of 1-2-1s and chatty managers: the summary mail stays a size Graph takes and a
report can read.

- A manager who pastes a long email thread into the notes (megabytes of text): Graph refuses
  a sendMail request over 4 MB (413), so the summary used to be marked failed and never
  reached the report, its agreed actions with it. Now it carries the notes up to a budget and
  says how many lines are left out; every line stays stored, as typed.
- Open actions nobody ticks pile up over the years: the summary listed every one of them
  under "Still open" (the agenda lists the newest `[agenda] actions_shown`). Now it lists as
  many as the agenda, the newest, and says how many older ones are still open.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.sandbox.transport import MAX_REQUEST_BYTES
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_mail import Scenario

# A pasted thread: 4.3 MB of text, more than one sendMail request may carry before any
# markup (a summary carrying it whole was 5.3 MB: Graph refuses it, 413). It was 40,000
# lines (6 MB); reading back every line of it was most of this test's time, and the size
# over the limit is what it needs.
THREAD = [f"On Mon 2 Nov 2026 Pat Partner wrote: line {i} of the thread about the Q1 budget, "
          "the hiring plan and what the customer said at the review last week." for i in range(
              28_500)]


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_a_pasted_thread_too_big_for_one_mail_still_gets_the_summary_out(
        scenario: Scenario) -> None:
    assert len("\n".join(THREAD).encode()) > MAX_REQUEST_BYTES  # the words alone, whole
    person_types(scenario.tenant, scenario.occ, ["Went well: Rob leads the Q1 plan", *THREAD],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    result = scenario.after_meeting()
    assert result.mail.failed == []
    assert [r.status for r in scenario.store.outbox()] == ["sent"]
    (summary,) = scenario.summaries()
    body = summary["body"]["content"]
    # The manager's first words and the agreed action are there; the rest is counted, not
    # silently dropped, and is still in the store as typed.
    assert "Went well: Rob leads the Q1 plan" in body and "send the plan" in body
    kept = sum(len(line) for line in THREAD if line in body)
    assert kept > 0
    left = re.search(r"\+ (\d+) more lines of the notes", body)
    assert left is not None and 0 < int(left.group(1)) < len(THREAD)
    stored = "\n".join(n.text for n in scenario.store.notes(scenario.occ.id))
    assert all(line in stored for line in THREAD[-3:])


def test_still_open_lists_the_newest_and_counts_the_rest(scenario: Scenario) -> None:
    shown = scenario.settings.agenda.actions_shown
    for n in range(shown + 30):
        scenario.store.add_action(
            pairing_id=scenario.rob.pairing.id, occurrence_id=None, owner="Rob Report",
            text=f"old action number {n:03d}", due=None,
            raised_on=(scenario.occ.start - timedelta(days=900 - n)).date(),
            fingerprint=f"cli:{n}", now=scenario.occ.start - timedelta(days=1))
    scenario.type_notes()
    scenario.after_meeting()
    (summary,) = scenario.summaries()
    body = summary["body"]["content"]
    listed = re.findall(r"old action number (\d{3})", body)
    assert listed == [f"{n:03d}" for n in range(30, shown + 30)]  # the newest, oldest first
    assert "+ 30 older open actions" in body
