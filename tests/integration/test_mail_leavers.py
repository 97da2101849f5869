"""Mail about a pair that has ended goes only between people still here: a leaver's mailbox
(a disabled account's stays, and is often made a shared mailbox that someone else reads) is
sent no summary about their 1-2-1s, and none is sent from it. A mover's last summary goes."""

from __future__ import annotations

import pytest

from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def _summary_row(s: Scenario):
    return next(m for m in s.store.outbox() if m.key == f"{s.occ.id}:summary")


def test_a_report_who_left_gets_no_summary(scenario: Scenario) -> None:
    """Rob's account is disabled after his last 1-2-1; the notes his manager typed are read
    back after that: they are kept, but not mailed to Rob's mailbox."""
    scenario.type_notes()
    scenario.tenant.disable_user("rob@contoso.example")
    result = scenario.after_meeting()
    view = scenario.store.view_of_pairing(scenario.rob.pairing.id)
    assert view is not None and view.pairing.status == "ended", view
    assert result.capture.held, "the notes are still read back and kept"
    assert scenario.summaries() == [], "a summary went to the leaver's mailbox"
    row = _summary_row(scenario)
    assert row.status == "suppressed" and "Rob Report left" in row.last_error, row
    scenario.after_meeting(hours=30)  # nor later
    assert scenario.summaries() == [] and _summary_row(scenario).status == "suppressed"
    assert scenario.tenant.count("POST", r"/sendMail$") == 0


def test_no_summary_from_a_manager_who_left(scenario: Scenario) -> None:
    """Mia leaves: a summary would be sent from her mailbox (its copy in her Sent Items) and
    copied to it, where whoever now reads that mailbox would see it."""
    scenario.type_notes()
    scenario.tenant.disable_user("mia@contoso.example")
    scenario.after_meeting()
    assert scenario.summaries() == []
    assert _summary_row(scenario).status == "suppressed"


def test_a_mover_still_gets_the_last_summary(scenario: Scenario) -> None:
    """Rob moves to Nia: the pair with Mia ends, but both are still here, and the notes of
    their last meeting are Rob's to have."""
    scenario.type_notes()
    scenario.tenant.set_manager("rob@contoso.example", "nia@contoso.example")
    scenario.after_meeting()
    view = scenario.store.view_of_pairing(scenario.rob.pairing.id)
    assert view is not None and view.pairing.status == "ended", view
    assert len(scenario.summaries()) == 1
    assert _summary_row(scenario).status == "sent"
