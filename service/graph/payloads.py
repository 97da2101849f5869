"""Graph request bodies for the calls onetoone makes (pure: data in, JSON-ready dicts out).

Property names and enum values are exactly Graph v1.0's; tests validate every body against
Microsoft's published schemas (service/graph/schemas).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.model import CadenceKind, Slot
from service.domain.timezones import to_windows

# Our own namespace GUID for the extended property that tags every series we create.
PROPERTY_SET = "{4f0d5c9e-7a4b-4c1e-9a55-0d3f1e2b6a71}"
PAIRING_PROPERTY = f"String {PROPERTY_SET} Name onetoone.pairing"
_TXN_NAMESPACE = uuid.UUID("0b6f2f0e-93c1-4f5a-8d53-51b1e1f0a9c2")

CADENCE_TEXT = {
    CadenceKind.WEEKLY: "every week",
    CadenceKind.FORTNIGHTLY: "every two weeks",
    CadenceKind.MONTHLY: "once a month",
}


def transaction_id(pairing_key: str, slot: Slot, cadence: CadenceKind) -> str:
    """A deterministic transactionId: a retried create of the same series is the same id, so
    Exchange drops the duplicate; a different series for the pair gets a different one."""
    name = f"{pairing_key}|{cadence}|{slot.first_date}|{slot.start:%H:%M}|{slot.time_zone}"
    return str(uuid.uuid5(_TXN_NAMESPACE, name))


def graph_zone(iana: str) -> str:
    """The Windows zone name Exchange uses natively for an IANA zone (IANA if unmapped)."""
    try:
        return to_windows(iana)
    except ValueError:
        return iana


def event_times(start: datetime, end: datetime, time_zone: str) -> dict[str, Any]:
    """An event's ``start`` and ``end`` as Graph takes them: local wall time in the zone
    (its Windows name, as Exchange stores it natively), so the meeting keeps its local time
    across DST changes."""
    zone, name = ZoneInfo(time_zone), graph_zone(time_zone)
    return {"start": {"dateTime": start.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
                      "timeZone": name},
            "end": {"dateTime": end.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": name}}


def series_event(
    *,
    subject: str,
    body_html: str,
    slot: Slot,
    minutes: int,
    recurrence: dict[str, Any],
    report_email: str,
    report_name: str,
    pairing_key: str,
    txn: str,
    teams: bool,
) -> dict[str, Any]:
    """The POST body creating a 1-2-1 series in the manager's calendar."""
    zone = ZoneInfo(slot.time_zone)
    start = datetime.combine(slot.first_date, slot.start, tzinfo=zone)
    end = start + timedelta(minutes=minutes)
    tz_name = graph_zone(slot.time_zone)
    rec = {"pattern": dict(recurrence["pattern"]), "range": dict(recurrence["range"])}
    rec["range"]["recurrenceTimeZone"] = tz_name
    event = _meeting(subject=subject, body_html=body_html, report_email=report_email,
                     report_name=report_name, txn=txn, teams=teams,
                     tags=[{"id": PAIRING_PROPERTY, "value": pairing_key}],
                     **event_times(start, end, slot.time_zone))
    event["recurrence"] = rec
    return event


def _meeting(*, subject: str, body_html: str, report_email: str, report_name: str, txn: str,
             teams: bool, tags: list[dict[str, str]], **times: Any) -> dict[str, Any]:
    """The fields every 1-2-1 onetoone creates shares (a series or a single meeting)."""
    event: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "html", "content": body_html},
        **times,
        "attendees": [
            {"emailAddress": {"address": report_email, "name": report_name}, "type": "required"}
        ],
        "showAs": "busy",
        "importance": "normal",
        "sensitivity": "normal",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 10,
        "responseRequested": True,
        "allowNewTimeProposals": True,
        "categories": ["1-2-1"],
        "transactionId": txn,
        "singleValueExtendedProperties": tags,
    }
    if teams:
        event["isOnlineMeeting"] = True
        event["onlineMeetingProvider"] = "teamsForBusiness"
    return event


REBOOK_PROPERTY = f"String {PROPERTY_SET} Name onetoone.rebook"


def rebook_transaction_id(pairing_key: str, missed_start: datetime, start: datetime) -> str:
    """A deterministic transactionId for the single meeting replacing a missed one: a retried
    booking of the same pick is the same id (Exchange drops the duplicate)."""
    name = f"rebook|{pairing_key}|{missed_start.isoformat()}|{start.isoformat()}"
    return str(uuid.uuid5(_TXN_NAMESPACE, name))


def single_event(
    *,
    subject: str,
    body_html: str,
    start: datetime,
    end: datetime,
    time_zone: str,
    report_email: str,
    report_name: str,
    pairing_key: str,
    txn: str,
    teams: bool,
) -> dict[str, Any]:
    """The POST body creating one (non-recurring) 1-2-1 in the manager's calendar: tagged
    like a series (pairing property + transactionId) and with its own rebook tag, so a retry
    finds it instead of making a second one."""
    return _meeting(subject=subject, body_html=body_html, report_email=report_email,
                    report_name=report_name, txn=txn, teams=teams,
                    tags=[{"id": PAIRING_PROPERTY, "value": pairing_key},
                          {"id": REBOOK_PROPERTY, "value": txn}],
                    **event_times(start, end, time_zone))


def series_move_patch(*, slot: Slot, minutes: int, recurrence: dict[str, Any],
                      body_html: str | None) -> dict[str, Any]:
    """The PATCH body moving a series that has not started yet to another slot, in one
    update (start, end, pattern and, where given, the invite text saying why)."""
    zone = ZoneInfo(slot.time_zone)
    start = datetime.combine(slot.first_date, slot.start, tzinfo=zone)
    end = start + timedelta(minutes=minutes)
    patch: dict[str, Any] = {
        **event_times(start, end, slot.time_zone),
        **recurrence_patch(recurrence, slot.time_zone),
    }
    if body_html is not None:
        patch["body"] = {"contentType": "html", "content": body_html}
    return patch


def recurrence_patch(recurrence: dict[str, Any], time_zone: str) -> dict[str, Any]:
    """The PATCH body changing a series' recurrence (used to extend or end it)."""
    rec = {"pattern": dict(recurrence["pattern"]), "range": dict(recurrence["range"])}
    rec["range"]["recurrenceTimeZone"] = graph_zone(time_zone)
    return {"recurrence": rec}


MAIL_TAG_PROPERTY = f"String {PROPERTY_SET} Name onetoone.mail"
MAIL_KEY_HEADER = "x-onetoone-key"


def mail_message(*, subject: str, body_html: str, to: list[tuple[str, str]],
                 cc: list[tuple[str, str]], tag: str, key: str) -> dict[str, Any]:
    """The sendMail body: HTML message tagged (extended property + x- header) so that Sent
    Items can tell later whether a send whose outcome was unknown went out."""
    def recipients(people: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"emailAddress": {"address": address, "name": name}} for address, name in people]

    message: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "html", "content": body_html},
        "toRecipients": recipients(to),
        "internetMessageHeaders": [{"name": MAIL_KEY_HEADER, "value": key}],
        "singleValueExtendedProperties": [{"id": MAIL_TAG_PROPERTY, "value": tag}],
    }
    if cc:
        message["ccRecipients"] = recipients(cc)
    return {"message": message, "saveToSentItems": True}
