"""Meeting mail in the service mailbox. Once its plus-address is on a 1-2-1 as an attendee
(a report forwarded the meeting there to add a topic, the way the agenda in it asks for
topics: Exchange then adds the address to the organizer's attendees), every update of the
meeting — each agenda onetoone puts into the invite — arrives there as an eventMessage from
the manager, its body the agenda itself. Read as mail, the agenda's own lines went back onto
the agenda as the manager's topics, and the manager got "Thanks: these are on the agenda"
for an update they never wrote; a cancellation or a response is no one's topics either."""

from __future__ import annotations

import re
from datetime import timedelta

from service.domain.topics import topics_address
from service.sandbox.invites import deliver, meeting_message
from tests.integration.test_topics_mail import BOX
from tests.integration.test_topics_mail_read_again import _with_service_mailbox

MIA, ROB = "mia@contoso.example", "rob@contoso.example"


def test_meeting_updates_sent_to_the_topics_address_add_no_topics_and_get_no_reply(
        settings_for, tmp_path) -> None:
    tenant, store, run_at, rob = _with_service_mailbox(
        settings_for(f"sqlite:///{tmp_path / 't.db'}"))
    due = tenant.now() + timedelta(days=5)
    run_at(due)  # the agenda goes into the next meeting
    occ = store.pairing_occurrences(rob.pairing.id)[0]
    agenda = tenant.person_body(MIA, occ.event_id)
    address = topics_address(BOX, rob.pairing.key)
    assert address in agenda
    (master,) = [e for e in tenant.events(MIA)
                 if any(a["emailAddress"]["address"] == ROB for a in e.get("attendees") or [])]
    event = {**master, "body": {"contentType": "html", "content": agenda},
             "attendees": [*master["attendees"],
                           {"type": "optional", "emailAddress": {"address": address}}]}
    box = tenant.mailbox(BOX)["id"]
    for kind in ("update", "cancel"):
        deliver(tenant, box, meeting_message(tenant, tenant.mailbox(MIA), event, kind))
    before = len(tenant.messages(MIA))

    result = run_at(due + timedelta(minutes=10))

    assert store.open_topics(rob.pairing.id) == [], [t.text for t in
                                                     store.open_topics(rob.pairing.id)]
    assert result.topics.added == [] and len(result.topics.ignored) == 2
    assert not [m for m in tenant.messages(MIA)[before:]
                if re.match(r"re:", m["subject"], re.I)]
    assert all(m.get("isRead") for m in tenant.messages(BOX))


def test_a_meeting_response_as_graph_lists_it_is_meeting_mail_and_ignored() -> None:
    """An "Accepted:" with the attendee's comment, as Graph lists it among an Inbox's
    messages (the derived type named by @odata.type), is ignored; a plain mail is not."""
    from service.graph.wire import mail_message_record
    from service.jobs.inbox import ignore_reason

    raw = {"@odata.type": "#microsoft.graph.eventMessageResponse", "id": "AAMk1",
           "subject": "Accepted: 1-2-1 Mia Manager / Rob Report",
           "from": {"emailAddress": {"name": "Rob Report", "address": ROB}},
           "toRecipients": [{"emailAddress": {"address": "onetoone+0123456789@contoso.example"}}],
           "body": {"contentType": "text", "content": "Budget for Q1"},
           "internetMessageId": "<r1@contoso.example>", "internetMessageHeaders": []}
    assert ignore_reason(mail_message_record(raw), BOX) is not None
    plain = {k: v for k, v in raw.items() if k != "@odata.type"} | {"subject": "Budget"}
    assert ignore_reason(mail_message_record(plain), BOX) is None
