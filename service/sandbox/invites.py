"""Meeting mail and attendee copies: what an organizer's change sends to the attendees."""

from __future__ import annotations

import copy
import html
from datetime import datetime
from typing import Any

from service.sandbox.bodies import preview
from service.sandbox.occurrences import end_of, start_of
from service.sandbox.state import TenantState, has_mailbox
from service.sandbox.wire import dtz, iso_utc

NULL_TIME = "0001-01-01T00:00:00Z"


def _attendee_users(tenant: TenantState, event: dict[str, Any], organizer_id: str
                    ) -> dict[str, dict[str, Any]]:
    """Tenant users among the attendees (external addresses get mail we cannot see)."""
    found: dict[str, dict[str, Any]] = {}
    for attendee in event.get("attendees") or []:
        address = ((attendee.get("emailAddress") or {}).get("address") or "").lower()
        user = tenant.find_user(address)
        if user is not None and has_mailbox(user) and user["id"] != organizer_id:
            found[user["id"]] = user
    return found


def meeting_message(tenant: TenantState, organizer: dict[str, Any], event: dict[str, Any],
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


def deliver(tenant: TenantState, user_id: str, message: dict[str, Any]) -> None:
    tenant.folder(user_id, "inbox").append(message)


_SCALARS = (str, int, float, bool, type(None))


def _clone(value: Any) -> Any:
    """A deep copy of Graph-shaped data: dicts, lists and scalars rebuilt directly (several
    times faster than ``copy.deepcopy``), anything else by ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {k: _clone(v) for k, v in value.items()}
    if kind is list:
        return [_clone(v) for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def _hide_others(tenant: TenantState, event: dict[str, Any], dup: dict[str, Any],
                 uid: str) -> None:
    """With hideAttendees, user ``uid``'s copy lists that user alone among the attendees
    (Graph: "each attendee only sees themselves in the meeting request and meeting Tracking
    list"); the organizer's event lists them all."""
    if event.get("hideAttendees"):
        dup["attendees"] = [
            a for a in dup.get("attendees") or []
            if (user := tenant.find_user((a.get("emailAddress") or {}).get("address") or ""))
            is not None and user["id"] == uid]


def _copy_for(event: dict[str, Any], copy_id: str, organizer_ref: list[str]) -> dict[str, Any]:
    """An attendee's copy: same iCalUId and times, not the organizer, no response yet."""
    dup = {k: _clone(v) for k, v in event.items()
           if k not in ("_copies", "transactionId", "singleValueExtendedProperties",
                        "categories")}
    dup["id"] = copy_id
    dup["isOrganizer"] = False
    dup["responseStatus"] = {"response": "none", "time": NULL_TIME}
    dup["_organizer_ref"] = organizer_ref
    dup["categories"] = []
    return dup


_SYNCED = ("subject", "body", "bodyPreview", "start", "end", "originalStartTimeZone",
           "originalEndTimeZone", "location", "locations", "recurrence", "type",
           "isOnlineMeeting", "onlineMeeting", "onlineMeetingProvider", "attendees",
           "organizer", "importance", "sensitivity", "isAllDay", "showAs", "iCalUId",
           "lastModifiedDateTime", "changeKey", "_exceptions", "_cancelled", "isCancelled")


def sync_copies(tenant: TenantState, organizer_id: str, event: dict[str, Any],
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
            remove_copy(tenant, uid, copies.pop(uid))
            if uid in tenant.state["users"]:
                deliver(tenant, uid, meeting_message(tenant, organizer, event, "cancel"))
    for uid in wanted:
        mailbox = tenant.state["events"].setdefault(uid, {})
        if uid not in copies:
            copy_id = tenant.new_id("event")
            mailbox[copy_id] = _copy_for(event, copy_id, [organizer_id, event["id"]])
            _hide_others(tenant, event, mailbox[copy_id], uid)
            copies[uid] = copy_id
            deliver(tenant, uid, meeting_message(tenant, organizer, event, "invite"))
            continue
        dup = mailbox.get(copies[uid])
        if dup is None:  # the attendee deleted their copy; Exchange would not recreate it
            continue
        for name in _SYNCED:
            if name in event:
                dup[name] = _clone(event[name])
        _hide_others(tenant, event, dup, uid)
        if kind:
            shown = occurrence if occurrence is not None else event
            deliver(tenant, uid, meeting_message(tenant, organizer, shown, kind,
                                                   comment=comment, original=original))


def remove_copy(tenant: TenantState, uid: str, copy_id: str) -> None:
    tenant.state["events"].get(uid, {}).pop(copy_id, None)
