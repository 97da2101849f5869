"""The sandbox's free/busy for out-of-office and all-day events, and the client's view of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.app import graph_for
from service.config import default_settings
from service.graph.client import ScheduleQuery
from service.sandbox import SandboxTenant, SandboxTransport

BASE = "https://graph.sandbox.invalid/v1.0"
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def tenant() -> SandboxTenant:
    t = SandboxTenant(seed="oof", now=lambda: NOW)
    ann = t.add_user("Ann Boss", "ann@contoso.example")
    t.add_user("Bob Report", "bob@contoso.example", manager=ann)
    t.add_user("Nia York", "nia@contoso.example", manager=ann, time_zone="Eastern Standard Time")
    zed = t.add_user("Zed Boss", "zed@contoso.example")
    t.add_user("Yan Report", "yan@contoso.example", manager=zed)
    return t


def schedule(tenant: SandboxTenant, who: list[str], start: str, end: str,
             interval: int = 60, zone: str = "UTC") -> dict[str, Any]:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            return await c.post(
                "/users/ann@contoso.example/calendar/getSchedule",
                json={"schedules": who, "startTime": {"dateTime": start, "timeZone": "UTC"},
                      "endTime": {"dateTime": end, "timeZone": "UTC"},
                      "availabilityViewInterval": interval},
                headers={"Prefer": f'outlook.timezone="{zone}"'})
    response = asyncio.run(go())
    assert response.status_code == 200, response.text
    return response.json()


def post_event(tenant: SandboxTenant, mailbox: str, body: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            return await c.post(f"/users/{mailbox}/events", json=body)
    return asyncio.run(go())


def graph_call(tenant: SandboxTenant, fn):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        graph = graph_for(default_settings(), sandbox=tenant)
        try:
            return await fn(graph)
        finally:
            await graph.aclose()
    return asyncio.run(go())


def test_out_of_office_item_is_oof_and_digit_three(tenant: SandboxTenant) -> None:
    """A showAs oof event is an 'oof' scheduleItem and a 3 in availabilityView."""
    tenant.add_event("bob@contoso.example", "Dentist", datetime(2026, 12, 7, 10, tzinfo=UTC),
                     datetime(2026, 12, 7, 12, tzinfo=UTC), show_as="oof")
    tenant.add_event("bob@contoso.example", "Review", datetime(2026, 12, 7, 11, tzinfo=UTC),
                     datetime(2026, 12, 7, 13, tzinfo=UTC))
    info = schedule(tenant, ["bob@contoso.example"], "2026-12-07T09:00:00",
                    "2026-12-07T14:00:00")["value"][0]
    assert info["availabilityView"] == "03320"  # oof outranks busy where they overlap
    statuses = [(i["status"], i["start"]["dateTime"][:16]) for i in info["scheduleItems"]]
    assert statuses == [("oof", "2026-12-07T10:00"), ("busy", "2026-12-07T11:00")]


def test_all_day_leave_covers_midnight_to_midnight_in_its_zone(tenant: SandboxTenant) -> None:
    """A week of all-day leave in New York spans 05:00 UTC to 05:00 UTC, shown as oof."""
    tenant.add_absence("nia@contoso.example", date(2026, 12, 14), date(2026, 12, 18))
    info = schedule(tenant, ["nia@contoso.example"], "2026-12-14T00:00:00",
                    "2026-12-19T12:00:00", interval=60)["value"][0]
    [item] = info["scheduleItems"]
    assert item["status"] == "oof"
    assert item["start"] == {"dateTime": "2026-12-14T05:00:00.0000000", "timeZone": "UTC"}
    assert item["end"] == {"dateTime": "2026-12-19T05:00:00.0000000", "timeZone": "UTC"}
    view = info["availabilityView"]
    assert view[:5] == "00000" and set(view[5:5 + 120]) == {"3"} and view[125:] == "0000000"
    # In the person's own zone the item is exactly midnight to midnight.
    local = schedule(tenant, ["nia@contoso.example"], "2026-12-14T00:00:00",
                     "2026-12-19T12:00:00", zone="Eastern Standard Time")["value"][0]
    assert local["scheduleItems"][0]["start"]["dateTime"] == "2026-12-14T00:00:00.0000000"
    assert local["scheduleItems"][0]["end"]["dateTime"] == "2026-12-19T00:00:00.0000000"


def test_all_day_event_keeps_its_show_as(tenant: SandboxTenant) -> None:
    """An all-day busy event is busy all day; a free or working-elsewhere one is 0."""
    tenant.add_absence("bob@contoso.example", date(2026, 12, 8), date(2026, 12, 8),
                       subject="Offsite", show_as="busy")
    tenant.add_absence("bob@contoso.example", date(2026, 12, 9), date(2026, 12, 9),
                       subject="Birthday", show_as="free")
    tenant.add_absence("bob@contoso.example", date(2026, 12, 10), date(2026, 12, 10),
                       subject="Home", show_as="workingElsewhere")
    info = schedule(tenant, ["bob@contoso.example"], "2026-12-08T00:00:00",
                    "2026-12-11T00:00:00", interval=1440)["value"][0]
    assert info["availabilityView"] == "200"
    assert sorted(i["status"] for i in info["scheduleItems"]) == ["busy", "workingElsewhere"]


def test_all_day_needs_midnights_and_a_whole_day(tenant: SandboxTenant) -> None:
    """Exchange refuses an all-day event that is not midnight to midnight, 24 h or more."""
    def body(start: str, end: str, zone: str = "GMT Standard Time") -> dict[str, Any]:
        return {"subject": "Leave", "isAllDay": True, "showAs": "oof",
                "start": {"dateTime": start, "timeZone": zone},
                "end": {"dateTime": end, "timeZone": zone}}

    bad_time = post_event(tenant, "bob@contoso.example",
                          body("2026-12-07T09:00:00", "2026-12-08T00:00:00"))
    assert bad_time.status_code == 400 and "midnight" in bad_time.text
    too_short = post_event(tenant, "bob@contoso.example",
                           body("2026-12-07T00:00:00", "2026-12-07T00:00:00"))
    assert too_short.status_code == 400 and "24" in too_short.text
    ok = post_event(tenant, "bob@contoso.example",
                    body("2026-12-07T00:00:00", "2026-12-09T00:00:00"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["isAllDay"] is True


def test_client_schedule_items_keep_statuses(tenant: SandboxTenant) -> None:
    """schedule_items tells oof from busy; free_busy still returns only busy intervals."""
    tenant.add_absence("bob@contoso.example", date(2026, 12, 14), date(2026, 12, 15))
    tenant.add_event("bob@contoso.example", "Sync", datetime(2026, 12, 16, 10, tzinfo=LONDON),
                     datetime(2026, 12, 16, 11, tzinfo=LONDON))
    tenant.add_event("bob@contoso.example", "Home", datetime(2026, 12, 17, 10, tzinfo=LONDON),
                     datetime(2026, 12, 17, 11, tzinfo=LONDON), show_as="workingElsewhere")
    start, end = datetime(2026, 12, 14, tzinfo=UTC), datetime(2026, 12, 19, tzinfo=UTC)
    who = ["bob@contoso.example", "nobody@contoso.example"]
    items = graph_call(tenant, lambda g: g.schedule_items("ann@contoso.example", who, start,
                                                          end))
    assert items["nobody@contoso.example"] is None
    got = [(i.status, i.start, i.end) for i in items["bob@contoso.example"]]
    assert got == [
        ("oof", datetime(2026, 12, 14, tzinfo=UTC), datetime(2026, 12, 16, tzinfo=UTC)),
        ("busy", datetime(2026, 12, 16, 10, tzinfo=UTC), datetime(2026, 12, 16, 11, tzinfo=UTC)),
        ("workingElsewhere", datetime(2026, 12, 17, 10, tzinfo=UTC),
         datetime(2026, 12, 17, 11, tzinfo=UTC)),
    ]
    busy = graph_call(tenant, lambda g: g.free_busy("ann@contoso.example", who, start, end))
    assert busy["nobody@contoso.example"] is None
    assert busy["bob@contoso.example"] == [(s, e) for st, s, e in got if st != "workingElsewhere"]


def test_many_managers_in_one_batch(tenant: SandboxTenant) -> None:
    """Two managers' questions go in one $batch request (getSchedule per manager inside)."""
    tenant.add_absence("yan@contoso.example", date(2026, 12, 14), date(2026, 12, 14))
    start = datetime(2026, 12, 14, tzinfo=UTC)
    queries = [
        ScheduleQuery("ann@contoso.example", ("ann@contoso.example", "bob@contoso.example"),
                      start, start + timedelta(days=20)),
        ScheduleQuery("zed@contoso.example", ("zed@contoso.example", "yan@contoso.example"),
                      start, start + timedelta(days=20)),
    ]
    tenant.reset_counters()
    ann, zed = graph_call(tenant, lambda g: g.schedule_items_many(queries))
    assert tenant.count("POST", r"^/\$batch$") == 1
    assert tenant.count("POST", r"/calendar/getSchedule$") == 2  # the two inside the batch
    assert ann == {"ann@contoso.example": [], "bob@contoso.example": []}
    assert [i.status for i in zed["yan@contoso.example"] or []] == ["oof"]


def test_one_question_is_one_plain_request(tenant: SandboxTenant) -> None:
    """A single question skips $batch: exactly one getSchedule request."""
    start = datetime(2026, 12, 14, tzinfo=UTC)
    tenant.reset_counters()
    graph_call(tenant, lambda g: g.schedule_items_many([ScheduleQuery(
        "ann@contoso.example", ("bob@contoso.example",), start, start + timedelta(days=5))]))
    assert len(tenant.requests) == 1 and tenant.count("POST", "getSchedule") == 1


def test_a_blocked_mailbox_is_unknown_not_fatal(tenant: SandboxTenant) -> None:
    """A manager the app may not read gives None for their question; the other is answered."""
    tenant.block_mailbox("zed@contoso.example")
    start = datetime(2026, 12, 14, tzinfo=UTC)
    queries = [ScheduleQuery("ann@contoso.example", ("bob@contoso.example",), start,
                             start + timedelta(days=5)),
               ScheduleQuery("zed@contoso.example", ("yan@contoso.example",), start,
                             start + timedelta(days=5))]
    ann, zed = graph_call(tenant, lambda g: g.schedule_items_many(queries))
    assert ann == {"bob@contoso.example": []}
    assert zed == {"yan@contoso.example": None}
