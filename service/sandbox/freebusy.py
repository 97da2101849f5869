"""Free/busy: ``calendar/getSchedule`` over the calendar index (times parsed once)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from service.sandbox.occurrences import calendar_index
from service.sandbox.schemas import action_params, validate_body
from service.sandbox.state import TenantState, has_mailbox
from service.sandbox.wire import (
    Request,
    Response,
    bad_request,
    graph_time,
    parse_dtz,
    zone_of,
)

MAX_SCHEDULE_DAYS = 62
# Graph's documentation says 20 schedules per call; the service itself refuses more than 100
# (ErrorMailboxDataArrayTooBig), and that is what a request over the limit meets here.
MAX_SCHEDULES = 100

# compatibility"; an out-of-office item (showAs oof, e.g. an all-day "Annual leave") is 3 and
# outranks busy where they overlap. scheduleItems carry the item's own status ("oof").
_AVAILABILITY = {"free": "0", "workingElsewhere": "0", "tentative": "1", "busy": "2",
                 "oof": "3", "unknown": "0"}


def get_schedule(tenant: TenantState, uid: str, request: Request) -> Response:
    """``calendar/getSchedule``: busy items and an availability string per address."""
    validate_body(request.body, "action:getSchedule")
    params = action_params(request.body)
    schedules = params.get("schedules") or []
    if len(schedules) > MAX_SCHEDULES:
        raise bad_request(f"There are too many target users in the EmailAddress array. The "
                          f"allowed size = {MAX_SCHEDULES}; the actual size = {len(schedules)}.",
                          "ErrorMailboxDataArrayTooBig")
    start = parse_dtz(params.get("starttime"), "startTime")
    end = parse_dtz(params.get("endtime"), "endTime")
    if end <= start:
        raise bad_request("The end time must be after the start time.", "ErrorInvalidParameter")
    if end - start > timedelta(days=MAX_SCHEDULE_DAYS):
        raise bad_request(f"The requested time duration is too long. The maximum duration "
                          f"allowed is {MAX_SCHEDULE_DAYS} days.", "ErrorInvalidParameter")
    interval = int(params.get("availabilityviewinterval") or 30)
    # Exchange refuses a slot longer than the window too, whole request (PlaceOS/office365#29,
    # microsoftgraph/microsoft-graph-docs#6450 quote its answer); one as long is taken.
    if not 5 <= interval <= 1440 or timedelta(minutes=interval) > end - start:
        raise bad_request("The specified merged free/busy interval is not valid. Specify an "
                          "interval that is less than the free/busy time window and  between "
                          "5 and 1440 minutes.", "ErrorInvalidMergedFreeBusyInterval")
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
    if user is None or not has_mailbox(user) or user.get("blocked_by_policy"):
        reason = ("ErrorAccessDenied" if user is not None and has_mailbox(user)
                  else "ErrorMailRecipientNotFound")
        return {"scheduleId": address, "availabilityView": "", "scheduleItems": [],
                "error": {"message": f"Free/busy information for '{address}' could not be "
                                     "retrieved.", "responseCode": reason}}
    # The index parsed each item's times once; fields are read without copying the item.
    items = [t for t in calendar_index(tenant, user["id"], start, end)
             if t.get("showAs", "busy") != "free" and not t.get("isCancelled")]
    slots = -(-int((end - start).total_seconds()) // (interval * 60))
    view = ["0"] * slots
    step = interval * 60
    for t in items:
        code = _AVAILABILITY.get(t.get("showAs", "busy"), "2")
        first = max(0, int((t.start - start).total_seconds() // step))
        last = min(slots, -(-int((t.end - start).total_seconds()) // step))
        for index in range(first, last):
            view[index] = max(view[index], code)
    zone = zone_of(zone_name)
    schedule_items = []
    for t in items:
        private = t.get("sensitivity") == "private"
        item: dict[str, Any] = {"isPrivate": private, "status": t.get("showAs", "busy")}
        if not private:
            item["subject"] = t.get("subject", "")
            item["location"] = (t.get("location") or {}).get("displayName", "")
        item["isMeeting"] = bool(t.get("attendees"))
        kind = t.get("type")
        item["isRecurring"] = kind in ("occurrence", "exception")
        item["isException"] = kind == "exception"
        item["isReminderSet"] = bool(t.get("isReminderOn"))
        item["start"] = {"dateTime": graph_time(t.start.astimezone(zone)), "timeZone": zone_name}
        item["end"] = {"dateTime": graph_time(t.end.astimezone(zone)), "timeZone": zone_name}
        schedule_items.append(item)
    hours = copy.deepcopy(user["mailboxSettings"]["workingHours"])
    return {"scheduleId": address, "availabilityView": "".join(view),
            "scheduleItems": schedule_items, "workingHours": hours}
