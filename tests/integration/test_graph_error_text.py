"""Graph's error messages are outside text too: one that holds a NUL or half of an emoji
(JSON escapes both, and Graph's messages quote what they refused) is kept as the mail's
error like any other, on SQLite and PostgreSQL. Before, PostgreSQL refused the NUL (and
neither database could encode the half emoji), so the refused mail's error could not be
written: the whole mail step failed, every mail after it waited, and the mail was tried
again and refused again on later runs, failing the step each time."""

from __future__ import annotations

import pytest

from service.domain.records import MailRecord, Recipient
from service.domain.text import REPLACEMENT
from tests.integration.test_mail import Scenario

# As Graph's JSON escapes them: a NUL (PostgreSQL refuses it in text) and half of an emoji
# (a message cut after so many UTF-16 units; no database can encode it).
REFUSED = {"nul": ("Recipient 'Rob\x00' isn't valid.", "Recipient 'Rob' isn't valid."),
           "half emoji": ("Recipient 'Rob \ud83d' isn't valid.",
                          f"Recipient 'Rob {REPLACEMENT}' isn't valid.")}


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_mail_keeps_its_error_and_holds_back_no_other(scenario: Scenario,
                                                                case: str) -> None:
    """Graph refuses one mail with such a message: that mail is marked failed with the
    message kept (cleaned); Rob's summary, queued after it, goes in the same run; the
    refused mail is not sent again, and no later run fails."""
    sent, kept = REFUSED[case]
    mia, rob = scenario.rob.manager, scenario.rob.report
    assert scenario.store.enqueue(MailRecord(
        key="refused:1", kind="topic_reply", pairing_id=scenario.rob.pairing.id,
        occurrence_id=None, mailbox=mia.id, to=(Recipient(rob.name, rob.email),),
        subject="Re: topics", body_html="<p>Thanks</p>", tag="a" * 32,
        created_at=scenario.occ.start))
    scenario.type_notes()
    # The first mail sent (the one queued above) is refused.
    scenario.tenant.inject_fault("POST", r"/sendMail$", 400, times=1,
                                 code="ErrorInvalidRecipients", message=sent)
    result = scenario.after_meeting()
    assert result.failed_steps == []
    by_key = {r.key: r for r in scenario.store.outbox()}
    refused = by_key.pop("refused:1")
    assert refused.status == "failed" and kept in refused.last_error
    assert [r.status for r in by_key.values()] == ["sent"] * len(by_key)
    assert len(scenario.summaries()) == 1
    for hours in (3, 30):  # refused: not sent again, and nothing fails over it
        assert scenario.after_meeting(hours=hours).failed_steps == []
    assert scenario.tenant.count("POST", r"/sendMail$") == 1 + len(by_key)
