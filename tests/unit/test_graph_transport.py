"""The Graph boundary at the HTTP level (respx): retries, throttling, limits, error messages."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from service.errors import (
    AuthError,
    GraphError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    Throttled,
)
from service.graph.auth import StaticTokenProvider
from service.graph.batch import BatchItem
from service.graph.factory import build_client
from service.graph.transport import mailbox_of, parse_retry_after, refusal_safe, retry_safe

GRAPH = "https://graph.microsoft.com/v1.0"


def graph_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-11-23T09:00:00", "request-id": "r-1",
                                     "client-request-id": "c-1"}}}
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]):
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return build_client(graph_url=GRAPH + "/", token_provider=StaticTokenProvider("tok"),
                        inner=httpx.AsyncHTTPTransport(), sleep=fake_sleep)


def run(coro):
    return asyncio.run(coro)


def test_retry_safety_rules() -> None:
    """Reads, PATCH/DELETE and event creation are retry-safe; sendMail never is, nor an
    event update (mailed to its attendees), though a throttled one goes again."""
    assert retry_safe("GET", "/v1.0/users")
    assert not retry_safe("PATCH", "/v1.0/users/a/events/1")
    assert refusal_safe("PATCH", "/v1.0/users/a/events/1")
    assert retry_safe("PATCH", "/v1.0/users/a/messages/1")
    assert not refusal_safe("POST", "/v1.0/users/a/sendMail")
    assert retry_safe("POST", "/v1.0/users/a/events")
    assert retry_safe("POST", "/v1.0/users/a/calendar/getSchedule")
    assert retry_safe("POST", "/v1.0/$batch")
    assert not retry_safe("POST", "/v1.0/users/a/sendMail")
    assert not retry_safe("POST", "/v1.0/users/a/events/1/cancel")


def test_retry_after_parsing() -> None:
    """Fractional Retry-After values are honoured, not ignored (an SDK trap)."""
    assert parse_retry_after("2.128") == pytest.approx(2.128)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("junk") is None
    assert parse_retry_after(None) is None


def test_mailbox_of_decodes_upn() -> None:
    """The mailbox key is the user segment, case-folded and decoded."""
    assert mailbox_of("/v1.0/users/Sam%40contoso.com/events") == "sam@contoso.com"
    assert mailbox_of("/v1.0/$batch") is None
    # users/delta reads the directory: "delta" is no mailbox (nor its next pages)
    assert mailbox_of("/v1.0/users/delta") is None
    assert mailbox_of("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x") is None
    assert mailbox_of("/users/Delta()") is None


@respx.mock
def test_throttled_get_waits_retry_after_then_succeeds(client, sleeps) -> None:
    """A 429 with Retry-After: 2.128 is retried after exactly that wait."""
    route = respx.get(f"{GRAPH}/users").mock(side_effect=[
        graph_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "2.128"}),
        httpx.Response(200, json={"value": [{"id": "u1"}]}),
    ])
    result = run(client.request("GET", "/users"))
    assert result == {"value": [{"id": "u1"}]}
    assert route.call_count == 2
    assert sleeps == [pytest.approx(2.128)]


@respx.mock
def test_trailing_slash_base_url_gives_single_slash(client) -> None:
    """graph_url with a trailing slash still requests /v1.0/users, not /v1.0//users."""
    route = respx.get(f"{GRAPH}/users").mock(return_value=httpx.Response(200, json={}))
    run(client.request("GET", "/users"))
    assert route.calls.last.request.url.path == "/v1.0/users"
    assert route.calls.last.request.headers["Authorization"] == "Bearer tok"


@respx.mock
def test_send_mail_503_is_not_retried_and_outcome_unknown(client, sleeps) -> None:
    """sendMail is never retried blindly: a 503 becomes OutcomeUnknown after one call."""
    route = respx.post(f"{GRAPH}/users/sam@contoso.com/sendMail").mock(
        return_value=graph_error(503, "ServiceUnavailable", "try later", **{"Retry-After": "1"}))
    with pytest.raises(OutcomeUnknown):
        run(client.request("POST", "/users/sam@contoso.com/sendMail", body={"message": {}}))
    assert route.call_count == 1
    assert sleeps == []


@respx.mock
def test_send_mail_timeout_is_outcome_unknown(client) -> None:
    """A sendMail that times out may have been sent: it is reported, not retried."""
    route = respx.post(f"{GRAPH}/users/sam@contoso.com/sendMail").mock(
        side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        run(client.request("POST", "/users/sam@contoso.com/sendMail", body={"message": {}}))
    assert route.call_count == 1


@respx.mock
def test_event_create_503_is_retried(client, sleeps) -> None:
    """Creating an event carries a transactionId, so a 503 is retried."""
    route = respx.post(f"{GRAPH}/users/m1/events").mock(side_effect=[
        graph_error(503, "ServiceUnavailable", "busy"),
        httpx.Response(201, json={"id": "e1"}),
    ])
    assert run(client.create_event("m1", {"subject": "x", "transactionId": "t"})).id == "e1"
    assert route.call_count == 2
    assert len(sleeps) == 1


@respx.mock
def test_401_says_check_secret(client) -> None:
    """A 401 names the settings to check (tenant, client id, secret)."""
    respx.get(f"{GRAPH}/users").mock(
        return_value=graph_error(401, "InvalidAuthenticationToken", "Access token is empty."))
    with pytest.raises(AuthError) as info:
        run(client.request("GET", "/users"))
    assert "ONETOONE_MICROSOFT_CLIENT_SECRET" in str(info.value)
    assert info.value.status == 401


@respx.mock
def test_403_access_policy_names_mailbox_and_fix(client) -> None:
    """A mailbox blocked by an application access policy is named, with the fix."""
    respx.get(f"{GRAPH}/users/alex@contoso.com/mailboxSettings").mock(
        return_value=graph_error(
            403, "ErrorAccessDenied",
            "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
            "AccessPolicy settings."))
    with pytest.raises(PermissionDenied) as info:
        run(client.request("GET", "/users/alex@contoso.com/mailboxSettings"))
    text = str(info.value)
    assert "alex@contoso.com" in text and "access policy" in text
    assert info.value.mailbox == "alex@contoso.com"


@respx.mock
def test_403_missing_permission_names_permission(client) -> None:
    """A 403 without a policy hint names the permission to grant and admin consent."""
    respx.get(f"{GRAPH}/users/a/mailboxSettings").mock(
        return_value=graph_error(403, "ErrorAccessDenied", "Access is denied."))
    with pytest.raises(PermissionDenied) as info:
        run(client.request("GET", "/users/a/mailboxSettings"))
    assert "MailboxSettings.Read" in str(info.value)
    assert "admin consent" in str(info.value)


@respx.mock
def test_429_exhausted_raises_throttled_with_retry_after(client, sleeps) -> None:
    """When retries run out a 429 becomes Throttled, carrying Graph's Retry-After."""
    route = respx.get(f"{GRAPH}/users/a/calendar").mock(return_value=graph_error(
        429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
        **{"Retry-After": "3"}))
    with pytest.raises(Throttled) as info:
        run(client.request("GET", "/users/a/calendar"))
    assert route.call_count == 5  # the first try and max_retries=4 retries
    assert sleeps == [3.0] * 4
    assert info.value.retry_after == 3.0
    assert "mailbox a" in str(info.value)


@respx.mock
def test_404_event_is_not_found(client) -> None:
    """A missing event reads as None from get_event, not as a crash."""
    respx.get(f"{GRAPH}/users/a/events/gone").mock(
        return_value=graph_error(404, "ErrorItemNotFound", "The specified object was not found"))
    assert run(client.get_event("a", "gone")) is None
    with pytest.raises(NotFound):
        run(client.request("GET", "/users/a/events/gone"))


@pytest.mark.parametrize("code", ["MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI",
                                  "ErrorInvalidUser", "ErrorNonExistentMailbox"])
@respx.mock
def test_404_for_the_mailbox_is_not_the_event_gone(client, code: str) -> None:
    """A 404 that says the mailbox cannot be reached (Microsoft documents both REST codes for
    a mailbox REST does not serve, e.g. one moved on-premises) says nothing about the event:
    get_event raises, naming the mailbox, rather than report the meeting deleted."""
    respx.get(f"{GRAPH}/users/mia@contoso.com/events/e1").mock(
        return_value=graph_error(404, code, "REST API is not yet supported for this mailbox."))
    with pytest.raises(NotFound) as info:
        run(client.get_event("mia@contoso.com", "e1"))
    assert "mia@contoso.com" in str(info.value) and "Exchange Online mailbox" in str(info.value)


@respx.mock
def test_users_delta_gone_on_a_later_page_means_a_full_read(client) -> None:
    """Graph may answer 410 syncStateNotFound on any page of a users/delta round (the
    delta query overview: restart with a full synchronization), not only its first: the
    directory is read whole, not the step failed and the same stale link kept for next time."""
    link = f"{GRAPH}/users/delta?$deltatoken=old"
    respx.get(link).mock(return_value=httpx.Response(200, json={
        "value": [{"id": "u-early", "displayName": "Early"}],
        "@odata.nextLink": f"{GRAPH}/users/delta?$skiptoken=s1"}))
    respx.get(f"{GRAPH}/users/delta?$skiptoken=s1").mock(return_value=httpx.Response(
        410, json={"error": {"code": "syncStateNotFound", "message": "The sync state is gone."}}))
    full = respx.get(url__regex=r".*/users/delta\?\$select=.*").mock(
        return_value=httpx.Response(200, json={
            "value": [{"id": "u1", "displayName": "Mia"}],
            "@odata.deltaLink": f"{GRAPH}/users/delta?$deltatoken=new"}))
    delta = run(client.directory_changes(link))
    assert full.call_count == 1
    assert delta.full and delta.delta_link.endswith("$deltatoken=new")
    assert [c.id for c in delta.changes] == ["u1"]  # the broken round's page is dropped


@respx.mock
def test_at_most_four_requests_in_flight_per_mailbox(client) -> None:
    """Ten concurrent calls to one mailbox never have more than four in flight."""
    state = {"now": 0, "peak": 0}

    async def slow(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return httpx.Response(200, json={})

    respx.get(url__regex=rf"{GRAPH}/users/m1/events/\d+").mock(side_effect=slow)

    async def go() -> None:
        await asyncio.gather(*(client.request("GET", f"/users/m1/events/{i}")
                               for i in range(10)))

    run(go())
    assert state["peak"] == 4


@pytest.mark.parametrize("envelope", [200, 424])
@respx.mock
def test_batch_retries_throttled_subrequests(client, sleeps, envelope: int) -> None:
    """A throttled sub-request of a $batch is retried (the SDK does not do this) after the
    Retry-After its sub-response gives, whether the batch itself came back 200 (JSON
    batching's page) or 424 Failed Dependency (Graph's throttling guide), and the others'
    results are kept."""
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        ids = [r["id"] for r in body["requests"]]
        calls.append(ids)
        responses = []
        for r in body["requests"]:
            if r["id"] == "b" and len(calls) == 1:
                responses.append({"id": "b", "status": 429, "headers": {"Retry-After": "7"},
                                  "body": {"error": {"code": "TooManyRequests", "message": ""}}})
            else:
                responses.append({"id": r["id"], "status": 200, "body": {"ok": r["url"]}})
        status = envelope if any(r["status"] == 429 for r in responses) else 200
        return httpx.Response(status, json={"responses": responses})

    respx.post(f"{GRAPH}/$batch").mock(side_effect=handler)
    out = run(client._batch([BatchItem("a", "GET", "/users/a"), BatchItem("b", "GET", "/users/b")]))
    assert calls == [["a", "b"], ["b"]]
    assert sleeps == [7.0]
    assert out["a"].status == 200 and out["a"].body == {"ok": "/users/a"}
    assert out["b"].status == 200 and out["b"].body == {"ok": "/users/b"}


@respx.mock
def test_a_424_batch_without_responses_is_an_error(client) -> None:
    """A 424 is read as a batch's reply only when it holds one: otherwise it is Graph's
    error, said as such."""
    respx.post(f"{GRAPH}/$batch").mock(return_value=graph_error(
        424, "FailedDependency", "The request failed due to failure of a previous request."))
    with pytest.raises(GraphError) as info:
        run(client._batch([BatchItem("a", "GET", "/users/a")]))
    assert "424" in str(info.value) and "FailedDependency" in str(info.value)
    # Nor a body that is no JSON at all (a proxy's page): Graph's error, not a crash.
    respx.post(f"{GRAPH}/$batch").mock(return_value=httpx.Response(
        424, text="<html>Failed Dependency</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(GraphError) as info:
        run(client._batch([BatchItem("a", "GET", "/users/a")]))
    assert "424" in str(info.value)


@respx.mock
def test_batch_splits_into_twenty(client) -> None:
    """More than 20 sub-requests go out as several $batch calls of at most 20."""
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        reqs = json.loads(request.content)["requests"]
        sizes.append(len(reqs))
        return httpx.Response(200, json={"responses": [
            {"id": r["id"], "status": 200, "body": {}} for r in reqs]})

    respx.post(f"{GRAPH}/$batch").mock(side_effect=handler)
    run(client._batch([BatchItem(str(i), "GET", f"/users/{i}") for i in range(45)]))
    assert sorted(sizes) == [5, 20, 20]


def test_batches_hold_at_most_four_requests_per_mailbox() -> None:
    """Exchange throttles the 5th concurrent request to a mailbox, so batches never hold it."""
    from service.graph.batch import pack_batches

    items = [BatchItem(f"m{i}", "GET", f"/users/m1/events?$filter=x{i}") for i in range(9)]
    items += [BatchItem(f"u{i}", "GET", f"/users/u{i}") for i in range(20)]
    chunks = pack_batches(items)
    assert all(len(c) <= 20 for c in chunks)
    assert all(sum(1 for i in c if i.id.startswith("m")) <= 4 for c in chunks)
    assert sorted(i.id for c in chunks for i in c) == sorted(i.id for i in items)


@respx.mock
def test_dropped_connection_on_a_read_is_retried(client, sleeps) -> None:
    """A connection closed mid-response on GET /users is retried like a timeout."""
    route = respx.get(f"{GRAPH}/users").mock(side_effect=[
        httpx.RemoteProtocolError("peer closed connection without sending complete message"),
        httpx.Response(200, json={"value": []}),
    ])
    assert run(client.request("GET", "/users")) == {"value": []}
    assert route.call_count == 2 and len(sleeps) == 1


@respx.mock
def test_dropped_connection_on_a_create_is_retried_with_its_transaction_id(client) -> None:
    """A dropped series POST is sent again with the same transactionId (Exchange drops the
    duplicate), so the create is neither lost nor doubled."""
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(201, json={"id": "e1"})

    respx.post(f"{GRAPH}/users/m1/events").mock(side_effect=handler)
    assert run(client.create_event("m1", {"subject": "x", "transactionId": "t-1"})).id == "e1"
    assert [b["transactionId"] for b in bodies] == ["t-1", "t-1"]


@respx.mock
def test_dropped_connection_on_send_mail_is_outcome_unknown(client, sleeps) -> None:
    """A sendMail whose connection dropped may have been sent: outcome unknown, no retry."""
    route = respx.post(f"{GRAPH}/users/sam@contoso.com/sendMail").mock(
        side_effect=httpx.RemoteProtocolError("peer closed connection"))
    with pytest.raises(OutcomeUnknown):
        run(client.request("POST", "/users/sam@contoso.com/sendMail", body={"message": {}}))
    assert route.call_count == 1 and sleeps == []


def test_group_members_need_group_member_read_all() -> None:
    """A 403 on a group's members names GroupMember.Read.All, not User.Read.All."""
    from service.graph.errors import permission_for

    assert permission_for("/v1.0/groups/g-1/transitiveMembers") == "GroupMember.Read.All"
    assert permission_for("/v1.0/users/u-1/manager") == "User.Read.All"
    assert permission_for("/v1.0/users/u-1/mailboxSettings") == "MailboxSettings.Read"


def test_mailbox_limiter_queues_per_mailbox_and_survives_cancelled_waiters() -> None:
    """Never more than the limit at one mailbox; waiters are served in order; a waiter
    cancelled in the queue (or just as it was let in) leaves no slot taken; another
    mailbox never waits for this one."""
    from service.graph.transport import MailboxLimiter

    async def scenario() -> list[str]:
        limiter = MailboxLimiter(2)
        order: list[str] = []
        release = asyncio.Event()

        async def use(name: str, wanted: dict[str, int]) -> None:
            async with limiter.hold(wanted):
                order.append(name)
                assert all(n <= 2 for n in limiter._used.values())
                await release.wait()

        first = asyncio.create_task(use("a", {"m": 2}))
        await asyncio.sleep(0)
        queued = [asyncio.create_task(use(name, {"m": 1})) for name in ("b", "c", "d")]
        other = asyncio.create_task(use("x", {"other": 2}))
        await asyncio.sleep(0)
        assert order == ["a", "x"]  # the other mailbox went straight in
        queued[1].cancel()  # "c" gives up while queued
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, other, queued[0], queued[2])
        assert limiter._used == {} and limiter._queues == {}
        return order

    assert run(scenario()) == ["a", "x", "b", "d"]

    async def cancelled_when_let_in() -> dict[str, int]:
        limiter = MailboxLimiter(1)

        async def hold_forever() -> None:
            async with limiter.hold({"m": 1}):
                await asyncio.Event().wait()

        held = limiter.hold({"m": 1})
        await held.__aenter__()
        waiter = asyncio.create_task(hold_forever())
        await asyncio.sleep(0)  # queued behind us
        await held.__aexit__(None, None, None)  # our release lets the waiter in ...
        waiter.cancel()  # ... which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return dict(limiter._used)

    assert run(cancelled_when_let_in()) == {}


@respx.mock
def test_an_event_update_is_sent_once_after_a_504_but_again_after_a_429(client, sleeps) -> None:
    """Exchange mails each organizer update to the attendees: an update that got a 504 (or
    no answer) may have been applied, so it is not sent again; a 429 was not, so it is."""
    path = "/users/u1/events/e1"
    route = respx.patch(f"{GRAPH}{path}").mock(side_effect=[
        graph_error(504, "GatewayTimeout", "timed out")])
    with pytest.raises(OutcomeUnknown):
        run(client.request("PATCH", path, body={"body": {}}))
    assert route.call_count == 1
    route.mock(side_effect=[httpx.ReadTimeout("slow")])
    with pytest.raises(OutcomeUnknown):
        run(client.request("PATCH", path, body={"body": {}}))
    assert route.call_count == 2
    slashed = respx.patch(url__regex=r"/events/AAMk%2Fbc").mock(side_effect=[
        graph_error(504, "GatewayTimeout", "timed out")])
    with pytest.raises(OutcomeUnknown):  # an id holding "/" is one segment as sent
        run(client.request("PATCH", "/users/u1/events/AAMk%2Fbc", body={"body": {}}))
    assert slashed.call_count == 1
    route.mock(side_effect=[
        graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "3"}),
        httpx.Response(200, json={"id": "e1"})])
    assert run(client.request("PATCH", path, body={"body": {}})) == {"id": "e1"}
    assert route.call_count == 4
    assert sleeps == [3.0]


class ForgetfulTokens(StaticTokenProvider):
    """A provider that hands out a new token once told to forget the one refused."""

    def __init__(self) -> None:
        super().__init__("old")
        self.forgotten = 0

    def forget(self, refused: str) -> bool:
        assert refused == self._token
        self.forgotten += 1
        self._token = f"new{self.forgotten}"
        return True


@respx.mock
def test_a_refused_token_is_replaced_and_the_request_sent_once_more(sleeps) -> None:
    """A token revoked before it expires gets a 401: the provider forgets it and the request
    goes again with a new one (even sendMail: Graph did nothing with it); a second 401 is
    an AuthError saying what to check."""
    tokens = ForgetfulTokens()
    client = build_client(graph_url=GRAPH, token_provider=tokens,
                          inner=httpx.AsyncHTTPTransport(), sleep=lambda s: asyncio.sleep(0))
    route = respx.post(f"{GRAPH}/users/u1/sendMail").mock(side_effect=[
        graph_error(401, "InvalidAuthenticationToken", "Access token has expired"),
        httpx.Response(202)])
    assert run(client.request("POST", "/users/u1/sendMail", body={"message": {}})) is None
    assert [c.request.headers["Authorization"] for c in route.calls] == [
        "Bearer old", "Bearer new1"]
    route.mock(side_effect=[graph_error(401, "InvalidAuthenticationToken", "no")] * 2)
    with pytest.raises(AuthError, match="tenant_id"):
        run(client.request("POST", "/users/u1/sendMail", body={"message": {}}))
    assert tokens.forgotten == 2 and route.call_count == 4


@respx.mock
def test_a_link_to_another_host_is_not_followed(client) -> None:
    """A nextLink naming another host (or plain http) is refused before anything is sent:
    the app's token would go with it."""
    respx.get(f"{GRAPH}/users/u1/events").mock(return_value=httpx.Response(200, json={
        "value": [{"id": "e1"}],
        "@odata.nextLink": "https://attacker.example/v1.0/users/u1/events?$skiptoken=1"}))
    stolen = respx.get(host="attacker.example").mock(return_value=httpx.Response(200, json={}))

    async def every() -> list[dict]:
        return [e async for e in client._pages("/users/u1/events")]

    with pytest.raises(GraphError, match=r"attacker\.example"):
        run(every())
    assert stolen.call_count == 0
    assert not client.ours("http://graph.microsoft.com/v1.0/users")
    assert client.ours("https://graph.microsoft.com:443/v1.0/users?$skiptoken=2")


@respx.mock
def test_a_delta_link_kept_from_another_graph_url_starts_a_whole_read(client) -> None:
    """A stored delta link from another graph_url (a cloud or proxy changed) is not sent:
    the calendar is read whole again."""
    whole = respx.get(f"{GRAPH}/users/u1/calendarView/delta").mock(
        return_value=httpx.Response(200, json={
            "value": [], "@odata.deltaLink": f"{GRAPH}/users/u1/calendarView/delta?$deltatoken=t"}))
    old = respx.get(host="graph.old.example").mock(return_value=httpx.Response(200, json={}))
    changes = run(client.calendar_changes(
        "u1", "https://graph.old.example/v1.0/users/u1/calendarView/delta?$deltatoken=x",
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)))
    assert changes.full and old.call_count == 0
    assert "startDateTime" in str(whole.calls.last.request.url)


@respx.mock
def test_a_throttled_request_waits_within_the_budget(client, sleeps) -> None:
    """No request waits past THROTTLE_BUDGET in all: an event update (one landing after its
    pair's lease ran out and another replica wrote the agenda would mail the report a second
    update) fails for this run once the next wait would not fit; a read asked for shorter
    waits goes on until answered."""
    path = "/users/u1/events/e1"
    slow = graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "20"})
    route = respx.patch(f"{GRAPH}{path}").mock(side_effect=[slow, slow, slow])
    with pytest.raises(Throttled):
        run(client.request("PATCH", path, body={"body": {}}))
    assert route.call_count == 2 and sleeps == [20.0]
    sleeps.clear()
    brief = graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "10"})
    read = respx.get(f"{GRAPH}/users/u2/events/e2").mock(side_effect=[
        brief, brief, httpx.Response(200, json={"id": "e2"})])
    assert run(client.request("GET", "/users/u2/events/e2")) == {"id": "e2"}
    assert read.call_count == 3 and sleeps == [10.0, 10.0]
