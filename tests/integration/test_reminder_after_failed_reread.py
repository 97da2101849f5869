"""The day-after re-read of a meeting read back without notes decides the manager's "No
notes yet" reminder (and, later, its rebooking offer). When that re-read fails in a run
(Graph unavailable for the manager's calendar, a database statement killed), the same run
must not decide on the stale "no notes": Mia typed her notes that evening, and would be
told she has none."""

from __future__ import annotations

from tests.integration.test_mail import Scenario


def test_no_reminder_while_the_re_read_that_decides_it_has_failed(
        tmp_path, settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'reread.db'}"))
    occ = scenario.occ
    scenario.after_meeting()  # read back at once: nothing typed yet
    assert scenario.store.occurrence(occ.id).status == "held_no_notes"
    scenario.type_notes()  # that evening
    # The day after, Mia's calendar can't be read for a while (every retry refused).
    scenario.tenant.inject_fault("GET", r"^/users/[^/]+/(events|calendarView)", 503,
                                 times=200)
    failing = scenario.after_meeting(hours=26)
    assert failing.capture.failed, "the re-read was expected to fail in this run"
    kinds = [m.kind for m in scenario.store.outbox() if m.occurrence_id == occ.id]
    assert kinds == [], "a reminder decided on a read-back that a failed re-read left stale"
    scenario.tenant.reset_counters()  # (Graph answers again)
    scenario.after_meeting(hours=38)
    after = scenario.store.occurrence(occ.id)
    assert after.status == "held"
    kinds = [m.kind for m in scenario.store.outbox() if m.occurrence_id == occ.id]
    assert kinds == ["summary"]
    assert not scenario.store.rebooks()
