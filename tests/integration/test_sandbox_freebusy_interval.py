"""getSchedule refuses an availabilityViewInterval longer than the window it is asked about.

Exchange's answer (quoted in microsoftgraph/microsoft-graph-docs#6450 and, from Graph
Explorer, in PlaceOS/office365#29): 400 ErrorInvalidMergedFreeBusyInterval, "Specify an
interval that is less than the free/busy time window and between 5 and 1440 minutes"; an
interval as long as the window is taken. The sandbox took any interval from 5 to 1440, so
the product's items-only reads (a 1440-minute slot) of less than a day passed here and
failed against Graph: a rebooking offer in the last day of its window found the manager's
calendar "not readable" on every run, and the short rest of a window split at 61 days lost
that whole question's free/busy.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from service.domain.events import ScheduleQuery
from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client
from service.graph.wire import schedule_bodies
from service.sandbox import SandboxTenant, SandboxTransport

BASE = "https://graph.sandbox.invalid/v1.0"
NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _tenant() -> SandboxTenant:
    t = SandboxTenant(seed="freebusy-interval", now=lambda: NOW)
    boss = t.add_user("Ann Boss", "ann@contoso.example")
    t.add_user("Bob Report", "bob@contoso.example", manager=boss)
    return t


def _body(hours: float, interval: int) -> dict[str, object]:
    end = datetime(2024, 3, 18, 9, 0) + timedelta(hours=hours)
    return {"schedules": ["bob@contoso.example"],
            "startTime": {"dateTime": "2024-03-18T09:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "availabilityViewInterval": interval}


def test_an_interval_longer_than_the_window_is_refused_like_graph() -> None:
    tenant = _tenant()

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            url = "/users/ann@contoso.example/calendar/getSchedule"
            return [await c.post(url, json=_body(hours, interval))
                    for hours, interval in ((4, 1440), (0.25, 30), (4, 240), (24, 1440))]

    day_over_4h, half_over_15m, equal_4h, equal_day = asyncio.run(go())
    for refused in (day_over_4h, half_over_15m):
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "ErrorInvalidMergedFreeBusyInterval"
    assert equal_4h.status_code == 200 and equal_day.status_code == 200
    assert equal_4h.json()["value"][0]["availabilityView"] == "0"


def _client(tenant: SandboxTenant):  # type: ignore[no-untyped-def]
    return build_client(graph_url=BASE, token_provider=StaticTokenProvider(),
                        inner=SandboxTransport(tenant))


def test_items_only_reads_of_less_than_a_day_tell_the_calendars() -> None:
    """One question over 12 hours (a rebooking offer late in its window), and two batched
    ones of which one is that short: each person's busy time comes back, none is None."""
    tenant = _tenant()
    busy = datetime(2024, 3, 18, 14, 0, tzinfo=UTC)
    tenant.add_event("bob@contoso.example", "Dentist", busy, busy + timedelta(hours=1))
    lo, hi = datetime(2024, 3, 18, 12, 0, tzinfo=UTC), datetime(2024, 3, 19, 0, 0, tzinfo=UTC)
    short = ScheduleQuery(organizer="ann@contoso.example",
                          emails=("ann@contoso.example", "bob@contoso.example"), start=lo, end=hi)
    long = ScheduleQuery(organizer="bob@contoso.example", emails=("bob@contoso.example",),
                         start=lo - timedelta(days=20), end=hi)

    async def go():  # type: ignore[no-untyped-def]
        graph = _client(tenant)
        try:
            return (await graph.schedule_items_many([short]),
                    await graph.schedule_items_many([short, long]))
        finally:
            await graph.aclose()

    (alone,), (first, second) = asyncio.run(go())
    for answer in (alone, first, second):
        assert answer["bob@contoso.example"] is not None, answer
        assert [(i.start, i.status) for i in answer["bob@contoso.example"]] == [(busy, "busy")]
    assert alone["ann@contoso.example"] == [] and first["ann@contoso.example"] == []


def test_a_window_split_at_61_days_keeps_its_short_rest_readable() -> None:
    """61 days and 3 hours: the 3 hours are asked with the rest (under Graph's 62 days),
    never alone with a slot longer than they are; the busy time in them is found."""
    tenant = _tenant()
    lo = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
    hi = lo + timedelta(days=61, hours=3)
    busy = hi - timedelta(hours=2)
    tenant.add_event("bob@contoso.example", "Late call", busy, busy + timedelta(hours=1))

    async def go():  # type: ignore[no-untyped-def]
        graph = _client(tenant)
        try:
            return (await graph.free_busy("ann@contoso.example", ["bob@contoso.example"], lo, hi),
                    await graph.schedule_items_many([ScheduleQuery(
                        organizer="ann@contoso.example", emails=("bob@contoso.example",),
                        start=lo, end=hi)]))
        finally:
            await graph.aclose()

    spans, (items,) = asyncio.run(go())
    assert spans["bob@contoso.example"] == [(busy, busy + timedelta(hours=1))]
    assert [i.start for i in items["bob@contoso.example"] or []] == [busy]
    for interval in (30, 1440):
        for body in schedule_bodies(["bob@contoso.example"], lo, hi, interval):
            start = datetime.fromisoformat(body["startTime"]["dateTime"])
            end = datetime.fromisoformat(body["endTime"]["dateTime"])
            assert end - start < timedelta(days=62)
            assert 5 <= body["availabilityViewInterval"] <= (end - start).total_seconds() / 60
