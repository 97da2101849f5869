"""Working hours from a getSchedule reply (scheduleInformation.workingHours), as Graph's
documentation shows them, and what is left out so that mailboxSettings is asked instead."""

from __future__ import annotations

from typing import Any

from service.domain.events import MailboxInfo
from service.graph.wire import schedule_hours
from service.jobs.series_plan import mailbox_fields, zone_known

HOURS = {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
         "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
         "timeZone": {"name": "Pacific Standard Time"}}
CUSTOM = {"@odata.type": "#microsoft.graph.customTimeZone", "bias": 480,
          "name": "Customized Time Zone",
          "standardOffset": {"time": "02:00:00.0000000", "dayOccurrence": 1,
                             "dayOfWeek": "sunday", "month": 11, "year": 0},
          "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000",
                             "dayOccurrence": 2, "dayOfWeek": "sunday", "month": 3, "year": 0}}


def _reply(*schedules: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection("
                              "microsoft.graph.scheduleInformation)", "value": list(schedules)}


def test_the_documented_answer_gives_each_schedules_hours_by_address() -> None:
    got = schedule_hours(_reply(
        {"scheduleId": "AdeleV@contoso.onmicrosoft.com", "availabilityView": "000220000",
         "scheduleItems": [], "workingHours": HOURS},
        {"scheduleId": "meganb@contoso.onmicrosoft.com", "availabilityView": "200220010",
         "scheduleItems": [], "workingHours": {**HOURS, "timeZone": CUSTOM}}))
    adele = got["adelev@contoso.onmicrosoft.com"]
    assert adele == MailboxInfo(
        user_id="adelev@contoso.onmicrosoft.com", working_days=tuple(HOURS["daysOfWeek"]),
        working_start="08:00:00.0000000", working_end="17:00:00.0000000",
        working_time_zone="Pacific Standard Time")
    assert zone_known(adele)
    assert mailbox_fields(adele) == {"time_zone": "America/Los_Angeles",
                                     "days": (0, 1, 2, 3, 4), "start": "08:00",
                                     "end": "17:00"}
    # A custom zone is parsed as mailboxSettings' is, but names no zone: the job asks
    # mailboxSettings for that person instead.
    megan = got["meganb@contoso.onmicrosoft.com"]
    assert megan.working_time_zone == "Customized Time Zone" and not zone_known(megan)


def test_errors_and_odd_shapes_are_left_out_one_by_one() -> None:
    good = {"scheduleId": "ok@contoso.example", "scheduleItems": [], "workingHours": HOURS}
    bad: list[Any] = [
        {"scheduleId": "err@contoso.example", "availabilityView": "", "scheduleItems": [],
         "error": {"message": "Free/busy information could not be retrieved.",
                   "responseCode": "ErrorMailRecipientNotFound"}, "workingHours": HOURS},
        {"scheduleId": "none@contoso.example", "scheduleItems": []},
        {"scheduleId": "null@contoso.example", "workingHours": None},
        {"scheduleId": "zone@contoso.example", "workingHours": {**HOURS, "timeZone": "UTC"}},
        {"scheduleId": "nozone@contoso.example",
         "workingHours": {k: v for k, v in HOURS.items() if k != "timeZone"}},
        {"scheduleId": "days@contoso.example", "workingHours": {**HOURS, "daysOfWeek": "mon"}},
        {"scheduleId": "day@contoso.example", "workingHours": {**HOURS, "daysOfWeek": [1]}},
        {"scheduleId": "start@contoso.example", "workingHours": {**HOURS, "startTime": 8}},
        {"scheduleId": "text@contoso.example", "workingHours": {**HOURS, "endTime": "soon"}},
        {"scheduleId": "list@contoso.example", "workingHours": {**HOURS, "endTime": ["08"]}},
        {"scheduleId": "name@contoso.example",
         "workingHours": {**HOURS, "timeZone": {"name": ["x"]}}},
        "not an object",
        None,
    ]
    assert list(schedule_hours(_reply(*bad, good))) == ["ok@contoso.example"]
    for reply in (None, [], "text", {"value": None}, {"value": "x"}, {}):
        assert schedule_hours(reply) == {}


def test_hostile_names_are_kept_as_text_and_map_to_no_zone() -> None:
    """A zone name is outside text: whatever it holds, it is only looked up, never run."""
    for name in ("<script>alert(1)</script>", "Europe/../../etc/passwd", "\u202eUTC",
                 "GMT Standard Time\x00", ""):
        got = schedule_hours(_reply({"scheduleId": "x@contoso.example",
                                     "workingHours": {**HOURS, "timeZone": {"name": name}}}))
        info = got["x@contoso.example"]
        assert info.working_time_zone == name and not zone_known(info)
