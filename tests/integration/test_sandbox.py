"""The sandbox tenant behaves like Microsoft Graph v1.0 for the calls onetoone makes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.sandbox import SandboxTenant, SandboxTransport, demo_tenant
from service.sandbox.bodies import html_to_text

BASE = "https://graph.sandbox.invalid/v1.0"
PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name onetoone.pairing"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def tenant() -> SandboxTenant:
    t = SandboxTenant(now=lambda: datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    boss = t.add_user("Ann Boss", "ann@contoso.example", groups=["Managers"])
    t.add_user("Bob Report", "bob@contoso.example", manager=boss, hire_date=date(2024, 2, 1))
    t.add_user("Cat Report", "cat@contoso.example", manager=boss,
               time_zone="Eastern Standard Time")
    t.add_user("Gus Guest", "gus@partner.example", user_type="Guest", enabled=False)
    return t


def run(coro):
    return asyncio.run(coro)


def client(tenant: SandboxTenant, token: str | None = "t") -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE, headers=headers)


def series_body(**extra: Any) -> dict[str, Any]:
    body = {
        "subject": "1-2-1: Ann & Bob",
        "body": {"contentType": "html", "content": "<p>Agenda</p>"},
        "start": {"dateTime": "2024-03-18T10:00:00", "timeZone": "GMT Standard Time"},
        "end": {"dateTime": "2024-03-18T10:30:00", "timeZone": "GMT Standard Time"},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                        "firstDayOfWeek": "monday"},
            "range": {"type": "endDate", "startDate": "2024-03-18", "endDate": "2024-04-15",
                      "recurrenceTimeZone": "GMT Standard Time"},
        },
        "attendees": [{"emailAddress": {"address": "bob@contoso.example", "name": "Bob"},
                       "type": "required"}],
        "transactionId": "txn-1",
        "singleValueExtendedProperties": [{"id": PROP, "value": "p-1"}],
    }
    body.update(extra)
    return body


async def _create(c: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    r = await c.post("/users/ann@contoso.example/events", json=series_body(**extra))
    assert r.status_code == 201, r.text
    return r.json()


WINDOW = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-05-01T00:00:00Z"}


def test_users_are_paged_filtered_selected_and_expanded(tenant):
    """GET /users honours %24-encoded $filter/$select/$expand/$top and pages by nextLink."""
    async def go():
        async with client(tenant) as c:
            r = await c.get("/users?%24filter=accountEnabled%20eq%20true%20and%20userType%20eq"
                            "%20%27Member%27&%24select=id%2CdisplayName&%24expand=manager(%24"
                            "select%3Did)&%24top=2")
            first = r.json()
            assert r.headers["content-type"] == "application/json"
            assert {"request-id", "client-request-id"} <= set(r.headers)
            second = (await c.get(first["@odata.nextLink"])).json()
            return first, second
    first, second = run(go())
    names = [u["displayName"] for u in first["value"] + second["value"]]
    assert names == ["Ann Boss", "Bob Report", "Cat Report"]
    assert "@odata.nextLink" not in second
    assert first["@odata.nextLink"].startswith(BASE + "/users?")
    bob = first["value"][1]
    assert set(bob) == {"id", "displayName", "manager"}
    assert bob["manager"]["id"] == tenant.user("ann@contoso.example")["id"]
    assert "manager" not in first["value"][0]


def test_expand_caps_a_directory_page_at_100_whatever_top_says():
    """$expand on directory objects returns at most 100 per page, even with $top=999, as
    Graph documents; without $expand a page holds up to 999."""
    t = SandboxTenant(now=lambda: datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    boss = t.add_user("Ann Boss", "ann@contoso.example")
    for n in range(250):
        t.add_user(f"Report {n}", f"r{n}@contoso.example", manager=boss)

    async def pages(url: str) -> list[int]:
        sizes: list[int] = []
        async with client(t) as c:
            next_url: str | None = url
            while next_url:
                body = (await c.get(next_url)).json()
                sizes.append(len(body["value"]))
                next_url = body.get("@odata.nextLink")
        return sizes

    assert run(pages("/users?$select=id&$expand=manager($select=id)&$top=999")) == [
        100, 100, 51]
    assert run(pages("/users?$select=id&$top=999")) == [251]
    boss_id = t.user("ann@contoso.example")["id"]
    assert run(pages(f"/users/{boss_id}/directReports?$expand=manager&$top=999")) == [
        100, 100, 50]


def test_a_hire_date_written_with_an_offset_is_read_in_utc(tenant):
    """employeeHireDate is a DateTimeOffset, which Graph gives in UTC whatever offset it was
    written with: a Sydney midnight is 13:00Z the day before."""
    tenant.add_user("Sam Starter", "sam@contoso.example", hire_date="2026-03-02T00:00:00+11:00")

    async def go():
        async with client(tenant) as c:
            return (await c.get("/users/sam@contoso.example?$select=employeeHireDate")).json()
    assert run(go())["employeeHireDate"] == "2026-03-01T13:00:00Z"


def test_user_lookup_manager_reports_and_group_members(tenant):
    """A user by UPN, their manager, direct reports and group members, or a 404."""
    async def go():
        async with client(tenant) as c:
            user = (await c.get("/users/bob@contoso.example?$select=id,employeeHireDate"
                                "&$expand=manager($select=id)")).json()
            manager = (await c.get(f"/users/{user['id']}/manager?$select=id,displayName")).json()
            reports = (await c.get(f"/users/{manager['id']}/directReports?$select=id")).json()
            group = next(iter(tenant.state["groups"]))
            # The cast is an advanced query (ConsistencyLevel: eventual, $count=true).
            members = (await c.get(f"/groups/{group}/transitiveMembers/microsoft.graph.user"
                                   "?$select=id,mail&$count=true",
                                   headers={"ConsistencyLevel": "eventual"})).json()
            missing = await c.get("/users/nobody@contoso.example")
            no_manager = await c.get(f"/users/{manager['id']}/manager")
            return user, manager, reports, members, missing, no_manager
    user, manager, reports, members, missing, no_manager = run(go())
    assert user["employeeHireDate"] == "2024-02-01T00:00:00Z"
    assert manager["displayName"] == "Ann Boss"
    assert len(reports["value"]) == 2
    assert [m["mail"] for m in members["value"]] == ["ann@contoso.example"]
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"
    assert no_manager.status_code == 404


def test_unknown_select_property_is_a_400_even_for_empty_results(tenant):
    """A $select name the type lacks (e.g. commas lost: idsubject) is refused like Graph."""
    async def go():
        async with client(tenant) as c:
            events = await c.get("/users/ann@contoso.example/events?$select=idsubject")
            users = await c.get("/users?$select=iddisplayName")
            return events, users
    events, users = run(go())
    assert events.status_code == 400 and "'idsubject'" in events.json()["error"]["message"]
    assert users.status_code == 400 and "'iddisplayName'" in users.json()["error"]["message"]


def test_mailbox_settings_and_calendar(tenant):
    """mailboxSettings gives the Windows zone and working hours; calendar the providers."""
    async def go():
        async with client(tenant) as c:
            cat = tenant.user("cat@contoso.example")["id"]
            s = (await c.get(f"/users/{cat}/mailboxSettings?$select=timeZone,workingHours")).json()
            cal = (await c.get(f"/users/{cat}/calendar?$select=allowedOnlineMeetingProviders,"
                               "defaultOnlineMeetingProvider")).json()
            return s, cal
    settings, cal = run(go())
    assert settings["timeZone"] == "Eastern Standard Time"
    assert settings["workingHours"]["startTime"] == "09:00:00.0000000"
    assert settings["workingHours"]["timeZone"]["name"] == "Eastern Standard Time"
    assert "automaticRepliesSetting" not in settings
    assert cal["allowedOnlineMeetingProviders"] == ["teamsForBusiness"]


def test_error_bodies_for_404_403_401(tenant):
    """Unknown mailbox 404 ErrorInvalidUser, blocked 403 RAOP, bad token 401, Graph's shape."""
    tenant.block_mailbox("cat@contoso.example")

    async def go():
        async with client(tenant) as c:
            unknown = await c.get("/users/nobody@contoso.example/mailboxSettings")
            blocked = await c.get("/users/cat@contoso.example/events")
            event = await c.get("/users/ann@contoso.example/events/AAMkNOPE")
        async with client(tenant, "sandbox-bad-token") as c:
            bad = await c.get("/users")
        async with client(tenant, None) as c:
            none = await c.get("/users")
        return unknown, blocked, event, bad, none
    unknown, blocked, event, bad, none = run(go())
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "ErrorInvalidUser")
    assert blocked.status_code == 403
    assert blocked.json()["error"]["message"] == (
        "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
        "AccessPolicy settings.")
    assert (event.status_code, event.json()["error"]["code"]) == (404, "ErrorItemNotFound")
    assert bad.status_code == 401 and none.status_code == 401
    inner = unknown.json()["error"]["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}


def test_transaction_id_makes_a_retry_return_the_same_series(tenant):
    """A second POST with the same transactionId returns the existing event, no duplicate."""
    async def go():
        async with client(tenant) as c:
            return await _create(c), await _create(c)
    first, second = run(go())
    assert first["id"] == second["id"]
    assert len(tenant.events("ann@contoso.example")) == 1
    assert len(tenant.meeting_messages("bob@contoso.example", "invite")) == 1
    assert first["type"] == "seriesMaster"
    assert first["start"] == {"dateTime": "2024-03-18T10:00:00.0000000", "timeZone": "UTC"}
    assert first["originalStartTimeZone"] == "GMT Standard Time"


def test_schema_invalid_post_is_refused_like_graph(tenant):
    """An unknown property or a wrong enum value gets 400 RequestBodyRead; nothing stored."""
    async def go():
        async with client(tenant) as c:
            unknown = await c.post("/users/ann@contoso.example/events",
                                   json=series_body(colour="blue"))
            nested = await c.post("/users/ann@contoso.example/events",
                                  json=series_body(body={"contentType": "html", "text": "x"}))
            enum = await c.post("/users/ann@contoso.example/events",
                                json=series_body(showAs="sleeping"))
            recurrence = await c.post("/users/ann@contoso.example/events", json=series_body(
                recurrence={"pattern": {"type": "weekly", "interval": 1},
                            "range": {"type": "noEnd", "startDate": "2024-03-18"}}))
            return unknown, nested, enum, recurrence
    unknown, nested, enum, recurrence = run(go())
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "RequestBodyRead"
    assert unknown.json()["error"]["message"].startswith(
        "The property 'colour' does not exist on type 'Microsoft.OutlookServices.Event'")
    assert "'text' does not exist on type 'Microsoft.OutlookServices.ItemBody'" in (
        nested.json()["error"]["message"])
    assert enum.status_code == 400 and "sleeping" in enum.json()["error"]["message"]
    assert recurrence.status_code == 400 and "daysOfWeek" in recurrence.json()["error"]["message"]
    assert tenant.events("ann@contoso.example") == []


def test_instances_keep_wall_clock_across_dst_and_page(tenant):
    """instances: 10:00 London is 10:00Z before 31 March and 09:00Z after; paged by 2."""
    async def go():
        async with client(tenant) as c:
            master = await _create(c)
            url = f"/users/ann@contoso.example/events/{master['id']}/instances"
            pages, r = [], await c.get(url, params={**WINDOW, "$top": "2"})
            pages.append(r.json())
            while "@odata.nextLink" in pages[-1]:
                pages.append((await c.get(pages[-1]["@odata.nextLink"])).json())
            london = await c.get(url, params=WINDOW,
                                 headers={"Prefer": 'outlook.timezone="GMT Standard Time"'})
            missing = await c.get(url)
            return master, pages, london.json(), missing
    master, pages, london, missing = run(go())
    items = [e for p in pages for e in p["value"]]
    assert len(pages) == 3
    assert [e["start"]["dateTime"][11:16] for e in items] == ["10:00", "10:00", "09:00",
                                                               "09:00", "09:00"]
    assert {e["type"] for e in items} == {"occurrence"}
    assert all(e["seriesMasterId"] == master["id"] for e in items)
    assert items[0]["originalStart"] == "2024-03-18T10:00:00Z"
    assert [e["start"]["dateTime"][11:16] for e in london["value"]] == ["10:00"] * 5
    assert london["value"][0]["start"]["timeZone"] == "GMT Standard Time"
    assert missing.status_code == 400


def test_occurrence_patch_exception_and_delete_reach_attendees(tenant):
    """Patching an occurrence makes an exception; deleting one cancels it; Bob is told."""
    async def go():
        async with client(tenant) as c:
            master = await _create(c)
            url = f"/users/ann@contoso.example/events/{master['id']}/instances"
            first, second = (await c.get(url, params=WINDOW)).json()["value"][:2]
            patched = await c.patch(f"/users/ann@contoso.example/events/{first['id']}",
                                    json={"body": {"contentType": "html",
                                                   "content": "<p>Agenda: goals</p>"}})
            deleted = await c.delete(f"/users/ann@contoso.example/events/{second['id']}")
            after = (await c.get(url, params=WINDOW)).json()["value"]
            bob = tenant.user("bob@contoso.example")["id"]
            bob_view = (await c.get(f"/users/{bob}/calendarView",
                                    params={**WINDOW, "$top": "50"})).json()["value"]
            again = await c.get(f"/users/ann@contoso.example/events/{first['id']}",
                                headers={"Prefer": 'outlook.body-content-type="text"'})
            return first, patched, deleted, after, bob_view, again.json()
    first, patched, deleted, after, bob_view, again = run(go())
    assert patched.status_code == 200 and patched.json()["type"] == "exception"
    assert patched.json()["id"] == first["id"]
    assert deleted.status_code == 204
    assert [e["type"] for e in after] == ["exception", "occurrence", "occurrence", "occurrence"]
    assert len(bob_view) == 4 and bob_view[0]["isOrganizer"] is False
    assert again["body"] == {"contentType": "text", "content": "Agenda: goals"}
    assert len(tenant.meeting_messages("bob@contoso.example", "invite")) == 1
    assert len(tenant.meeting_messages("bob@contoso.example", "update")) == 1
    assert len(tenant.meeting_messages("bob@contoso.example", "cancel")) == 1


def test_series_patch_range_drops_every_exception_and_cancel_removes_copies(tenant):
    """As in Exchange (MS-OXOCAL 3.1.4.7.3.5; Outlook: "Any exceptions associated with this
    recurring appointment will be cancelled"): a new range, even only an earlier end date,
    drops every exception: a typed-into occurrence shows the master's body again, a deleted
    one comes back. Cancel removes the attendee copy."""
    async def go():
        async with client(tenant) as c:
            master = await _create(c)
            url = f"/users/ann@contoso.example/events/{master['id']}"
            items = (await c.get(f"{url}/instances", params=WINDOW)).json()["value"]
            for item in (items[0], items[4]):
                await c.patch(f"/users/ann@contoso.example/events/{item['id']}",
                              json={"subject": "moved"})
            await c.delete(f"/users/ann@contoso.example/events/{items[1]['id']}")
            rec = series_body()["recurrence"]
            rec["range"]["endDate"] = "2024-04-01"
            await c.patch(url, json={"recurrence": rec})
            left = (await c.get(f"{url}/instances", params=WINDOW)).json()["value"]
            cancel = await c.post(f"{url}/cancel", json={"Comment": "Changing cadence"})
            return left, cancel
    left, cancel = run(go())
    assert [e["type"] for e in left] == ["occurrence", "occurrence", "occurrence"]
    assert {e["subject"] for e in left} == {"1-2-1: Ann & Bob"}
    assert cancel.status_code == 202
    assert tenant.events("bob@contoso.example") == []
    cancels = tenant.meeting_messages("bob@contoso.example", "cancel")
    assert "Changing cadence" in cancels[-1]["body"]["content"]


def test_series_patch_of_subject_or_body_keeps_exceptions_but_a_new_time_drops_them(tenant):
    """A PATCH of the master that leaves recurrence and times alone keeps moved and
    typed-into occurrences (and Bob's copy of them); a new start time drops them all."""
    async def go():
        async with client(tenant) as c:
            master = await _create(c)
            url = f"/users/ann@contoso.example/events/{master['id']}"
            items = (await c.get(f"{url}/instances", params=WINDOW)).json()["value"]
            await c.patch(f"/users/ann@contoso.example/events/{items[0]['id']}",
                          json={"body": {"contentType": "html", "content": "<p>typed</p>"}})
            await c.patch(f"/users/ann@contoso.example/events/{items[1]['id']}",
                          json={"start": {"dateTime": "2024-03-26T15:00:00",
                                          "timeZone": "GMT Standard Time"},
                                "end": {"dateTime": "2024-03-26T15:30:00",
                                        "timeZone": "GMT Standard Time"}})
            await c.patch(url, json={"subject": "1-2-1 renamed", "body": {
                "contentType": "html", "content": "<p>new intro</p>"}})
            kept = (await c.get(f"{url}/instances", params=WINDOW)).json()["value"]
            bob = tenant.user("bob@contoso.example")["id"]
            bob_view = (await c.get(f"/users/{bob}/calendarView",
                                    params={**WINDOW, "$top": "50"})).json()["value"]
            await c.patch(url, json={
                "start": {"dateTime": "2024-03-18T11:00:00", "timeZone": "GMT Standard Time"},
                "end": {"dateTime": "2024-03-18T11:30:00", "timeZone": "GMT Standard Time"}})
            retimed = (await c.get(f"{url}/instances", params=WINDOW)).json()["value"]
            return kept, bob_view, retimed
    kept, bob_view, retimed = run(go())
    assert [e["type"] for e in kept][:2] == ["exception", "exception"]
    assert "typed" in kept[0]["body"]["content"]
    assert kept[1]["start"]["dateTime"].startswith("2024-03-26T15:00")
    assert "new intro" in kept[2]["body"]["content"] and kept[2]["subject"] == "1-2-1 renamed"
    assert any(e["start"]["dateTime"].startswith("2024-03-26T15:00") for e in bob_view)
    assert {e["type"] for e in retimed} == {"occurrence"} and len(retimed) == 5
    assert all("new intro" in e["body"]["content"] for e in retimed)
    assert retimed[0]["start"]["dateTime"].startswith("2024-03-18T11:00")
    assert retimed[1]["start"]["dateTime"].startswith("2024-03-25T1")  # on the pattern again


def test_teams_meeting_block_and_text_body(tenant):
    """A Teams meeting gets a joinUrl and Exchange's block; text bodies keep the link."""
    async def go():
        async with client(tenant) as c:
            event = await _create(c, isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness")
            text = await c.get(f"/users/ann@contoso.example/events/{event['id']}",
                               headers={"Prefer": 'outlook.body-content-type="text"'})
            dropped = await c.patch(f"/users/ann@contoso.example/events/{event['id']}",
                                    json={"body": {"contentType": "html", "content": "<p>x</p>"}})
            return event, text.json(), dropped.json()
    event, text, dropped = run(go())
    join = event["onlineMeeting"]["joinUrl"]
    assert event["isOnlineMeeting"] is True and join.startswith("https://teams.microsoft.com/")
    assert "Microsoft Teams meeting" in event["body"]["content"]
    assert "_" * 80 in event["body"]["content"]
    assert text["body"]["content"].startswith("Agenda\n")
    assert f"Click here to join the meeting<{join}>" in text["body"]["content"]
    assert dropped["isOnlineMeeting"] is False  # losing the block turns Teams off


def test_extended_property_filter_finds_tagged_series(tenant):
    """$filter on singleValueExtendedProperties/Any and $expand return only tagged events."""
    start = datetime(2024, 3, 19, 12, 0, tzinfo=LONDON)
    tenant.add_event("ann@contoso.example", "Lunch", start, start.replace(hour=13))

    async def go():
        async with client(tenant) as c:
            await _create(c)
            return (await c.get("/users/ann@contoso.example/events", params={
                "$filter": f"singleValueExtendedProperties/any(ep: ep/id eq '{PROP}' and "
                           "ep/value eq 'p-1')",
                "$expand": f"singleValueExtendedProperties($filter=id eq '{PROP}')",
                "$select": "id,subject,type"})).json()
    found = run(go())["value"]
    assert [e["subject"] for e in found] == ["1-2-1: Ann & Bob"]
    assert found[0]["singleValueExtendedProperties"] == [{"id": PROP, "value": "p-1"}]


def test_get_schedule_reports_busy_recurring_time_and_errors(tenant):
    """getSchedule expands recurring busy time into items and the availability string."""
    start = datetime(2024, 3, 18, 10, 0, tzinfo=LONDON)
    rec = {"pattern": {"type": "daily", "interval": 1},
           "range": {"type": "numbered", "startDate": "2024-03-18", "numberOfOccurrences": 3}}
    tenant.add_event("bob@contoso.example", "Focus", start, start.replace(hour=11), rec)
    tenant.add_event("bob@contoso.example", "Maybe", start.replace(hour=12),
                     start.replace(hour=12, minute=30), show_as="tentative")
    body = {"schedules": ["bob@contoso.example", "nobody@contoso.example"],
            "startTime": {"dateTime": "2024-03-18T09:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2024-03-18T13:00:00", "timeZone": "UTC"},
            "availabilityViewInterval": 60}

    async def go():
        async with client(tenant) as c:
            ok = await c.post("/users/ann@contoso.example/calendar/getSchedule", json=body,
                              headers={"Prefer": 'outlook.timezone="UTC"'})
            long = await c.post("/users/ann@contoso.example/calendar/getSchedule", json={
                **body, "endTime": {"dateTime": "2024-06-18T09:00:00", "timeZone": "UTC"}})
            return ok.json(), long
    reply, long = run(go())
    bob, nobody = reply["value"]
    assert bob["availabilityView"] == "0201"
    assert [(i["status"], i["start"]["dateTime"][11:16]) for i in bob["scheduleItems"]] == [
        ("busy", "10:00"), ("tentative", "12:00")]
    assert bob["workingHours"]["daysOfWeek"][0] == "monday"
    assert nobody["error"]["responseCode"] == "ErrorMailRecipientNotFound"
    assert long.status_code == 400


def test_batch_runs_sub_requests_with_depends_on_and_limits(tenant):
    """$batch answers each sub-request, honours dependsOn (424) and refuses more than 20."""
    bob = tenant.user("bob@contoso.example")["id"]
    requests = [
        {"id": "1", "method": "GET", "url": f"/users/{bob}/mailboxSettings?$select=timeZone"},
        {"id": "2", "method": "GET", "url": "/users/nobody@contoso.example/mailboxSettings"},
        {"id": "3", "method": "GET", "url": f"/users/{bob}/manager", "dependsOn": ["2"]},
        {"id": "4", "method": "POST", "url": "/users/ann@contoso.example/events",
         "headers": {"Content-Type": "application/json"}, "body": series_body()},
    ]

    async def go():
        async with client(tenant) as c:
            ok = await c.post("/$batch", json={"requests": requests})
            many = await c.post("/$batch", json={"requests": [
                {"id": str(i), "method": "GET", "url": "/users"} for i in range(21)]})
            return ok.json(), many
    reply, many = run(go())
    by_id = {r["id"]: r for r in reply["responses"]}
    assert by_id["1"]["status"] == 200
    assert by_id["1"]["body"] == {
        "@odata.context": f"{BASE}/$metadata#users('{bob}')/mailboxSettings",
        "timeZone": "GMT Standard Time"}
    assert by_id["2"]["status"] == 404
    assert by_id["2"]["body"]["error"]["code"] == "ErrorInvalidUser"
    assert by_id["3"]["status"] == 424
    assert by_id["4"]["status"] == 201
    assert many.status_code == 400


def test_batch_requests_to_one_mailbox_beyond_four_are_throttled(tenant):
    """More than four sub-requests for one mailbox in a batch get 429 MailboxConcurrency."""
    requests = [{"id": str(i), "method": "GET", "url": "/users/bob@contoso.example/calendar"}
                for i in range(6)]

    async def go():
        async with client(tenant) as c:
            return (await c.post("/$batch", json={"requests": requests})).json()
    statuses = [r["status"] for r in run(go())["responses"]]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_concurrent_requests_per_mailbox_are_limited_to_four(tenant):
    """With latency, a fifth simultaneous request to a mailbox gets 429 with Retry-After."""
    tenant.latency = 0.05

    async def go():
        async with client(tenant) as c:
            return await asyncio.gather(*(c.get("/users/bob@contoso.example/calendar")
                                          for _ in range(6)))
    replies = run(go())
    throttled = [r for r in replies if r.status_code == 429]
    assert len(throttled) == 2
    assert throttled[0].headers["Retry-After"]
    assert throttled[0].json()["error"] == {**throttled[0].json()["error"],
                                            "code": "ApplicationThrottled",
                                            "message": "Application is over its "
                                                       "MailboxConcurrency limit."}


def test_injected_faults_and_outcome_unknown(tenant):
    """inject_fault fails the next matches; apply_first applies the request then fails."""
    tenant.inject_fault("POST", r"/events$", 503, retry_after=2.5, apply_first=True)
    tenant.inject_fault("GET", r"/mailboxSettings$", 429, times=2, retry_after=1)

    async def go():
        async with client(tenant) as c:
            post = await c.post("/users/ann@contoso.example/events", json=series_body())
            gets = [await c.get("/users/ann@contoso.example/mailboxSettings") for _ in range(3)]
            return post, gets
    post, gets = run(go())
    assert post.status_code == 503 and post.headers["Retry-After"] == "2.5"
    assert len(tenant.events("ann@contoso.example")) == 1  # it happened anyway
    assert [g.status_code for g in gets] == [429, 429, 200]
    assert tenant.count("GET", r"/mailboxSettings$") == 3
    tenant.reset_counters()
    assert tenant.requests == []


def test_send_mail_delivers_and_saves_to_sent_items(tenant):
    """sendMail returns 202, delivers in-tenant and keeps headers and properties in Sent."""
    message = {"message": {
        "subject": "Notes from our 1-2-1", "body": {"contentType": "html", "content": "<p>Hi</p>"},
        "toRecipients": [{"emailAddress": {"address": "bob@contoso.example"}}],
        "internetMessageHeaders": [{"name": "X-Onetoone-Summary", "value": "s-1"}],
        "singleValueExtendedProperties": [{"id": PROP, "value": "s-1"}]},
        "saveToSentItems": True}

    async def go():
        async with client(tenant) as c:
            sent = await c.post("/users/ann@contoso.example/sendMail", json=message)
            folder = await c.get("/users/ann@contoso.example/mailFolders/sentitems/messages",
                                 params={"$filter": f"singleValueExtendedProperties/Any(ep: "
                                                    f"ep/id eq '{PROP}' and ep/value eq 's-1')",
                                         "$select": "subject,internetMessageHeaders"})
            return sent, folder.json()
    sent, folder = run(go())
    assert sent.status_code == 202
    assert [m["subject"] for m in folder["value"]] == ["Notes from our 1-2-1"]
    assert folder["value"][0]["internetMessageHeaders"][0]["value"] == "s-1"
    assert [m["subject"] for m in tenant.messages("bob@contoso.example")] == [
        "Notes from our 1-2-1"]


def test_save_and_load_round_trip(tenant, tmp_path: Path):
    """A saved tenant loads with its users, series and occurrence ids unchanged."""
    async def go(t):
        async with client(t) as c:
            master = await _create(c)
            items = await c.get(f"/users/ann@contoso.example/events/{master['id']}/instances",
                                params=WINDOW)
            return [e["id"] for e in items.json()["value"]]
    before = run(go(tenant))
    tenant.save(tmp_path / "tenant.json")
    loaded = SandboxTenant.load(tmp_path / "tenant.json")
    assert loaded.state == tenant.state
    assert run(go(loaded)) == before  # same transactionId: found, not duplicated
    assert len(loaded.events("ann@contoso.example")) == 1


def test_saved_state_keeps_any_text_a_client_sent(tenant, tmp_path: Path):
    """Hostile text survives a save: a lone surrogate (which strict UTF-8 encoders refuse),
    NUL, markup, emoji and right-to-left marks come back as they were sent."""
    subject = "1-2-1 \ud800 \x00 <b>&amp;</b> \U0001f600 \u202e ende"

    async def go() -> None:
        async with client(tenant) as c:  # as Graph's JSON has it: the surrogate escaped
            r = await c.post("/users/ann@contoso.example/events",
                             content=json.dumps(series_body(subject=subject)).encode(),
                             headers={"Content-Type": "application/json"})
            assert r.status_code == 201, r.text
    run(go())
    path = tmp_path / "tenant.json"
    tenant.save(path)
    loaded = SandboxTenant.load(path)
    assert loaded.state == tenant.state
    assert [e["subject"] for e in loaded.events("ann@contoso.example")] == [subject]

    # Without the surrogate the fast encoder (UTF-8, not escapes) writes it: loads the same.
    plain = SandboxTenant()
    plain.state = json.loads(json.dumps(tenant.state).replace("\\ud800", ""))
    plain.save(path)
    assert "\U0001f600".encode() in path.read_bytes()
    assert SandboxTenant.load(path).state == plain.state
    assert [e["subject"] for e in SandboxTenant.load(path).events("ann@contoso.example")] == [
        subject.replace("\ud800", "")]


def test_demo_tenant_is_a_deterministic_organisation():
    """demo_tenant builds the same twelve people and busy time for the same date."""
    today = date(2024, 3, 20)
    a, b = demo_tenant(today), demo_tenant(today)
    assert a.state == b.state
    users = list(a.state["users"].values())
    assert len(users) == 12
    zones = {u["mailboxSettings"]["timeZone"] for u in users}
    assert zones == {"GMT Standard Time", "Eastern Standard Time"}
    new = [u for u in users if u["employeeHireDate"]
           and (today - date.fromisoformat(u["employeeHireDate"][:10])).days <= 30]
    assert [u["displayName"] for u in new] == ["Sophie Turner"]
    managers = {u["manager_id"] for u in users if u["manager_id"]}
    ceo = next(u for u in users if u["manager_id"] is None)
    assert {u["id"] for u in users if u["manager_id"] == ceo["id"]} & managers
    assert any(len(u["mailboxSettings"]["workingHours"]["daysOfWeek"]) == 4 for u in users)
    assert any(e.get("recurrence") for evs in a.state["events"].values() for e in evs.values())


def test_msgraph_sdk_runs_unchanged_against_the_sandbox(tenant):
    """msgraph-sdk creates an event with a transactionId twice (one event) and reads it."""
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from msgraph import GraphServiceClient
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.graph_request_adapter import GraphRequestAdapter

    class Token(AccessTokenProvider):
        async def get_authorization_token(self, uri, additional_authentication_context=None):
            return "sandbox-token"

        def get_allowed_hosts_validator(self):
            return AllowedHostsValidator([])

    async def go():
        http = httpx.AsyncClient(transport=SandboxTransport(tenant))
        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(Token()), http)
        adapter.base_url = BASE
        graph = GraphServiceClient(request_adapter=adapter)
        event = Event(
            subject="1-2-1 via the SDK",
            body=ItemBody(content_type=BodyType.Html, content="<p>Hello</p>"),
            start=DateTimeTimeZone(date_time="2024-03-18T10:00:00", time_zone="Europe/London"),
            end=DateTimeTimeZone(date_time="2024-03-18T10:30:00", time_zone="Europe/London"),
            attendees=[Attendee(email_address=EmailAddress(address="bob@contoso.example"))],
            transaction_id="sdk-txn",
        )
        mailbox = graph.users.by_user_id("ann@contoso.example")
        first = await mailbox.events.post(event)
        second = await mailbox.events.post(event)
        settings = await graph.users.by_user_id("bob@contoso.example").mailbox_settings.get()
        await http.aclose()
        return first, second, settings
    first, second, settings = run(go())
    assert first.id == second.id
    assert first.start.date_time.startswith("2024-03-18T10:00:00")
    assert settings.time_zone == "GMT Standard Time"
    assert len(tenant.events("ann@contoso.example")) == 1
    assert len(tenant.events("bob@contoso.example")) == 1


def test_html_to_text_turns_blocks_into_lines():
    """Block elements become line breaks, &nbsp; stays a no-break space, head is dropped."""
    text = html_to_text("<html><head><style>p{}</style></head><body><p>One</p>"
                        "<div>Two&nbsp;three</div><br><ul><li>a</li><li>b</li></ul></body></html>")
    assert text == "One\nTwo\u00a0three\n\na\nb"


def test_a_user_is_found_by_an_alias_only_through_proxy_addresses() -> None:
    """As Graph: GET /users/{alias} is 404 (an id or UPN only); a $filter with any() on
    proxyAddresses finds the user, ignoring case; proxyAddresses without any() is refused."""
    from service.graph.user_lookup import alias_url, user_url

    t = SandboxTenant(now=lambda: datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    t.add_user("Ada Lovelace", "ada.lovelace@contoso.example", aliases=["ada@contoso.example"])
    t.add_user("Bob O'Neil", "bob@contoso.example",
               aliases=["o'neil@contoso.example", "b+o&n#1%@contoso.example"])

    async def go() -> list[httpx.Response]:
        async with client(t) as c:
            return [await c.get(BASE + path) for path in (
                user_url("ada@contoso.example"), alias_url("ADA@contoso.example"),
                alias_url("o'neil@contoso.example"), alias_url("nobody@contoso.example"),
                alias_url("B+o&n#1%@contoso.example"), "/users?$filter=mail/any(x:x eq 'a')",
                "/users?$filter=proxyAddresses eq 'smtp:ada@contoso.example'",
                "/users/ada.lovelace@contoso.example?$select=proxyAddresses")]

    by_alias, found, quoted, nobody, odd, scalar, bare, shown = run(go())
    assert [u["mail"] for u in odd.json()["value"]] == ["bob@contoso.example"]  # escaped
    assert scalar.status_code == 400  # any() on a property that is not a collection
    assert by_alias.status_code == 404
    assert [u["mail"] for u in found.json()["value"]] == ["ada.lovelace@contoso.example"]
    assert [u["mail"] for u in quoted.json()["value"]] == ["bob@contoso.example"]
    assert nobody.status_code == 200 and nobody.json()["value"] == []
    assert bare.status_code == 400
    assert shown.json()["proxyAddresses"] == ["SMTP:ada.lovelace@contoso.example",
                                              "smtp:ada@contoso.example"]
