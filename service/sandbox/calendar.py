"""The sandbox's calendar endpoints: create, read, update, delete and cancel events.

How events are stored, and how series expand into occurrences, is in ``occurrences``.
"""

from __future__ import annotations

import copy
import html
import uuid
from datetime import datetime, timedelta
from typing import Any

from service.domain import recurrence as rec
from service.sandbox.bodies import html_to_text, preview, store_body
from service.sandbox.invites import (
    NULL_TIME,
    deliver,
    meeting_message,
    remove_copy,
    sync_copies,
)
from service.sandbox.occurrences import (
    NOT_FOUND,
    Timed,
    calendar_index,
    find_event,
    occurrence_view,
    timed,
    timed_occurrences,
)
from service.sandbox.odata import expanded_ext_props, page, parse_filter, select, top
from service.sandbox.schemas import action_params, property_names, validate_body
from service.sandbox.state import TenantState, json_copy
from service.sandbox.teams import apply_teams, check_teams_kept
from service.sandbox.wire import (
    UTC,
    GraphFault,
    Request,
    Response,
    bad_request,
    dtz,
    graph_time,
    iso_utc,
    parse_dtz,
    parse_instant,
    zone_of,
)

NOTIFY_FIELDS = {"subject", "body", "start", "end", "location", "locations", "recurrence"}
TIME_FIELDS = {"start", "end", "recurrence"}
EDITABLE = {
    "subject", "body", "start", "end", "location", "locations", "recurrence", "showAs",
    "attendees", "categories", "importance", "sensitivity", "isReminderOn",
    "reminderMinutesBeforeStart", "responseRequested", "allowNewTimeProposals", "isAllDay",
    "isOnlineMeeting", "onlineMeetingProvider", "singleValueExtendedProperties", "hideAttendees",
}


def _normal_dtz(value: dict[str, Any], what: str) -> dict[str, str]:
    """A dateTimeTimeZone as stored: the caller's zone name and seven-digit local time."""
    instant = parse_dtz(value, what)
    name = value.get("timeZone") or "UTC"
    return {"dateTime": graph_time(instant.astimezone(zone_of(name))), "timeZone": name}


# -- rendering ---------------------------------------------------------------------------


def render(event: dict[str, Any], request: Request, times: Timed | None = None
           ) -> dict[str, Any]:
    """The event as Graph returns it: times in the Prefer zone, body as asked, $select."""
    zone_name = request.prefer_zone
    zone_of(zone_name)
    item = times or timed(event)
    # Copied once $select has kept what it keeps: copying every field first cost more than
    # the rest of a calendarView.
    out = {k: v for k, v in event.items() if not k.startswith("_")}
    out["@odata.etag"] = f'W/"{event.get("changeKey", "")}"'
    out["start"] = dtz(item.start, zone_name)
    out["end"] = dtz(item.end, zone_name)
    body = out.get("body") or {"contentType": "html", "content": ""}
    if request.text_body and body.get("contentType", "").lower() == "html":
        out["body"] = {"contentType": "text", "content": html_to_text(body.get("content", ""))}
    props = expanded_ext_props(event, request)
    out.pop("singleValueExtendedProperties", None)
    out = json_copy(select(out, request, known=property_names("microsoft.graph.event"),
                           type_name="Microsoft.OutlookServices.Event"))
    if props is not None:  # an expanded navigation property is shown whatever $select says
        out["singleValueExtendedProperties"] = props
    return out


def _context(request: Request, uid: str, what: str) -> str:
    return f"{request.base}/$metadata#users('{uid}')/{what}"


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


def _as_stored(recurrence: dict[str, Any]) -> dict[str, Any]:
    """The recurrence as Graph gives it back: every range has an endDate and a
    numberOfOccurrences, placeholders where its type does not use them ("0001-01-01" and 0),
    so code reading one must go by the range's type."""
    out = copy.deepcopy(recurrence)
    rng = out.setdefault("range", {})
    kind = rng.get("type") or "noEnd"
    if kind != "endDate":
        rng["endDate"] = "0001-01-01"
    if kind != "numbered":
        rng["numberOfOccurrences"] = 0
    return out


def create_event(tenant: TenantState, uid: str, body: Any, *, validate: bool = True
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
        "responseStatus": {"response": "organizer", "time": NULL_TIME},
        "body": store_body(body.get("body")),
        "start": start,
        "end": end,
        "location": body.get("location") or {"displayName": "", "locationType": "default",
                                             "uniqueIdType": "unknown", "address": {},
                                             "coordinates": {}},
        "locations": list(body.get("locations") or []),
        "recurrence": _as_stored(recurrence) if recurrence else None,
        "attendees": [_attendee(a) for a in body.get("attendees") or []],
        "organizer": {"emailAddress": {"name": organizer["displayName"],
                                       "address": organizer["mail"]}},
        "singleValueExtendedProperties": [dict(p) for p in
                                          body.get("singleValueExtendedProperties") or []],
        "_exceptions": {},
        "_cancelled": [],
        "_copies": {},
    }
    apply_teams(tenant, organizer, event, bool(body.get("isOnlineMeeting")),
                 body.get("onlineMeetingProvider"))
    event["bodyPreview"] = preview(event["body"]["content"], "html")
    mailbox[event_id] = event
    sync_copies(tenant, uid, event, None)
    return event, True


def _attendee(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": value.get("type") or "required",
        "status": {"response": "none", "time": NULL_TIME},
        "emailAddress": dict(value.get("emailAddress") or {}),
    }


# -- update, delete, cancel --------------------------------------------------------------


def _touch(tenant: TenantState, event: dict[str, Any]) -> None:
    event["lastModifiedDateTime"] = iso_utc(tenant.now())
    event["changeKey"] = tenant.new_id("changekey")[-16:]


def _merge_props(current: list[dict[str, Any]], new: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    merged = {p["id"].lower(): dict(p) for p in current}
    for prop in new:
        merged[prop["id"].lower()] = dict(prop)
    return list(merged.values())


def update_event(tenant: TenantState, uid: str, event_id: str, body: Any) -> dict[str, Any]:
    """PATCH an event, series or occurrence; the organizer's changes reach the attendees."""
    validate_body(body, "microsoft.graph.event")
    event, occurrence, original = find_event(tenant, uid, event_id)
    changes = {k: v for k, v in body.items() if k in EDITABLE}
    notify = bool(NOTIFY_FIELDS & set(changes)) and event.get("isOrganizer", False)
    if occurrence is not None and original is not None:
        return update_occurrence(tenant, uid, event, original, changes, notify,
                                 keep_order=True)
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
        changes["recurrence"] = _as_stored(changes["recurrence"])
    if "body" in changes:
        changes["body"] = store_body(changes["body"])
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
        check_teams_kept(event)
    if online is not None and event.get("isOrganizer"):
        if online:
            apply_teams(tenant, tenant.state["users"][uid], event, True, provider)
        else:
            apply_teams(tenant, tenant.state["users"][uid], event, False, None)
    _touch(tenant, event)
    if event.get("isOrganizer"):
        sync_copies(tenant, uid, event, "update" if notify else None)
    return event


def _reshape_series(event: dict[str, Any]) -> None:
    """After a change of the master's recurrence (pattern or range) or times: every exception
    goes, as in Exchange. MS-OXOCAL 3.1.4.7.3.5 (updating a recurring series) rebuilds the
    recurrence BLOB without its exception list, and Outlook warns "Any exceptions associated
    with this recurring appointment will be cancelled" (even for a new end date alone):
    moved occurrences snap back to the pattern, deleted ones come back, and a body typed
    into one occurrence is gone (every occurrence shows the master's again). A PATCH that
    leaves recurrence, start and end alone keeps them (update_event does not come here)."""
    if not event.get("recurrence"):
        event["type"] = "singleInstance"
        event["recurrence"] = None
        event["_exceptions"], event["_cancelled"] = {}, []
        return
    event["type"] = "seriesMaster"
    event["_exceptions"], event["_cancelled"] = {}, []


# Graph's event-update page (v1.0, Response): "This method can return an HTTP 400 Bad
# Request response with an error code of ErrorOccurrenceCrossingBoundary and the following
# error message: Modified occurrence is crossing or overlapping adjacent occurrence. This
# indicates that the update violates the following Outlook restriction on recurrence
# exceptions: an occurrence cannot be moved to or before the day of the previous occurrence,
# and cannot be moved to or after the day of the following occurrence."
CROSSING = "Modified occurrence is crossing or overlapping adjacent occurrence."
_NEIGHBOUR_REACH = timedelta(days=400)  # far enough for any pattern onetoone or Outlook makes


def _check_not_crossing(master: dict[str, Any], original: datetime, new_start: datetime
                        ) -> None:
    """Refuse a move of one occurrence onto or past the day (in the series' zone) where its
    previous or next occurrence is now (moved ones where they were moved to; cancelled ones
    are gone), as Exchange does."""
    zone = zone_of(master["start"].get("timeZone"))
    day = new_start.astimezone(zone).date()
    before: Timed | None = None
    after: Timed | None = None
    for item in timed_occurrences(master, original - _NEIGHBOUR_REACH,
                                  original + _NEIGHBOUR_REACH):
        other = item.original
        if other < original and (before is None or other > before.original):
            before = item
        elif other > original and (after is None or other < after.original):
            after = item
    if (before is not None and day <= before.start.astimezone(zone).date()) or (
            after is not None and day >= after.start.astimezone(zone).date()):
        raise bad_request(CROSSING, "ErrorOccurrenceCrossingBoundary")


def update_occurrence(tenant: TenantState, uid: str, master: dict[str, Any],
                       original: datetime, changes: dict[str, Any], notify: bool,
                       *, keep_order: bool = False) -> dict[str, Any]:
    """Patching one occurrence turns it into an exception of its series. ``keep_order``
    (every Graph PATCH): a move onto or past a neighbour's day is refused, as Graph
    documents (see CROSSING). The simulated people's moves (people.py) are not held to it:
    some tests have a manager drag a meeting weeks ahead, which Outlook would refuse too."""
    if "recurrence" in changes:
        raise bad_request("The recurrence of a single occurrence cannot be changed.",
                          "ErrorInvalidRequest")
    key = iso_utc(original)
    exception = dict((master.get("_exceptions") or {}).get(key) or {})
    current = occurrence_view(master, original)
    if "start" in changes or "end" in changes:
        exception["start"], exception["end"] = _check_times(
            changes.pop("start", current["start"]), changes.pop("end", current["end"]))
        if master.get("isAllDay"):
            _check_all_day(exception["start"], exception["end"])
        if keep_order:
            _check_not_crossing(master, original, parse_dtz(exception["start"], "start"))
    if "body" in changes:
        changes["body"] = store_body(changes["body"])
        content = changes["body"]["content"]
        changes["bodyPreview"] = preview(content, "html")
        join = (master.get("onlineMeeting") or {}).get("joinUrl")
        if join and join not in content and html.escape(join) not in content:
            changes.update(isOnlineMeeting=False, onlineMeeting=None,
                           onlineMeetingProvider="unknown")
    changes.pop("singleValueExtendedProperties", None)
    changes.pop("attendees", None)
    changes.pop("sensitivity", None)  # MS-OXOCAL 2.2.10.2: an exception's is unused (series')
    exception.update(copy.deepcopy(changes))
    exception["lastModifiedDateTime"] = iso_utc(tenant.now())
    master.setdefault("_exceptions", {})[key] = exception
    _touch(tenant, master)
    view = occurrence_view(master, original)
    if master.get("isOrganizer"):
        sync_copies(tenant, uid, master, "update" if notify else None, original=original,
                     occurrence=view)
    return view


def delete_event(tenant: TenantState, uid: str, event_id: str, comment: str = "") -> None:
    """Delete an event, series or one occurrence; the organizer's attendees are told."""
    event, occurrence, original = find_event(tenant, uid, event_id)
    if occurrence is not None and original is not None:
        key = iso_utc(original)
        event.setdefault("_exceptions", {}).pop(key, None)
        if key not in event.setdefault("_cancelled", []):
            event["_cancelled"].append(key)
        _touch(tenant, event)
        if event.get("isOrganizer"):
            sync_copies(tenant, uid, event, "cancel", original=original,
                         occurrence=occurrence, comment=comment)
        return
    tenant.state["events"][uid].pop(event["id"], None)
    if not event.get("isOrganizer"):
        return
    organizer = tenant.state["users"][uid]
    for attendee_id, copy_id in (event.get("_copies") or {}).items():
        if attendee_id in tenant.state["users"]:
            remove_copy(tenant, attendee_id, copy_id)
            deliver(tenant, attendee_id,
                     meeting_message(tenant, organizer, event, "cancel", comment=comment))


def cancel_event(tenant: TenantState, uid: str, event_id: str, body: Any) -> None:
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


def list_view(tenant: TenantState, uid: str, request: Request, event_id: str | None
              ) -> Response:
    """``calendarView`` (whole calendar) or ``instances`` (one series) in a window, paged."""
    window_start, window_end = _window(request)
    if event_id is None:
        items = calendar_index(tenant, uid, window_start, window_end)
        what = "calendarView"
    else:
        event, occurrence, _ = find_event(tenant, uid, event_id)
        if occurrence is not None:
            raise GraphFault(404, "ErrorItemNotFound", NOT_FOUND)
        items = (timed_occurrences(event, window_start, window_end)
                 if event.get("recurrence") else [])
        what = f"events('{event_id}')/instances"
    return _event_page(items, request, _context(request, uid, what))


def _event_page(items: list[Timed] | list[dict[str, Any]], request: Request, context: str
                ) -> Response:
    # $select is checked even when nothing matches, as Graph parses the URI first.
    select({}, request, known=property_names("microsoft.graph.event"),
           type_name="Microsoft.OutlookServices.Event")
    size = top(request, 10, 1000)
    if items:
        zone_of(request.prefer_zone)  # a bad zone is refused whichever page is asked for
    # Paged by position first, so only the page's items are rendered (not every item in
    # the window for each page a client walks through).
    positions: list[Any] = list(range(len(items)))
    body = page(positions, request, size, token="$skip", context=context)
    body["value"] = [_render_item(items[n], request) for n in body["value"]]
    return Response(200, body)


def _render_item(item: Timed | dict[str, Any], request: Request) -> dict[str, Any]:
    return render(item.event, request, item) if isinstance(item, Timed) else render(item,
                                                                                    request)


def list_events(tenant: TenantState, uid: str, request: Request) -> Response:
    """Series masters and single events (never occurrences), filtered and paged."""
    wanted = parse_filter(request.option("filter"))
    items = [e for e in tenant.state["events"].get(uid, {}).values() if wanted.matches(e)]
    items.sort(key=lambda e: (e.get("createdDateTime", ""), e["id"]))
    return _event_page(items, request, _context(request, uid, "events"))


def get_event(tenant: TenantState, uid: str, event_id: str, request: Request) -> Response:
    event, occurrence, _ = find_event(tenant, uid, event_id)
    return Response(200, render(occurrence if occurrence is not None else event, request))
