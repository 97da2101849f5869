"""Rebooking's pure parts: what a booking mail means, hostile mail, and the agenda's line
about a missed meeting (shown, and never read back as a note)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.agenda import AgendaPolicy, MissedMeeting, build_agenda
from service.domain.body import MARKERS
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block
from service.domain.rebook import (
    auto_reply,
    booking_address,
    booking_link,
    booking_subject,
    decode_slots,
    encode_slots,
    offer_open,
    parse_booking,
    reason_of,
    sender_of,
)
from service.graph.payloads import REBOOK_PROPERTY, rebook_transaction_id, single_event
from service.render import render
from tests.support.graph_schema import assert_valid

TOKEN = "0123456789abcdef"
LONDON = ZoneInfo("Europe/London")


def mail(to: str = "", subject: str = "", sender: str = "mia@contoso.example",
         headers: list[dict[str, str]] | None = None) -> dict:
    message: dict = {"subject": subject, "from": {"emailAddress": {"address": sender}},
                     "toRecipients": [{"emailAddress": {"address": to}}] if to else []}
    if headers is not None:
        message["internetMessageHeaders"] = headers
    return message


def test_booking_from_the_plus_address_or_the_subject() -> None:
    """The plus-address names the offer and time; the subject's tag counts without it."""
    address = booking_address("onetoone@contoso.example", TOKEN, 2)
    assert address == f"onetoone+book.{TOKEN}.2@contoso.example"
    assert parse_booking(mail(to=address)) == (TOKEN, 2)
    assert parse_booking(mail(to=address.upper())) == (TOKEN, 2)
    subject = booking_subject(TOKEN, 3, "Thursday 10 December 2026, 14:00 GMT")
    assert parse_booking(mail(to="onetoone@contoso.example", subject="RE: " + subject)) == (
        TOKEN, 3)
    link = booking_link(address, subject)
    assert link.startswith(f"mailto:{address}?subject=") and " " not in link


@pytest.mark.parametrize("subject, to", [
    ("Rebook your 1-2-1 with Rob Report (Tuesday 8 December 2026, 10:00 GMT)", ""),
    ("[book 0123456789abcde slot 2]", ""),  # 15 hex digits
    ("[book 0123456789abcdeg slot 2]", ""),  # not hex
    ("[book 0123456789abcdef slot 0]", ""),  # no slot 0
    ("[book ０１２３４５６７８９abcdef slot 2]", ""),  # full-width digits
    ("<a href='x'>[book</a> 0123456789abcdef slot 2]", ""),
    ("book 0123456789abcdef slot 2", ""),
    ("", "onetoone+0123456789@contoso.example"),  # a topics address
    ("", "onetoone+book.0123456789abcdef.@contoso.example"),
    ("", "onetoone+book.0123456789abcdef.2x@contoso.example"),
    ("\u202e\u0000[book", "\x00@\x00"),
])
def test_hostile_mail_is_not_a_booking(subject: str, to: str) -> None:
    """Only our exact token shape and a slot 1-9 are a booking; markup, look-alike digits,
    our own words without a token and a topics address are not."""
    assert parse_booking(mail(to=to, subject=subject)) is None


def test_malformed_mail_fields_are_tolerated() -> None:
    """Missing or oddly typed fields read as 'no booking' and 'no sender', never raise."""
    odd = {"subject": 7, "from": {"emailAddress": {"address": None}},
           "toRecipients": [None, {"emailAddress": {"address": 5}}, "x"]}
    assert parse_booking(odd) is None and sender_of(odd) == "" and not auto_reply(odd)
    assert sender_of(mail(sender=" Mia@Contoso.Example ")) == "mia@contoso.example"


def test_auto_replies_and_loops() -> None:
    """Out-of-office, bounces, Auto-Submitted and our own mail coming back are machines."""
    assert auto_reply(mail(subject="Automatic reply: Book our 1-2-1 [book x slot 1]"))
    assert auto_reply(mail(subject="Out of Office: Rebook your 1-2-1"))
    assert auto_reply(mail(subject="Undeliverable: Rebook"))
    assert auto_reply(mail(headers=[{"name": "Auto-Submitted", "value": "auto-replied"}]))
    assert auto_reply(mail(headers=[{"name": "x-onetoone-key", "value": "rebook:1:offer"}]))
    assert not auto_reply(mail(headers=[{"name": "Auto-Submitted", "value": "no"}]))
    assert not auto_reply(mail(subject="Book our 1-2-1 for Thursday [book x slot 1]"))


def test_slots_round_trip_and_expiry() -> None:
    """Slots are stored as UTC instants; an offer is open while one time is ahead."""
    start = datetime(2026, 12, 10, 14, 0, tzinfo=LONDON)
    slots = [(start, start + timedelta(minutes=30))]
    back = decode_slots(encode_slots(slots))
    assert back == slots and back[0][0].tzinfo == UTC
    assert decode_slots("not json") == [] and decode_slots("[[1]]") == []
    assert offer_open(back, start - timedelta(hours=1))
    assert not offer_open(back, start)
    assert reason_of("held_no_notes") == "not_held" and reason_of("held") is None


def test_single_event_payload_is_tagged_and_valid() -> None:
    """The replacement meeting is one event, tagged with the pairing and its own
    transactionId (deterministic), and valid against Graph's schema."""
    start = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    txn = rebook_transaction_id("pair-1", start - timedelta(days=2), start)
    assert txn == rebook_transaction_id("pair-1", start - timedelta(days=2), start)
    assert txn != rebook_transaction_id("pair-1", start - timedelta(days=2),
                                        start + timedelta(hours=1))
    event = single_event(subject="1-2-1", body_html="<p>x</p>", start=start,
                         end=start + timedelta(minutes=30), time_zone="Europe/London",
                         report_email="rob@contoso.example", report_name="Rob Report",
                         pairing_key="pair-1", txn=txn, teams=False)
    assert "recurrence" not in event and event["transactionId"] == txn
    assert {"id": REBOOK_PROPERTY, "value": txn} in event["singleValueExtendedProperties"]
    assert event["start"] == {"dateTime": "2026-12-10T14:00:00", "timeZone": "GMT Standard Time"}
    assert_valid("POST /users/{user-id}/events", event)


@pytest.mark.parametrize("missed, expected", [
    (MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "cancelled"),
     "The last 1-2-1, on Tuesday 8 December 2026, was missed (cancelled) and not rebooked."),
    (MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "declined",
                   rebooked_start=datetime(2026, 12, 10, 14, tzinfo=LONDON)),
     "The last 1-2-1, on Tuesday 8 December 2026, was missed (declined by Rob) and rebooked "
     "for Thursday 10 December 2026, 14:00 GMT."),
    (MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "not_held", this_meeting=True),
     "This 1-2-1 replaces the last one, on Tuesday 8 December 2026, which has no notes "
     "recorded."),
    (MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "not_held"),
     "No notes were recorded for the last 1-2-1, on Tuesday 8 December 2026."),
    (MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "not_held",
                   rebooked_start=datetime(2026, 12, 10, 14, tzinfo=LONDON)),
     "No notes were recorded for the last 1-2-1, on Tuesday 8 December 2026; it was rebooked "
     "for Thursday 10 December 2026, 14:00 GMT."),
])
def test_agenda_says_the_last_meeting_was_missed_and_it_is_never_a_note(
        missed: MissedMeeting, expected: str) -> None:
    """The agenda carries one line about the missed meeting (when, why, rebooked or not);
    read back with no notes typed, the parser finds no notes in it."""
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 15, 10, tzinfo=LONDON), manager_name="Mia Manager",
        report_name="Rob Report", topics=[], open_actions=[], meeting_number=2,
        last_development_on=None, policy=AgendaPolicy(), question=None, missed=missed)
    assert agenda.missed_text == expected
    text = html_to_text(render("agenda.html.j2", agenda=agenda, markers=MARKERS,
                               topics_address=""))
    assert agenda.missed_text in text
    parsed = parse_block(text, [], meeting_date=date(2026, 12, 15),
                         manager_name="Mia Manager", report_name="Rob Report")
    assert parsed.notes == [] and parsed.new_actions == []


def test_missed_meeting_rejects_bad_values() -> None:
    """An unknown reason or a naive time is refused, not rendered."""
    with pytest.raises(ValueError):
        MissedMeeting(datetime(2026, 12, 8, 10, tzinfo=LONDON), "forgot")
    with pytest.raises(ValueError):
        MissedMeeting(datetime(2026, 12, 8, 10), "cancelled")


def test_a_meeting_called_off_after_another_not_rebooked_is_not_offered_again() -> None:
    from service.domain.rebook import missed_again as declined_again
    from service.domain.records import OccurrenceRecord, RebookRecord

    t0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

    def meeting(n: int, status: str, **fields: Any) -> OccurrenceRecord:
        start = t0 + timedelta(weeks=n)
        return OccurrenceRecord(id=n + 1, series_id=1, event_id=f"e{n}", original_start=start,
                                start=start, end=start + timedelta(minutes=30),
                                status=status, updated_at=t0, **fields)

    def offer(status: str) -> RebookRecord:
        return RebookRecord(pairing_id=1, missed_occurrence_id=1, reason="declined",
                            status=status, slots="[]", token="t", offered_at=t0,
                            updated_at=t0)

    now_declined = meeting(1, "declined")
    declined, held = meeting(0, "declined"), meeting(0, "held")
    replacement = meeting(0, "held", rebook_of=99)
    assert not declined_again(now_declined, [now_declined], None, set())
    assert not declined_again(now_declined, [held, now_declined], offer("expired"), set())
    assert not declined_again(now_declined, [replacement, now_declined], None, set())
    assert not declined_again(now_declined, [declined, now_declined], offer("booked"), set())
    assert declined_again(now_declined, [declined, now_declined], offer("expired"), set())
    assert declined_again(now_declined, [declined, now_declined], offer("offered"), set())
    # A cancellation continues a run of declines (and the other way round).
    cancelled = meeting(0, "cancelled")
    assert declined_again(meeting(1, "cancelled"), [cancelled], offer("expired"), set())
    assert declined_again(now_declined, [cancelled, now_declined], offer("offered"), set())
    # Offered in this very run (its row not stored yet).
    assert declined_again(now_declined, [declined, now_declined], None, {declined.id})
    assert not declined_again(now_declined, [declined, now_declined], None, set())


def test_times_on_offer_are_those_still_pickable_elsewhere() -> None:
    """A new offer avoids the times other open offers name: all of an unpicked one's, only
    the picked time of one being booked, none of a closed one's nor of its own."""
    from service.domain.rebook import times_on_offer
    from service.domain.records import RebookRecord

    t0 = datetime(2026, 12, 14, 9, tzinfo=UTC)
    times = [(t0 + timedelta(hours=n), t0 + timedelta(hours=n, minutes=30)) for n in range(3)]

    def offer(id_: int, status: str = "offered", picked: int | None = None) -> RebookRecord:
        return RebookRecord(id=id_, pairing_id=id_, missed_occurrence_id=id_,
                            reason="cancelled", status=status, slots=encode_slots(times),
                            token=f"t{id_}", offered_at=t0, updated_at=t0,
                            booked_index=picked)

    assert times_on_offer([offer(1)]) == times
    assert times_on_offer([offer(1, picked=2)]) == [times[1]]
    assert times_on_offer([offer(1, "booked", 2), offer(2, "expired"), offer(3)], own=3) == []
    assert times_on_offer([offer(1), offer(2)], own=1) == times
