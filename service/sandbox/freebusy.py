"""Free/busy: ``calendar/getSchedule`` over the calendar index (times parsed once)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from service.sandbox.occurrences import calendar_index
from service.sandbox.schemas import action_params, validate_body
from service.sandbox.state import TenantState
from service.sandbox.wire import Request, Response, bad_request, dtz, parse_dtz, zone_of

MAX_SCHEDULE_DAYS = 62

# compatibility"; an out-of-office item (showAs oof, e.g. an all-day "Annual leave") is 3 and
# outranks busy where they overlap. scheduleItems carry the item's own status ("oof").
_AVAILABILITY = {"free": "0", "workingElsewhere": "0", "tentative": "1", "busy": "2",
                 "oof": "3", "unknown": "0"}


def get_schedule(tenant: TenantState, uid: str, request: Request) -> Response:
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


def _schedule_for(tenant: TenantState, address: str, start: datetime, end: datetime,
                  interval: int, zone_name: str) -> dict[str, Any]:
    user = tenant.find_user(address)
    if user is None or user.get("blocked_by_policy"):
        reason = ("ErrorMailRecipientNotFound" if user is None else "ErrorAccessDenied")
        return {"scheduleId": address, "availabilityView": "", "scheduleItems": [],
                "error": {"message": f"Free/busy information for '{address}' could not be "
                                     "retrieved.", "responseCode": reason}}
    items = [t for t in calendar_index(tenant, user["id"], start, end)
             if t.event.get("showAs", "busy") != "free" and not t.event.get("isCancelled")]
    slots = -(-int((end - start).total_seconds()) // (interval * 60))
    # Each item marks the slots it overlaps, from times the index parsed once.
    view = ["0"] * slots
    step = interval * 60
    for item_start, item_end, e in items:
        code = _AVAILABILITY.get(e.get("showAs", "busy"), "2")
        first = max(0, int((item_start - start).total_seconds() // step))
        last = min(slots, -(-int((item_end - start).total_seconds()) // step))
        for index in range(first, last):
            view[index] = max(view[index], code)
    schedule_items = []
    for item_start, item_end, e in items:
        private = e.get("sensitivity") == "private"
        item: dict[str, Any] = {"isPrivate": private, "status": e.get("showAs", "busy")}
        if not private:
            item["subject"] = e.get("subject", "")
            item["location"] = (e.get("location") or {}).get("displayName", "")
        item["isMeeting"] = bool(e.get("attendees"))
        item["isRecurring"] = e.get("type") in ("occurrence", "exception")
        item["isException"] = e.get("type") == "exception"
        item["isReminderSet"] = bool(e.get("isReminderOn"))
        item["start"] = dtz(item_start, zone_name)
        item["end"] = dtz(item_end, zone_name)
        schedule_items.append(item)
    hours = copy.deepcopy(user["mailboxSettings"]["workingHours"])
    return {"scheduleId": address, "availabilityView": "".join(view),
            "scheduleItems": schedule_items, "workingHours": hours}
