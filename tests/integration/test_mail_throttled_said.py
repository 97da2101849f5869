"""A sendMail Graph throttles (429) was not accepted: the mail stays pending for a later run.
It must leave a trace: a manager's mailbox throttled for hours (another app hammering it)
otherwise holds every summary of theirs with nothing in the log to say so."""

from __future__ import annotations

import logging

import pytest

from tests.integration.test_mail import Scenario


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'mail.db'}"))


def test_a_throttled_send_is_logged_with_its_key_mailbox_and_wait(
        scenario: Scenario, caplog: pytest.LogCaptureFixture) -> None:
    """A 429 with Retry-After on sendMail: mail.throttled names the mail, its sender and
    the wait; the mail goes at a later run."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 429, times=1, retry_after=120)
    with caplog.at_level(logging.WARNING, logger="service.jobs.mail"):
        scenario.after_meeting()
    (row,) = scenario.store.outbox()
    assert row.status == "pending" and scenario.summaries() == []
    (said,) = [r for r in caplog.records if r.getMessage() == "mail.throttled"]
    assert said.key == row.key and said.retry_after == 120
    assert said.mailbox == "mia@contoso.example"  # by address, not the directory id
    scenario.after_meeting(hours=2)
    assert len(scenario.summaries()) == 1
