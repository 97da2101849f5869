"""The sandbox's calendars: events, series, occurrences, meeting messages and free/busy.

Events are stored as Graph JSON plus a few private ``_`` keys (never sent out):

* ``_exceptions``: original start (UTC ISO) -> the fields an occurrence overrides;
* ``_cancelled``: original starts of deleted/cancelled occurrences;
* ``_copies``: attendee user id -> the id of their copy (on the organizer's event);
* ``_organizer_ref``: [organizer user id, organizer event id] (on an attendee's copy).

Occurrences are never stored: they are expanded with ``service.domain.recurrence`` each
time, and their ids are derived from the series id and the original start, so they are
stable across calls and processes.
"""

from __future__ import annotations

import copy
import html
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from service.domain import recurrence as rec
from service.graph.sandbox_core import (
    UTC,
    GraphFault,
    Request,
    Response,
    action_params,
    bad_request,
    dtz,
    expanded_ext_props,
    graph_time,
    html_to_text,
    iso_utc,
    page,
    parse_dtz,
    parse_filter,
    parse_instant,
    preview,
    property_names,
    select,
    text_to_html,
    top,
    validate_body,
    zone_of,
)

if TYPE_CHECKING:
    from service.graph.sandbox import SandboxTenant

OCCURRENCE_MARK = "_OID_"
TEAMS_RULE = "_" * 80
NOTIFY_FIELDS = {"subject", "body", "start", "end", "location", "locations", "recurrence"}
TIME_FIELDS = {"start", "end", "recurrence"}
EDITABLE = {
    "subject", "body", "start", "end", "location", "locations", "recurrence", "showAs",
    "attendees", "categories", "importance", "sensitivity", "isReminderOn",
    "reminderMinutesBeforeStart", "responseRequested", "allowNewTimeProposals", "isAllDay",
    "isOnlineMeeting", "onlineMeetingProvider", "singleValueExtendedProperties", "hideAttendees",
}
NOT_FOUND = "The specified object was not found in the store."
_NULL_TIME = "0001-01-01T00:00:00Z"
MAX_SCHEDULE_DAYS = 62

# -- ids and times ------------------------------------------------------------------------


def occurrence_id(series_id: str, original: datetime) -> str:
    """The stable id of the occurrence of ``series_id`` originally starting at ``original``."""
    return f"{series_id}{OCCURRENCE_MARK}{original.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def split_occurrence_id(event_id: str) -> tuple[str, datetime] | None:
    """(series id, original start) for an occurrence id, else None."""
    if OCCURRENCE_MARK not in event_id:
        return None
    series, stamp = event_id.rsplit(OCCURRENCE_MARK, 1)
    try:
        return series, datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def start_of(event: dict[str, Any]) -> datetime:
    return parse_dtz(event["start"], "start")


def end_of(event: dict[str, Any]) -> datetime:
    return parse_dtz(event["end"], "end")


def _local_bounds(event: dict[str, Any]) -> tuple[datetime, datetime]:
    zone = zone_of(event["start"].get("timeZone"))
    return start_of(event).astimezone(zone), end_of(event).astimezone(zone)


def _normal_dtz(value: dict[str, Any], what: str) -> dict[str, str]:
    """A dateTimeTimeZone as stored: the caller's zone name and seven-digit local time."""
    instant = parse_dtz(value, what)
    name = value.get("timeZone") or "UTC"
    return {"dateTime": graph_time(instant.astimezone(zone_of(name))), "timeZone": name}


# -- expansion ---------------------------------------------------------------------------


def occurrences(event: dict[str, Any], window_start: datetime, window_end: datetime
                ) -> list[dict[str, Any]]:
    """The occurrence and exception views of a series overlapping the window, by start."""
    local_start, local_end = _local_bounds(event)
    cancelled = set(event.get("_cancelled") or ())
    exceptions = event.get("_exceptions") or {}
    out = []
    for begin, _finish in rec.expand(event["recurrence"], local_start, local_end,
                                     window_start, window_end):
        key = iso_utc(begin)
        if key in cancelled or key in exceptions:
            continue
        out.append(_occurrence_view(event, begin))
    # Exceptions are placed by their own (possibly moved) times, not their original ones.
    for key in exceptions:
        view = _occurrence_view(event, parse_instant(key))
        if start_of(view) < window_end and end_of(view) > window_start:
            out.append(view)
    out.sort(key=start_of)
    return out


def _occurrence_view(master: dict[str, Any], original: datetime) -> dict[str, Any]:
    """An occurrence as Graph shows it: the master's fields, overlaid by its exception."""
    key = iso_utc(original)
    local_start, local_end = _local_bounds(master)
    zone_name = master["start"].get("timeZone") or "UTC"
    view = {k: v for k, v in master.items() if k not in ("recurrence",) and not
            k.startswith("_")}
    view["start"] = {"dateTime": graph_time(original.astimezone(local_start.tzinfo)),
                     "timeZone": zone_name}
    view["end"] = {"dateTime": graph_time((original + (local_end - local_start))
                                          .astimezone(local_start.tzinfo)),
                   "timeZone": zone_name}
    exception = (master.get("_exceptions") or {}).get(key)
    view.update(copy.deepcopy(exception or {}))
    view["id"] = occurrence_id(master["id"], original)
    view["type"] = "exception" if exception is not None else "occurrence"
    view["seriesMasterId"] = master["id"]
    view["originalStart"] = key
    view["recurrence"] = None
    return view


def find_event(tenant: SandboxTenant, uid: str, event_id: str
               ) -> tuple[dict[str, Any], dict[str, Any] | None, datetime | None]:
    """(stored event or its series, the occurrence view or None, original start or None)."""
    events = tenant.state["events"].setdefault(uid, {})
    if event_id in events:
        return events[event_id], None, None
    split = split_occurrence_id(event_id)
    if split and split[0] in events and events[split[0]].get("recurrence"):
        master, original = events[split[0]], split[1]
        key = iso_utc(original)
        local_start, _ = _local_bounds(master)
        if key not in (master.get("_cancelled") or ()) and (
                key in (master.get("_exceptions") or {})
                or rec.is_occurrence(master["recurrence"], local_start, original)):
            return master, _occurrence_view(master, original), original
    raise GraphFault(404, "ErrorItemNotFound", NOT_FOUND)


# -- rendering ---------------------------------------------------------------------------


def render(event: dict[str, Any], request: Request) -> dict[str, Any]:
    """The event as Graph returns it: times in the Prefer zone, body as asked, $select."""
    zone_name = request.prefer_zone
    zone_of(zone_name)
    out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
    out["@odata.etag"] = f'W/"{event.get("changeKey", "")}"'
    out["start"] = dtz(start_of(event), zone_name)
    out["end"] = dtz(end_of(event), zone_name)
    body = out.get("body") or {"contentType": "html", "content": ""}
    if request.text_body and body.get("contentType", "").lower() == "html":
        out["body"] = {"contentType": "text", "content": html_to_text(body.get("content", ""))}
    props = expanded_ext_props(event, request)
    out.pop("singleValueExtendedProperties", None)
    out = select(out, request, known=property_names("microsoft.graph.event"),
                 type_name="Microsoft.OutlookServices.Event")
    if props is not None:  # an expanded navigation property is shown whatever $select says
        out["singleValueExtendedProperties"] = props
    return out


def _context(request: Request, uid: str, what: str) -> str:
    return f"{request.base}/$metadata#users('{uid}')/{what}"


# -- meeting messages and attendee copies ------------------------------------------------


def _attendee_users(tenant: SandboxTenant, event: dict[str, Any], organizer_id: str
                    ) -> dict[str, dict[str, Any]]:
    """Tenant users among the attendees (external addresses get mail we cannot see)."""
    found: dict[str, dict[str, Any]] = {}
    for attendee in event.get("attendees") or []:
        address = ((attendee.get("emailAddress") or {}).get("address") or "").lower()
        user = tenant.find_user(address)
        if user is not None and user["id"] != organizer_id:
            found[user["id"]] = user
    return found


def _meeting_message(tenant: SandboxTenant, organizer: dict[str, Any], event: dict[str, Any],
                     kind: str, *, comment: str = "", original: datetime | None = None
                     ) -> dict[str, Any]:
    """A meeting request, update or cancellation as it lands in an attendee's inbox."""
    prefix = {"invite": "", "update": "Updated: ", "cancel": "Canceled: "}[kind]
    sender = {"emailAddress": {"name": organizer["displayName"], "address": organizer["mail"]}}
    content = (f"<html><body><div>{html.escape(comment)}</div></body></html>" if comment
               else (event.get("body") or {}).get("content", ""))
    message: dict[str, Any] = {
        "@odata.type": ("#microsoft.graph.eventMessage" if kind == "cancel"
                        else "#microsoft.graph.eventMessageRequest"),
        "id": tenant.new_id("message"),
        "createdDateTime": iso_utc(tenant.now()),
        "receivedDateTime": iso_utc(tenant.now()),
        "sentDateTime": iso_utc(tenant.now()),
        "subject": prefix + (event.get("subject") or ""),
        "body": {"contentType": "html", "content": content},
        "bodyPreview": preview(content, "html"),
        "from": sender,
        "sender": sender,
        "toRecipients": [{"emailAddress": a.get("emailAddress", {})}
                         for a in event.get("attendees") or []],
        "isRead": False,
        "isDraft": False,
        "meetingMessageType": "meetingCancelled" if kind == "cancel" else "meetingRequest",
        "startDateTime": dtz(start_of(event), "UTC"),
        "endDateTime": dtz(end_of(event), "UTC"),
        "type": event.get("type"),
        "isOutOfDate": False,
        "iCalUId": event.get("iCalUId"),
    }
    if kind != "cancel":
        message["meetingRequestType"] = "newMeetingRequest" if kind == "invite" else "fullUpdate"
        message["responseRequested"] = event.get("responseRequested", True)
    if original is not None:
        message["originalStart"] = iso_utc(original)
    return message


def _deliver(tenant: SandboxTenant, user_id: str, message: dict[str, Any]) -> None:
    tenant.folder(user_id, "inbox").append(message)


def _copy_for(event: dict[str, Any], copy_id: str, organizer_ref: list[str]) -> dict[str, Any]:
    """An attendee's copy: same iCalUId and times, not the organizer, no response yet."""
    dup = {k: copy.deepcopy(v) for k, v in event.items()
           if k not in ("_copies", "transactionId", "singleValueExtendedProperties",
                        "categories")}
    dup["id"] = copy_id
    dup["isOrganizer"] = False
    dup["responseStatus"] = {"response": "none", "time": _NULL_TIME}
    dup["_organizer_ref"] = organizer_ref
    dup["categories"] = []
    return dup


_SYNCED = ("subject", "body", "bodyPreview", "start", "end", "originalStartTimeZone",
           "originalEndTimeZone", "location", "locations", "recurrence", "type",
           "isOnlineMeeting", "onlineMeeting", "onlineMeetingProvider", "attendees",
           "organizer", "importance", "sensitivity", "isAllDay", "showAs", "iCalUId",
           "lastModifiedDateTime", "changeKey", "_exceptions", "_cancelled", "isCancelled")


def _sync_copies(tenant: SandboxTenant, organizer_id: str, event: dict[str, Any],
                 kind: str | None, *, original: datetime | None = None,
                 occurrence: dict[str, Any] | None = None, comment: str = "") -> None:
    """Bring attendee copies in line with the organizer's event and send them ``kind`` mail.

    New attendees get an invitation and a copy, removed ones a cancellation and lose it.
    """
    organizer = tenant.state["users"][organizer_id]
    copies = event.setdefault("_copies", {})
    wanted = _attendee_users(tenant, event, organizer_id)
    for uid in list(copies):
        if uid not in wanted:
            _remove_copy(tenant, uid, copies.pop(uid))
            if uid in tenant.state["users"]:
                _deliver(tenant, uid, _meeting_message(tenant, organizer, event, "cancel"))
    for uid in wanted:
        mailbox = tenant.state["events"].setdefault(uid, {})
        if uid not in copies:
            copy_id = tenant.new_id("event")
            mailbox[copy_id] = _copy_for(event, copy_id, [organizer_id, event["id"]])
            copies[uid] = copy_id
            _deliver(tenant, uid, _meeting_message(tenant, organizer, event, "invite"))
            continue
        dup = mailbox.get(copies[uid])
        if dup is None:  # the attendee deleted their copy; Exchange would not recreate it
            continue
        for name in _SYNCED:
            if name in event:
                dup[name] = copy.deepcopy(event[name])
        if kind:
            shown = occurrence if occurrence is not None else event
            _deliver(tenant, uid, _meeting_message(tenant, organizer, shown, kind,
                                                   comment=comment, original=original))


def _remove_copy(tenant: SandboxTenant, uid: str, copy_id: str) -> None:
    tenant.state["events"].get(uid, {}).pop(copy_id, None)


# -- Teams -------------------------------------------------------------------------------


def _teams_block(join_url: str, meeting_number: str) -> str:
    """The online-meeting block Exchange appends to a Teams meeting's body."""
    rule = (f'<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;'
            f'opacity:.36">{TEAMS_RULE}</span></div>')
    return (
        f'{rule}<div class="me-email-text" lang="en-GB" style="color:#252424;'
        f"font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">"
        '<div style="margin-top:24px;margin-bottom:20px"><span style="font-size:24px;'
        'color:#252424">Microsoft Teams meeting</span></div>'
        '<div style="margin-bottom:20px"><div style="margin-top:0px;margin-bottom:0px;'
        'font-weight:bold"><span style="font-size:14px;color:#252424">Join on your computer, '
        'mobile app or room device</span></div>'
        f'<a class="me-email-headline" href="{html.escape(join_url)}" target="_blank" '
        'rel="noreferrer noopener" style="font-size:14px;font-family:\'Segoe UI Semibold\','
        '\'Segoe UI\',\'Helvetica Neue\',Helvetica,Arial,sans-serif;text-decoration:underline;'
        'color:#6264a7">Click here to join the meeting</a></div>'
        '<div style="margin-bottom:20px;margin-top:20px"><div style="margin-bottom:4px">'
        '<span style="font-size:14px;color:#252424">Meeting ID: </span>'
        f'<span style="font-size:16px;color:#252424">{meeting_number}</span></div></div>'
        f"</div>{rule}"
    )


def _html_document(content: str) -> str:
    if re.search(r"<html\b", content, re.I):
        return content
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"</head><body>{content}</body></html>")


def _with_block(content: str, block: str) -> str:
    document = _html_document(content)
    index = document.lower().rfind("</body>")
    return document[:index] + block + document[index:] if index >= 0 else document + block


def _store_body(body: Any) -> dict[str, str]:
    """Event bodies are kept as HTML, like Exchange keeps them."""
    if not isinstance(body, dict):
        return {"contentType": "html", "content": ""}
    content = body.get("content") or ""
    if (body.get("contentType") or "text").lower() == "text":
        return {"contentType": "html", "content": text_to_html(content) if content else ""}
    return {"contentType": "html", "content": content}


def _apply_teams(tenant: SandboxTenant, organizer: dict[str, Any], event: dict[str, Any],
                 asked: bool, provider: str | None) -> None:
    """Give the event a Teams meeting when asked and the organizer's calendar offers Teams."""
    calendar = organizer["calendar"]
    provider = provider or calendar.get("defaultOnlineMeetingProvider") or "teamsForBusiness"
    allowed = calendar.get("allowedOnlineMeetingProviders") or []
    if not asked or provider != "teamsForBusiness" or provider not in allowed:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        event["onlineMeeting"] = None
        return
    if event.get("onlineMeeting"):
        return
    seed = uuid.uuid5(uuid.NAMESPACE_URL, event["id"])
    join = (f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{seed.hex}%40thread.v2/0"
            f"?context=%7b%22Tid%22%3a%22{tenant.tenant_id}%22%7d")
    number = " ".join(str(seed.int)[i: i + 3] for i in range(0, 12, 3))
    event["isOnlineMeeting"] = True
    event["onlineMeetingProvider"] = "teamsForBusiness"
    event["onlineMeeting"] = {"joinUrl": join, "conferenceId": str(seed.int)[:9],
                              "tollNumber": None, "phones": [], "quickDial": None,
                              "tollFreeNumbers": [], "tollFreeNumber": None}
    event["body"] = {"contentType": "html",
                     "content": _with_block((event.get("body") or {}).get("content", ""),
                                            _teams_block(join, number))}


def _check_teams_kept(event: dict[str, Any]) -> None:
    """A body without the join link turns the Teams meeting off (DESIGN.md, known traps)."""
    meeting = event.get("onlineMeeting") or {}
    join = meeting.get("joinUrl")
    content = (event.get("body") or {}).get("content", "")
    if join and join not in content and html.escape(join) not in content:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        event["onlineMeeting"] = None


# -- create ------------------------------------------------------------------------------


def _check_times(start: Any, end: Any) -> tuple[dict[str, str], dict[str, str]]:
    if not start or not end:
        raise bad_request("An event needs both 'start' and 'end'.", "ErrorInvalidRequest")
    s, e = _normal_dtz(start, "start"), _normal_dtz(end, "end")
    if parse_dtz(e, "end") < parse_dtz(s, "start"):
        raise bad_request("The event's end is before its start.",
                          "ErrorInvalidRequest")
    return s, e


def _check_all_day(start: dict[str, str], end: dict[str, str]) -> None:
    """Exchange's rule for ``isAllDay``: midnight to midnight in one zone, 24 hours or more.

    (Free/busy then shows the event over that whole span, in that zone, with its showAs.)
    """
    zone_name = start.get("timeZone") or "UTC"
    if (end.get("timeZone") or "UTC") != zone_name:
        raise bad_request("An all-day event's start and end must be in the same time zone.",
                          "ErrorInvalidRequest")
    zone = zone_of(zone_name)
    local_start = parse_dtz(start, "start").astimezone(zone)
    local_end = parse_dtz(end, "end").astimezone(zone)
    if any((t.hour, t.minute, t.second, t.microsecond) != (0, 0, 0, 0)
           for t in (local_start, local_end)):
        raise bad_request("Your request can't be completed. An event marked as All day must "
                          "start and end at midnight.", "ErrorInvalidRequest")
    if local_end.date() <= local_start.date():
        raise bad_request("The duration of an event marked as All day must be at least 24 "
                          "hours.", "ErrorInvalidRequest")


def _check_recurrence(recurrence: Any, start: dict[str, str], end: dict[str, str]) -> None:
    try:
        zone = zone_of(start.get("timeZone"))
        local = parse_dtz(start, "start").astimezone(zone)
        rec.expand(recurrence, local, parse_dtz(end, "end").astimezone(zone), local,
                   local + timedelta(days=1))
    except ValueError as exc:
        raise bad_request(f"Invalid recurrence: {exc}", "ErrorInvalidRequest") from None


def create_event(tenant: SandboxTenant, uid: str, body: Any, *, validate: bool = True
                 ) -> tuple[dict[str, Any], bool]:
    """Store a new event (or find the one with the same transactionId): (event, created)."""
    if validate:
        validate_body(body, "microsoft.graph.event")
    mailbox = tenant.state["events"].setdefault(uid, {})
    txn = body.get("transactionId")
    if txn:
        for existing in mailbox.values():
            if existing.get("transactionId") == txn:
                return existing, False
    start, end = _check_times(body.get("start"), body.get("end"))
    if body.get("isAllDay"):
        _check_all_day(start, end)
    recurrence = body.get("recurrence")
    if recurrence:
        _check_recurrence(recurrence, start, end)
    organizer = tenant.state["users"][uid]
    now = iso_utc(tenant.now())
    event_id = tenant.new_id("event")
    event: dict[str, Any] = {
        "id": event_id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "changeKey": tenant.new_id("changekey")[-16:],
        "categories": list(body.get("categories") or []),
        "transactionId": txn,
        "originalStartTimeZone": start["timeZone"],
        "originalEndTimeZone": end["timeZone"],
        "iCalUId": "040000008200E00074C5B7101A82E00800000000" + uuid.uuid5(
            uuid.NAMESPACE_OID, event_id).hex.upper(),
        "reminderMinutesBeforeStart": body.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": body.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": body.get("subject") or "",
        "importance": body.get("importance") or "normal",
        "sensitivity": body.get("sensitivity") or "normal",
        "isAllDay": bool(body.get("isAllDay", False)),
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": body.get("responseRequested", True),
        "seriesMasterId": None,
        "showAs": body.get("showAs") or "busy",
        "type": "seriesMaster" if recurrence else "singleInstance",
        "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "allowNewTimeProposals": body.get("allowNewTimeProposals", True),
        "isDraft": False,
        "hideAttendees": bool(body.get("hideAttendees", False)),
        "responseStatus": {"response": "organizer", "time": _NULL_TIME},
        "body": _store_body(body.get("body")),
        "start": start,
        "end": end,
        "location": body.get("location") or {"displayName": "", "locationType": "default",
                                             "uniqueIdType": "unknown", "address": {},
                                             "coordinates": {}},
        "locations": list(body.get("locations") or []),
        "recurrence": copy.deepcopy(recurrence) if recurrence else None,
        "attendees": [_attendee(a) for a in body.get("attendees") or []],
        "organizer": {"emailAddress": {"name": organizer["displayName"],
                                       "address": organizer["mail"]}},
        "singleValueExtendedProperties": [dict(p) for p in
                                          body.get("singleValueExtendedProperties") or []],
        "_exceptions": {},
        "_cancelled": [],
        "_copies": {},
    }
    _apply_teams(tenant, organizer, event, bool(body.get("isOnlineMeeting")),
                 body.get("onlineMeetingProvider"))
    event["bodyPreview"] = preview(event["body"]["content"], "html")
    mailbox[event_id] = event
    _sync_copies(tenant, uid, event, None)
    return event, True


def _attendee(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": value.get("type") or "required",
        "status": {"response": "none", "time": _NULL_TIME},
        "emailAddress": dict(value.get("emailAddress") or {}),
    }


# -- update, delete, cancel --------------------------------------------------------------


def _touch(tenant: SandboxTenant, event: dict[str, Any]) -> None:
    event["lastModifiedDateTime"] = iso_utc(tenant.now())
    event["changeKey"] = tenant.new_id("changekey")[-16:]


def _merge_props(current: list[dict[str, Any]], new: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    merged = {p["id"].lower(): dict(p) for p in current}
    for prop in new:
        merged[prop["id"].lower()] = dict(prop)
    return list(merged.values())


def update_event(tenant: SandboxTenant, uid: str, event_id: str, body: Any) -> dict[str, Any]:
    """PATCH an event, series or occurrence; the organizer's changes reach the attendees."""
    validate_body(body, "microsoft.graph.event")
    event, occurrence, original = find_event(tenant, uid, event_id)
    changes = {k: v for k, v in body.items() if k in EDITABLE}
    notify = bool(NOTIFY_FIELDS & set(changes)) and event.get("isOrganizer", False)
    if occurrence is not None and original is not None:
        return _update_occurrence(tenant, uid, event, original, changes, notify)
    if "start" in changes or "end" in changes:
        changes["start"], changes["end"] = _check_times(changes.get("start", event["start"]),
                                                        changes.get("end", event["end"]))
    if changes.get("isAllDay", event.get("isAllDay")) and (
            "start" in changes or "end" in changes or changes.get("isAllDay")):
        _check_all_day(changes.get("start", event["start"]), changes.get("end", event["end"]))
    if "start" in changes or "end" in changes:
        event["originalStartTimeZone"] = changes["start"]["timeZone"]
        event["originalEndTimeZone"] = changes["end"]["timeZone"]
    if changes.get("recurrence"):
        _check_recurrence(changes["recurrence"], changes.get("start", event["start"]),
                          changes.get("end", event["end"]))
    if "body" in changes:
        changes["body"] = _store_body(changes["body"])
    if "attendees" in changes:
        changes["attendees"] = [_attendee(a) for a in changes["attendees"] or []]
    if "singleValueExtendedProperties" in changes:
        changes["singleValueExtendedProperties"] = _merge_props(
            event.get("singleValueExtendedProperties") or [],
            changes["singleValueExtendedProperties"] or [])
    online = changes.pop("isOnlineMeeting", None)
    provider = changes.pop("onlineMeetingProvider", None)
    event.update(copy.deepcopy(changes))
    if "recurrence" in changes or TIME_FIELDS & set(changes):
        _reshape_series(event)
    if "body" in changes:
        event["bodyPreview"] = preview(event["body"]["content"], "html")
        _check_teams_kept(event)
    if online is not None and event.get("isOrganizer"):
        if online:
            _apply_teams(tenant, tenant.state["users"][uid], event, True, provider)
        else:
            _apply_teams(tenant, tenant.state["users"][uid], event, False, None)
    _touch(tenant, event)
    if event.get("isOrganizer"):
        _sync_copies(tenant, uid, event, "update" if notify else None)
    return event


def _reshape_series(event: dict[str, Any]) -> None:
    """After a time or recurrence change: keep only exceptions that are still occurrences."""
    if not event.get("recurrence"):
        event["type"] = "singleInstance"
        event["recurrence"] = None
        event["_exceptions"], event["_cancelled"] = {}, []
        return
    event["type"] = "seriesMaster"
    local_start, _ = _local_bounds(event)
    still = {key for key in list(event.get("_exceptions") or {}) + list(
        event.get("_cancelled") or [])
        if rec.is_occurrence(event["recurrence"], local_start, parse_instant(key))}
    event["_exceptions"] = {k: v for k, v in (event.get("_exceptions") or {}).items()
                            if k in still}
    event["_cancelled"] = [k for k in event.get("_cancelled") or [] if k in still]


def _update_occurrence(tenant: SandboxTenant, uid: str, master: dict[str, Any],
                       original: datetime, changes: dict[str, Any], notify: bool
                       ) -> dict[str, Any]:
    """Patching one occurrence turns it into an exception of its series."""
    if "recurrence" in changes:
        raise bad_request("The recurrence of a single occurrence cannot be changed.",
                          "ErrorInvalidRequest")
    key = iso_utc(original)
    exception = dict((master.get("_exceptions") or {}).get(key) or {})
    current = _occurrence_view(master, original)
    if "start" in changes or "end" in changes:
        exception["start"], exception["end"] = _check_times(
            changes.pop("start", current["start"]), changes.pop("end", current["end"]))
        if master.get("isAllDay"):
            _check_all_day(exception["start"], exception["end"])
    if "body" in changes:
        changes["body"] = _store_body(changes["body"])
        content = changes["body"]["content"]
        changes["bodyPreview"] = preview(content, "html")
        join = (master.get("onlineMeeting") or {}).get("joinUrl")
        if join and join not in content and html.escape(join) not in content:
            changes.update(isOnlineMeeting=False, onlineMeeting=None,
                           onlineMeetingProvider="unknown")
    changes.pop("singleValueExtendedProperties", None)
    changes.pop("attendees", None)
    exception.update(copy.deepcopy(changes))
    exception["lastModifiedDateTime"] = iso_utc(tenant.now())
    master.setdefault("_exceptions", {})[key] = exception
    _touch(tenant, master)
    view = _occurrence_view(master, original)
    if master.get("isOrganizer"):
        _sync_copies(tenant, uid, master, "update" if notify else None, original=original,
                     occurrence=view)
    return view


def delete_event(tenant: SandboxTenant, uid: str, event_id: str, comment: str = "") -> None:
    """Delete an event, series or one occurrence; the organizer's attendees are told."""
    event, occurrence, original = find_event(tenant, uid, event_id)
    if occurrence is not None and original is not None:
        key = iso_utc(original)
        event.setdefault("_exceptions", {}).pop(key, None)
        if key not in event.setdefault("_cancelled", []):
            event["_cancelled"].append(key)
        _touch(tenant, event)
        if event.get("isOrganizer"):
            _sync_copies(tenant, uid, event, "cancel", original=original,
                         occurrence=occurrence, comment=comment)
        return
    tenant.state["events"][uid].pop(event["id"], None)
    if not event.get("isOrganizer"):
        return
    organizer = tenant.state["users"][uid]
    for attendee_id, copy_id in (event.get("_copies") or {}).items():
        if attendee_id in tenant.state["users"]:
            _remove_copy(tenant, attendee_id, copy_id)
            _deliver(tenant, attendee_id,
                     _meeting_message(tenant, organizer, event, "cancel", comment=comment))


def cancel_event(tenant: SandboxTenant, uid: str, event_id: str, body: Any) -> None:
    """The cancel action: only the organizer may cancel, with an optional comment."""
    params = action_params(body or {})
    event, _occurrence, _original = find_event(tenant, uid, event_id)
    if not event.get("isOrganizer"):
        raise bad_request("Your request can't be completed. You need to be an organizer to "
                          "cancel a meeting.", "ErrorInvalidRequest")
    delete_event(tenant, uid, event_id, comment=str(params.get("comment") or ""))


# -- reads -------------------------------------------------------------------------------


def _window(request: Request) -> tuple[datetime, datetime]:
    start, end = request.query.get("startDateTime"), request.query.get("endDateTime")
    if not start or not end:
        raise bad_request("This request requires a time window specified by the query string "
                          "parameters StartDateTime and EndDateTime.", "ErrorInvalidParameter")
    return parse_instant(start, UTC, "startDateTime"), parse_instant(end, UTC, "endDateTime")


def calendar_items(tenant: SandboxTenant, uid: str, window_start: datetime,
                   window_end: datetime) -> list[dict[str, Any]]:
    """Single events, occurrences and exceptions overlapping the window, by start."""
    out = []
    for event in tenant.state["events"].get(uid, {}).values():
        if event.get("recurrence"):
            out.extend(occurrences(event, window_start, window_end))
        elif start_of(event) < window_end and (end_of(event) > window_start
                                               or start_of(event) == window_start):
            out.append(event)
    out.sort(key=lambda e: (start_of(e), e["id"]))
    return out


def list_view(tenant: SandboxTenant, uid: str, request: Request, event_id: str | None
              ) -> Response:
    """``calendarView`` (whole calendar) or ``instances`` (one series) in a window, paged."""
    window_start, window_end = _window(request)
    if event_id is None:
        items = calendar_items(tenant, uid, window_start, window_end)
        what = "calendarView"
    else:
        event, occurrence, _ = find_event(tenant, uid, event_id)
        if occurrence is not None:
            raise GraphFault(404, "ErrorItemNotFound", NOT_FOUND)
        items = occurrences(event, window_start, window_end) if event.get("recurrence") else []
        what = f"events('{event_id}')/instances"
    return _event_page(items, request, _context(request, uid, what))


def _event_page(items: list[dict[str, Any]], request: Request, context: str) -> Response:
    # $select is checked even when nothing matches, as Graph parses the URI first.
    select({}, request, known=property_names("microsoft.graph.event"),
           type_name="Microsoft.OutlookServices.Event")
    size = top(request, 10, 1000)
    rendered = [render(e, request) for e in items]
    return Response(200, page(rendered, request, size, token="$skip", context=context))


def list_events(tenant: SandboxTenant, uid: str, request: Request) -> Response:
    """Series masters and single events (never occurrences), filtered and paged."""
    wanted = parse_filter(request.option("filter"))
    items = [e for e in tenant.state["events"].get(uid, {}).values() if wanted.matches(e)]
    items.sort(key=lambda e: (e.get("createdDateTime", ""), e["id"]))
    return _event_page(items, request, _context(request, uid, "events"))


def get_event(tenant: SandboxTenant, uid: str, event_id: str, request: Request) -> Response:
    event, occurrence, _ = find_event(tenant, uid, event_id)
    return Response(200, render(occurrence if occurrence is not None else event, request))


# -- free/busy ---------------------------------------------------------------------------

# availabilityView digits. Graph documents 4 for working elsewhere but sends 0 "for backward
# compatibility"; an out-of-office item (showAs oof, e.g. an all-day "Annual leave") is 3 and
# outranks busy where they overlap. scheduleItems carry the item's own status ("oof").
_AVAILABILITY = {"free": "0", "workingElsewhere": "0", "tentative": "1", "busy": "2",
                 "oof": "3", "unknown": "0"}


def get_schedule(tenant: SandboxTenant, uid: str, request: Request) -> Response:
    """``calendar/getSchedule``: busy items and an availability string per address."""
    validate_body(request.body, "action:getSchedule")
    params = action_params(request.body)
    schedules = params.get("schedules") or []
    start = parse_dtz(params.get("starttime"), "startTime")
    end = parse_dtz(params.get("endtime"), "endTime")
    if end <= start:
        raise bad_request("The end time must be after the start time.", "ErrorInvalidParameter")
    if end - start > timedelta(days=MAX_SCHEDULE_DAYS):
        raise bad_request(f"The requested time duration is too long. The maximum duration "
                          f"allowed is {MAX_SCHEDULE_DAYS} days.", "ErrorInvalidParameter")
    interval = int(params.get("availabilityviewinterval") or 30)
    if not 5 <= interval <= 1440:
        raise bad_request("availabilityViewInterval must be between 5 and 1440 minutes.",
                          "ErrorInvalidParameter")
    zone_name = request.prefer_zone
    zone_of(zone_name)
    values = [_schedule_for(tenant, str(address), start, end, interval, zone_name)
              for address in schedules]
    return Response(200, {"@odata.context": f"{request.base}/$metadata#Collection("
                                            "microsoft.graph.scheduleInformation)",
                          "value": values})


def _schedule_for(tenant: SandboxTenant, address: str, start: datetime, end: datetime,
                  interval: int, zone_name: str) -> dict[str, Any]:
    user = tenant.find_user(address)
    if user is None or user.get("blocked_by_policy"):
        reason = ("ErrorMailRecipientNotFound" if user is None else "ErrorAccessDenied")
        return {"scheduleId": address, "availabilityView": "", "scheduleItems": [],
                "error": {"message": f"Free/busy information for '{address}' could not be "
                                     "retrieved.", "responseCode": reason}}
    items = [e for e in calendar_items(tenant, user["id"], start, end)
             if e.get("showAs", "busy") != "free" and not e.get("isCancelled")]
    slots = -(-int((end - start).total_seconds()) // (interval * 60))
    # Each item marks the slots it overlaps (times parsed once: a long window with many
    # items would otherwise cost slots x items parses).
    view = ["0"] * slots
    step = interval * 60
    for e in items:
        code = _AVAILABILITY.get(e.get("showAs", "busy"), "2")
        first = max(0, int((start_of(e) - start).total_seconds() // step))
        last = min(slots, -(-int((end_of(e) - start).total_seconds()) // step))
        for index in range(first, last):
            view[index] = max(view[index], code)
    schedule_items = []
    for e in items:
        private = e.get("sensitivity") == "private"
        item: dict[str, Any] = {"isPrivate": private, "status": e.get("showAs", "busy")}
        if not private:
            item["subject"] = e.get("subject", "")
            item["location"] = (e.get("location") or {}).get("displayName", "")
        item["isMeeting"] = bool(e.get("attendees"))
        item["isRecurring"] = e.get("type") in ("occurrence", "exception")
        item["isException"] = e.get("type") == "exception"
        item["isReminderSet"] = bool(e.get("isReminderOn"))
        item["start"] = dtz(start_of(e), zone_name)
        item["end"] = dtz(end_of(e), zone_name)
        schedule_items.append(item)
    hours = copy.deepcopy(user["mailboxSettings"]["workingHours"])
    return {"scheduleId": address, "availabilityView": "".join(view),
            "scheduleItems": schedule_items, "workingHours": hours}
