"""Graph's wire format, both ways: every request body onetoone sends (pure: data in,
JSON-ready dicts out) and every parser turning Graph's JSON into the domain's records.

Property names and enum values are exactly Graph v1.0's; tests validate every body against
Microsoft's published schemas (service/graph/schemas).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.adoption import ended_tag
from service.domain.directory import NAME_MAX, UserChange, aliases, given_name, hired_at
from service.domain.events import (
    Attendee,
    CalendarEvent,
    DirectoryUser,
    MailboxInfo,
    MailMessage,
    Recurrence,
    ScheduleItem,
)
from service.domain.model import CadenceKind, Slot
from service.domain.timezones import to_iana, to_windows
from service.errors import GraphError, NotFound
from service.graph.errors import MAILBOX_GONE_CODES

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
    sensitivity: str = "private",
) -> dict[str, Any]:
    """The POST body creating a 1-2-1 series in the manager's calendar. ``sensitivity``
    ([policy] sensitivity) is the series': its occurrences always show the master's."""
    zone = ZoneInfo(slot.time_zone)
    start = datetime.combine(slot.first_date, slot.start, tzinfo=zone)
    end = start + timedelta(minutes=minutes)
    tz_name = graph_zone(slot.time_zone)
    rec = {"pattern": dict(recurrence["pattern"]), "range": dict(recurrence["range"])}
    rec["range"]["recurrenceTimeZone"] = tz_name
    event = _meeting(subject=subject, body_html=body_html, report_email=report_email,
                     report_name=report_name, txn=txn, teams=teams, sensitivity=sensitivity,
                     tags=[{"id": PAIRING_PROPERTY, "value": pairing_key}],
                     **event_times(start, end, slot.time_zone))
    event["recurrence"] = rec
    return event


def _meeting(*, subject: str, body_html: str, report_email: str, report_name: str, txn: str,
             teams: bool, tags: list[dict[str, str]], sensitivity: str,
             **times: Any) -> dict[str, Any]:
    """The fields every 1-2-1 onetoone creates shares (a series or a single meeting).

    ``sensitivity`` "private" keeps the agenda and notes in the body from delegates and
    people the manager shares the calendar with (they see the time only); the two people
    themselves see everything, and free/busy is unchanged."""
    event: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "html", "content": body_html},
        **times,
        "attendees": [
            {"emailAddress": {"address": report_email, "name": report_name}, "type": "required"}
        ],
        "showAs": "busy",
        "importance": "normal",
        "sensitivity": sensitivity,
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
    sensitivity: str = "private",
) -> dict[str, Any]:
    """The POST body creating one (non-recurring) 1-2-1 in the manager's calendar: tagged
    like a series (pairing property + transactionId) and with its own rebook tag, so a retry
    finds it instead of making a second one."""
    return _meeting(subject=subject, body_html=body_html, report_email=report_email,
                    report_name=report_name, txn=txn, teams=teams, sensitivity=sensitivity,
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


def series_ended_patch(pairing_key: str, day: date) -> dict[str, Any]:
    """The PATCH body marking a series onetoone ended: only its pairing tag changes, to the
    ended form the adoption search never matches (service/domain/adoption.py).

    Why a PATCH of the master is safe here: MS-OXOCAL 3.1.4.7.3.1 counts only a change of
    start, end or the recurrence as a significant change, and exceptions are dropped only
    when the recurrence is rebuilt (3.1.4.7.3.5); an update of other master properties is
    reported to keep the series and its exceptions whole (OfficeDev/ews-managed-api#168).
    A named property is not part of the meeting sent to attendees. No source found states
    outright that Exchange sends no meeting update for a property-only PATCH (Graph's
    event-update page says a master update that does notify also notifies per exception),
    so this body carries nothing else: no subject, body, times or attendees."""
    return {"singleValueExtendedProperties": [
        {"id": PAIRING_PROPERTY, "value": ended_tag(pairing_key, day)}]}


def recurrence_patch(recurrence: dict[str, Any], time_zone: str) -> dict[str, Any]:
    """The PATCH body changing a series' recurrence (used to extend or end it)."""
    rec = {"pattern": dict(recurrence["pattern"]), "range": dict(recurrence["range"])}
    rec["range"]["recurrenceTimeZone"] = graph_zone(time_zone)
    return {"recurrence": rec}


MAIL_TAG_PROPERTY = f"String {PROPERTY_SET} Name onetoone.mail"
MAIL_KEY_HEADER = "x-onetoone-key"


def mail_message(*, subject: str, body_html: str, to: list[tuple[str, str]],
                 cc: list[tuple[str, str]], tag: str, key: str,
                 reply_to: list[tuple[str, str]] | None = None,
                 automatic: bool = False) -> dict[str, Any]:
    """The sendMail body: HTML message tagged (extended property + x- header) so that Sent
    Items can tell later whether a send whose outcome was unknown went out, and so that a
    copy coming back to the service mailbox is known as ours. ``reply_to``: where replies
    go (Graph's replyTo) instead of the sender. ``automatic``: an automatic reply, which
    Exchange is asked not to answer with out-of-office or other auto-replies (only x- headers
    can be set through Graph, so not Auto-Submitted)."""
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
    if reply_to:
        message["replyTo"] = recipients(reply_to)
    if automatic:
        message["internetMessageHeaders"].append(
            {"name": "X-Auto-Response-Suppress", "value": "OOF, AutoReply"})
    return {"message": message, "saveToSentItems": True}


# -- parsing Graph's JSON into records ------------------------------------------------------

SCHEDULE_CHUNK = 20  # schedules per getSchedule call
SCHEDULE_MAX_DAYS = 62  # getSchedule's maximum window
USER_FIELDS = ("id,displayName,givenName,mail,userPrincipalName,accountEnabled,userType,"
               "employeeHireDate,proxyAddresses")
# An OData cast on a group's transitiveMembers (.../microsoft.graph.user) is an advanced query
# in Entra ID: refused (400 Request_UnsupportedQuery) without this header and $count=true.
ADVANCED_QUERY = {"ConsistencyLevel": "eventual"}


def group_users_query(select: str) -> dict[str, str]:
    """The query of a group's user members read with the cast (see ADVANCED_QUERY)."""
    return {"$select": select, "$top": "999", "$count": "true"}
FREE_BUSY_STATUSES = {s.lower(): s for s in
                      ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")}


def iso_utc(dt: datetime) -> str:
    """A UTC instant as Graph's dateTime text (no offset, no fraction)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_graph_datetime(value: dict[str, str] | str, default_tz: str = "UTC") -> datetime:
    """An aware UTC datetime from Graph's dateTimeTimeZone (7 fractional digits included)."""
    if isinstance(value, dict):
        text, tz = value.get("dateTime", ""), value.get("timeZone") or default_tz
    else:
        text, tz = value, default_tz
    text = text.rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    naive = datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    zone = ZoneInfo(to_iana(tz))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def schedule_item(raw: dict[str, Any]) -> ScheduleItem | None:
    """A scheduleItem from Graph's JSON (None when it has no usable times)."""
    try:
        start, end = parse_graph_datetime(raw["start"]), parse_graph_datetime(raw["end"])
    except (KeyError, TypeError, ValueError):
        return None
    # Graph's own examples spell statuses "Busy"/"Tentative"; the schema says lower camel.
    status = FREE_BUSY_STATUSES.get(str(raw.get("status") or "").lower(), "unknown")
    return ScheduleItem(start=start, end=end, status=status,
                        subject=str(raw.get("subject") or "")[:255],
                        is_private=bool(raw.get("isPrivate")))


def schedule_bodies(emails: Sequence[str], start: datetime, end: datetime,
                    interval: int = 30) -> list[dict[str, Any]]:
    """getSchedule bodies: 20 addresses, at most 61 days (a rest under a day joins the window
    before: under 62), a slot no longer than its window (Graph: 400) and 5 min or more."""
    windows, cursor, end = [], start, max(end, start + timedelta(minutes=5)) if start < end else end
    while cursor < end:
        stop = min(end, cursor + timedelta(days=SCHEDULE_MAX_DAYS - 1))
        stop = end if end - stop < timedelta(days=1) else stop
        windows.append((cursor, stop, min(interval, int((stop - cursor).total_seconds() // 60))))
        cursor = stop
    unique = list(dict.fromkeys(e.lower() for e in emails))
    return [{"schedules": unique[i : i + SCHEDULE_CHUNK],
             "startTime": {"dateTime": iso_utc(w_start), "timeZone": "UTC"},
             "endTime": {"dateTime": iso_utc(w_end), "timeZone": "UTC"},
             "availabilityViewInterval": slot}
            for w_start, w_end, slot in windows for i in range(0, len(unique), SCHEDULE_CHUNK)]


def merge_schedule(out: dict[str, list[ScheduleItem] | None], reply: Any) -> None:
    """Add one getSchedule reply's items to ``out``; an address with an error becomes None."""
    for info in (reply or {}).get("value", []) if isinstance(reply, dict) else []:
        who = str(info.get("scheduleId", "")).lower()
        if info.get("error") or who not in out:
            out[who] = None
            continue
        found = out[who]
        if found is None:
            continue
        for raw in info.get("scheduleItems") or []:
            item = schedule_item(raw) if isinstance(raw, dict) else None
            if item is not None:
                found.append(item)


def user(data: dict[str, Any], manager_id: str | None) -> DirectoryUser:
    """A directory user from Graph's user JSON."""
    return DirectoryUser(
        id=data["id"],
        name=str(data.get("displayName") or data.get("mail") or data["id"])[:NAME_MAX],
        email=(data.get("mail") or data.get("userPrincipalName") or "").lower(),
        enabled=bool(data.get("accountEnabled", True)),
        member=(data.get("userType") or "Member") == "Member",
        hired_at=hired_at(data.get("employeeHireDate")), manager_id=manager_id,
        upn=(data.get("userPrincipalName") or "").lower(),
        mailbox=bool(data.get("mail")),
        given_name=given_name(data.get("givenName")),
        aliases=aliases(data.get("mail"), data.get("userPrincipalName"),
                        data.get("proxyAddresses")),
    )


# users/delta property -> the field kept per user (service/domain/directory.py).
DELTA_FIELDS = {"displayName": "display_name", "givenName": "given_name", "mail": "mail",
                "userPrincipalName": "upn", "accountEnabled": "enabled", "userType": "user_type",
                "employeeHireDate": "hire_date", "proxyAddresses": "proxy_addresses"}
USER_DELTA_SELECT = USER_FIELDS + ",manager"
# The least an event read asks for when all it must tell is whether the event is still on
# (a 404 or isCancelled says it is not).
STILL_ON_SELECT = "isCancelled"


def user_change(data: dict[str, Any]) -> UserChange:
    """One user of a users/delta page: the properties it carries (a changed user may carry
    only the changed ones), or its removal. The manager comes as ``manager@delta``, a list
    whose entry is marked ``@removed`` when the manager was unset."""
    if "@removed" in data:
        return UserChange(id=data["id"], removed=True)
    values: dict[str, object] = {field: data[name] for name, field in DELTA_FIELDS.items()
                                 if name in data}
    addresses = values.get("proxy_addresses")
    if isinstance(addresses, list):  # kept: its mail addresses ("SIP:", "X500:" are none)
        values["proxy_addresses"] = [a for a in addresses if str(a)[:5].lower() == "smtp:"]
    managers = data.get("manager@delta")
    if managers is not None:
        current = [m for m in managers if "@removed" not in m]
        values["manager_id"] = current[0]["id"] if current else None
    return UserChange(id=data["id"], values=values)


def manager_id(data: dict[str, Any]) -> str | None:
    """The id in a user's expanded ``manager``, if any."""
    return (data.get("manager") or {}).get("id")


def mailbox_info(user_id: str, body: dict[str, Any]) -> MailboxInfo:
    """A person's zone and working hours from mailboxSettings, its userPurpose, and the
    date format its owner chose (dateFormat: "M/d/yyyy"; one longer than a format, kept in
    a column of 64, is taken for none)."""
    hours = body.get("workingHours") or {}
    purpose = body.get("userPurpose")
    date_format = body.get("dateFormat")
    return MailboxInfo(
        user_id=user_id,
        time_zone=body.get("timeZone"),
        working_days=tuple(hours.get("daysOfWeek") or ()),
        working_start=hours.get("startTime"),
        working_end=hours.get("endTime"),
        working_time_zone=(hours.get("timeZone") or {}).get("name"),
        purpose=purpose if isinstance(purpose, str) else None,
        date_format=date_format if isinstance(date_format, str) and len(date_format) <= 64
        else None,
    )


def schedule_hours(reply: Any) -> dict[str, MailboxInfo]:
    """The working hours a getSchedule reply carries per schedule (scheduleInformation's
    workingHours: days, start, end and the zone they are in, as the mailbox's settings hold
    them), by lower-cased address. Schedules with an error, or without working hours in a
    usable shape, are left out: Graph did not tell, so the caller asks mailboxSettings."""
    out: dict[str, MailboxInfo] = {}
    values = reply.get("value") if isinstance(reply, dict) else None
    for info in values if isinstance(values, list) else []:
        if not isinstance(info, dict) or info.get("error"):
            continue
        hours = info.get("workingHours")
        if not isinstance(hours, dict):
            continue
        zone = hours.get("timeZone")
        days = hours.get("daysOfWeek")
        if not (isinstance(zone, dict) and isinstance(zone.get("name"), str)
                and _time_of_day(hours.get("startTime"))
                and _time_of_day(hours.get("endTime"))
                and isinstance(days, list) and all(isinstance(d, str) for d in days)):
            continue
        who = str(info.get("scheduleId", "")).lower()
        out[who] = mailbox_info(who, {"workingHours": hours})
    return out


def _time_of_day(value: Any) -> bool:
    """Whether ``value`` is Edm.TimeOfDay text ("08:00:00.0000000") whose hours and minutes
    are what onetoone keeps."""
    try:
        time.fromisoformat(value[:5])
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _address(raw: Any) -> tuple[str, str]:
    box = (raw or {}).get("emailAddress") or {} if isinstance(raw, dict) else {}
    address = box.get("address") if isinstance(box, dict) else None
    name = box.get("name") if isinstance(box, dict) else None
    return (address.strip().lower() if isinstance(address, str) else "",
            name if isinstance(name, str) else "")


def _attendee(raw: Any) -> Attendee:
    email, name = _address(raw)
    status = (raw.get("status") or {}) if isinstance(raw, dict) else {}
    kind = str(raw.get("type") or "").lower() if isinstance(raw, dict) else ""
    return Attendee(email=email, name=name, response=str(status.get("response") or "").lower(),
                    kind=kind)


def _recurrence(raw: Any) -> Recurrence | None:
    if not isinstance(raw, dict):
        return None
    pattern, rng = raw.get("pattern") or {}, raw.get("range") or {}
    return Recurrence(
        pattern=str(pattern.get("type") or ""), interval=int(pattern.get("interval", 1) or 1),
        days=tuple(str(d).lower() for d in pattern.get("daysOfWeek") or ()),
        index=pattern.get("index"), range_type=str(rng.get("type") or ""),
        start_date=date.fromisoformat(rng["startDate"]) if rng.get("startDate") else None,
        end_date=date.fromisoformat(rng["endDate"]) if rng.get("endDate") else None,
        time_zone=rng.get("recurrenceTimeZone") or None,
        count=_count(rng.get("numberOfOccurrences")))


def _rooms(raw: Any) -> tuple[str, ...]:
    """The addresses of an event's locations that have one (``locations`` asked for)."""
    found = []
    for place in raw if isinstance(raw, list) else ():
        address = place.get("locationEmailAddress") if isinstance(place, dict) else None
        if isinstance(address, str) and address.strip():
            found.append(address.strip().lower())
    return tuple(found)


def _count(raw: Any) -> int | None:
    """A numbered range's count (Graph sends 0 for other ranges)."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


def _event_html(body: dict[str, Any]) -> str:
    """An event's body as HTML. Ours are HTML, but an event saved as plain text (by another
    client) comes as text: escaped here, so that what a person typed there (``<``, ``&``,
    anything markup-like) stays their text when read back or written around, never markup."""
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "html").lower() != "text":
        return content
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>\n".join(html.escape(line, quote=False) for line in lines)


def calendar_event(raw: dict[str, Any]) -> CalendarEvent:
    """An event (or an occurrence) from Graph's JSON; absent fields get their defaults."""
    start, end = raw.get("start"), raw.get("end")
    original = raw.get("originalStart")
    organizer = raw.get("organizer")
    return CalendarEvent(
        id=str(raw.get("id") or ""), type=raw.get("type"),
        start=parse_graph_datetime(start) if start else None,
        end=parse_graph_datetime(end) if end else None,
        original_start=parse_graph_datetime(original) if original else None,
        time_zone=raw.get("originalStartTimeZone") or (start or {}).get("timeZone"),
        subject=str(raw.get("subject") or ""),
        body=_event_html(raw.get("body") or {}),
        cancelled=bool(raw.get("isCancelled")),
        series_master_id=raw.get("seriesMasterId"), ical_uid=raw.get("iCalUId"),
        etag=raw.get("@odata.etag"),
        attendees=tuple(_attendee(a) for a in raw.get("attendees") or ()),
        organizer=_attendee(organizer) if organizer else None,
        is_organizer=raw.get("isOrganizer"), show_as=raw.get("showAs"),
        response=str((raw.get("responseStatus") or {}).get("response") or "").lower(),
        hide_attendees=raw.get("hideAttendees") is True,
        sensitivity=str(raw.get("sensitivity") or "").lower(),
        online=bool(raw.get("isOnlineMeeting")),
        recurrence=_recurrence(raw.get("recurrence")),
        rooms=_rooms(raw.get("locations")),
        tags=tuple((str(p.get("id")), str(p.get("value")))
                   for p in raw.get("singleValueExtendedProperties") or ()))


def mail_message_record(raw: dict[str, Any]) -> MailMessage:
    """A mail from Graph's message JSON."""
    return MailMessage(
        id=str(raw.get("id") or ""), subject=str(raw.get("subject") or ""),
        sender=_address(raw.get("from"))[0],
        # Graph's ``sender``: who sent it, when not the ``from`` person (Send on Behalf).
        sent_by=_address(raw.get("sender"))[0],
        to=tuple(_address(r)[0] for r in raw.get("toRecipients") or ()),
        cc=tuple(_address(r)[0] for r in raw.get("ccRecipients") or ()),
        body=str((raw.get("body") or {}).get("content") or ""),
        internet_message_id=str(raw.get("internetMessageId") or ""),
        sent_at=str(raw.get("sentDateTime") or ""),
        headers=tuple((str(h.get("name") or ""), str(h.get("value") or ""))
                      for h in raw.get("internetMessageHeaders") or () if isinstance(h, dict)),
        has_attachments=raw.get("hasAttachments") is True,
        html=str((raw.get("body") or {}).get("contentType") or "").lower() == "html",
        # A list of messages names a derived type's items by their @odata.type (minimal
        # metadata): #microsoft.graph.eventMessage, eventMessageRequest, eventMessageResponse.
        meeting="eventmessage" in str(raw.get("@odata.type") or "").lower())


def body_patch(html: str, *, sensitivity: str | None = None) -> dict[str, Any]:
    """The PATCH body replacing an event's invite text; with ``sensitivity``, setting that
    too, in the same update (no second meeting update for it).

    On a single meeting it takes effect. On an occurrence of a series Exchange keeps the
    series' sensitivity: MS-OXOCAL 2.2.10.2 lists PidTagSensitivity among the properties an
    exception "SHOULD NOT" carry and that client and server do not use, so an occurrence
    always shows its master's."""
    patch: dict[str, Any] = {"body": {"contentType": "html", "content": html}}
    if sensitivity is not None:
        patch["sensitivity"] = sensitivity
    return patch


def sensitivity_patch(sensitivity: str) -> dict[str, Any]:
    """The PATCH body setting a series' sensitivity alone (on its master: its occurrences
    show the master's, see ``body_patch``)."""
    return {"sensitivity": sensitivity}


def window(start: datetime, end: datetime) -> dict[str, str]:
    """The time window of a calendarView, instances or delta read, as UTC instants."""
    return {"startDateTime": iso_utc(start) + "Z", "endDateTime": iso_utc(end) + "Z"}


def delta_expired(exc: GraphError) -> bool:
    """Whether a delta link is one Graph no longer knows (a full read is needed)."""
    return exc.status == 410 or exc.code.lower() in ("syncstatenotfound", "resyncrequired")


def mailbox_gone(exc: GraphError | None) -> bool:
    """Whether ``exc`` says the mailbox asked about no longer exists (not just an item)."""
    return isinstance(exc, NotFound) and exc.code in MAILBOX_GONE_CODES


@dataclass(frozen=True)
class CalendarChanges:
    """One round of a calendar's delta: events added or changed (occurrences expanded),
    ids removed (deleted, cancelled away, or moved out of the window), and the link that
    asks for the changes after these. ``full`` when this was a whole re-read (no token, or
    it had expired): then an event not listed is not in the window at all."""

    events: list[CalendarEvent]
    removed: list[str]
    link: str
    full: bool


def calendar_changes(pages: Sequence[dict[str, Any]], full: bool) -> CalendarChanges:
    """The events and removals of a delta round's pages (the last carries the delta link)."""
    events: list[CalendarEvent] = []
    removed: list[str] = []
    for page in pages:
        for item in page.get("value", []):
            if "@removed" in item:
                removed.append(str(item.get("id") or ""))
            else:
                events.append(calendar_event(item))
    link = str(pages[-1].get("@odata.deltaLink") or "") if pages else ""
    return CalendarChanges(events, removed, link, full)
