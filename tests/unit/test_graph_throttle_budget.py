"""A mailbox Graph keeps throttling holds a run up for THROTTLE_BUDGET at most: then its
requests fail at once (throttled, left for the next run) for the rest of the run, while the
other mailboxes go on; and the worker's stop ends every wait and starts no retry.

Graph is respx handlers; time is virtual (the transport's clock, moved on by its sleeps)."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
import respx

from service.errors import GraphError, OutcomeUnknown, Throttled
from service.graph.auth import StaticTokenProvider
from service.graph.batch import BatchItem
from service.graph.errors import translate
from service.graph.factory import build_client
from service.graph.waits import THROTTLE_BUDGET, Halt

GRAPH = "https://graph.microsoft.com/v1.0"
ANN, BOB = "/users/ann@contoso.com", "/users/bob@contoso.com"
HANG_GUARD_SECONDS = 60  # only ever reached when a wait is not ended


def throttled(retry_after: str, message: str = "Application is over its MailboxConcurrency "
              "limit.") -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": retry_after}, json={"error": {
        "code": "ApplicationThrottled", "message": message}})


class VirtualTime:
    """The transport's clock and sleep: a sleep moves the clock on by its length from when it
    began, so sleeps of concurrent requests overlap as real ones do."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        wake = self.now + seconds
        await asyncio.sleep(0)  # the other requests throttled at this instant start theirs
        self.now = max(self.now, wake)


def client_for(time: VirtualTime, **options: Any):
    return build_client(graph_url=GRAPH, token_provider=StaticTokenProvider("tok"),
                        inner=httpx.AsyncHTTPTransport(), sleep=time.sleep, clock=time.clock,
                        **options)


@respx.mock
def test_a_long_retry_after_fails_the_mailbox_at_once_and_the_others_go_on() -> None:
    """Graph asks to leave Ann's mailbox alone for an hour: her request fails at once (no
    wait: it held the run 20 minutes before), and so does every later one to her mailbox,
    without being sent, saying what to look at; Bob's mailbox is asked as ever."""
    time = VirtualTime()
    client = client_for(time)
    ann = respx.route(url__startswith=GRAPH + ANN).mock(return_value=throttled("3600"))
    respx.get(f"{GRAPH}{BOB}/mailboxSettings").mock(
        return_value=httpx.Response(200, json={"timeZone": "UTC"}))

    with pytest.raises(Throttled) as first:
        asyncio.run(client.request("GET", f"{ANN}/calendarView"))
    assert time.slept == []
    assert "3600 s" in str(first.value) and "max_in_flight_per_mailbox" in str(first.value)
    assert "another app" in str(first.value)
    with pytest.raises(Throttled) as later:
        asyncio.run(client.request("GET", f"{ANN}/mailboxSettings"))
    assert ann.call_count == 1  # the second was never sent
    assert "Not sent" in str(later.value) and "left for the next run" in str(later.value)
    assert asyncio.run(client.request("GET", f"{BOB}/mailboxSettings")) == {"timeZone": "UTC"}
    assert time.slept == []


@respx.mock
def test_short_waits_stop_once_the_mailbox_has_been_throttled_for_the_budget() -> None:
    """Each wait Graph asks for is short (10 s) but the mailbox stays throttled: its requests
    in flight together wait side by side, and once its throttling has lasted the budget
    (not the budget per request, nor four retries each) they fail, as does what follows."""
    time = VirtualTime()
    client = client_for(time)
    ann = respx.route(url__startswith=GRAPH + ANN).mock(return_value=throttled("10"))

    async def four_at_once() -> list[BaseException | Any]:
        return await asyncio.gather(
            *(client.request("GET", f"{ANN}/events/e{n}") for n in range(4)),
            return_exceptions=True)

    outcomes = asyncio.run(four_at_once())
    assert all(isinstance(o, Throttled) for o in outcomes), outcomes
    assert time.now <= THROTTLE_BUDGET
    asked = ann.call_count
    with pytest.raises(Throttled):
        asyncio.run(client.request("GET", f"{ANN}/events/e9"))
    assert ann.call_count == asked  # given up for the run: not sent


@respx.mock
def test_a_mailbox_that_answers_between_throttles_is_not_given_up() -> None:
    """Throttled now and then, answering in between: each spell is waited out, though the
    waits add up past the budget, and nothing is refused."""
    time = VirtualTime()
    client = client_for(time)
    ok = httpx.Response(200, json={"id": "e"})
    respx.get(f"{GRAPH}{ANN}/events/e").mock(side_effect=[
        throttled("20"), ok, throttled("20"), ok, throttled("20"), ok])
    for _ in range(3):
        assert asyncio.run(client.request("GET", f"{ANN}/events/e")) == {"id": "e"}
    assert time.slept == [20.0, 20.0, 20.0]


@respx.mock
def test_batch_subrequests_to_a_mailbox_given_up_are_answered_unsent() -> None:
    """A throttled sub-request asking for an hour is not waited for, its mailbox given up:
    later sub-requests (and single requests) to it are answered 429 without being sent,
    while the other mailboxes' go to Graph."""
    time = VirtualTime()
    client = client_for(time)
    seen: list[str] = []

    def batch(request: httpx.Request) -> httpx.Response:
        reqs = json.loads(request.content)["requests"]
        seen.extend(r["url"] for r in reqs)
        return httpx.Response(200, json={"responses": [
            {"id": r["id"], "status": 429, "headers": {"Retry-After": "3600"},
             "body": {"error": {"code": "ApplicationThrottled",
                                "message": "Application is over its MailboxConcurrency "
                                           "limit."}}}
            if r["url"].startswith(ANN) else {"id": r["id"], "status": 200, "body": {}}
            for r in reqs]})

    respx.post(f"{GRAPH}/$batch").mock(side_effect=batch)
    single = respx.get(f"{GRAPH}{ANN}/mailboxSettings").mock(
        return_value=httpx.Response(200, json={}))
    first = asyncio.run(client._batch([BatchItem("a", "GET", f"{ANN}/mailboxSettings"),
                                       BatchItem("b", "GET", f"{BOB}/mailboxSettings")]))
    assert (first["a"].status, first["b"].status) == (429, 200)
    assert time.slept == []
    seen.clear()
    again = asyncio.run(client._batch([BatchItem("a", "GET", f"{ANN}/events/e1"),
                                       BatchItem("b", "GET", f"{BOB}/events/e1")]))
    assert seen == [f"{BOB}/events/e1"]
    assert again["a"].status == 429 and "Not sent" in json.dumps(again["a"].body)
    assert isinstance(client._batch_error(BatchItem("a", "GET", f"{ANN}/events/e1"),
                                          again["a"]), Throttled)
    with pytest.raises(Throttled):
        asyncio.run(client.request("GET", f"{ANN}/mailboxSettings"))
    assert single.call_count == 0 and time.slept == []


@pytest.mark.parametrize(("answer", "error"), [
    (httpx.Response(503, json={"error": {"code": "ServiceUnavailable", "message": ""}}),
     OutcomeUnknown),
    (httpx.ReadTimeout("slow"), GraphError),
])
@respx.mock
def test_no_request_waits_past_the_budget_in_all(answer: Any, error: type) -> None:
    """However many retries are configured, a request failing on Graph's side (or getting no
    answer) is given up once its back-off (1, 2, 4, 8, 16 s...) would wait past the budget:
    no step is held longer by one request."""
    time = VirtualTime()
    client = client_for(time, max_retries=10)
    respx.get(f"{GRAPH}{ANN}/events/e1").mock(side_effect=answer)
    with pytest.raises(error):
        asyncio.run(client.request("GET", f"{ANN}/events/e1"))
    assert 0 < sum(time.slept) <= THROTTLE_BUDGET and len(time.slept) < 10


def _stopped_midway(call: Any, halt: Halt) -> BaseException | Any:
    """Run ``call()`` (a coroutine) on a loop of its own thread, as the worker runs a tick;
    once it sleeps, set ``halt`` from this thread, as the worker's signal handler does."""
    sleeping = threading.Event()
    outcome: list[BaseException | Any] = []

    async def never_wakes(_seconds: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    def run() -> None:
        try:
            outcome.append(asyncio.run(call(never_wakes)))
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert sleeping.wait(HANG_GUARD_SECONDS)
    halt.set()
    thread.join(HANG_GUARD_SECONDS)
    assert not thread.is_alive(), "the stop did not end the wait"
    return outcome[0]


@pytest.mark.parametrize(("answer", "error"), [
    (throttled("5"), Throttled),
    (httpx.Response(503, json={"error": {"code": "ServiceUnavailable", "message": ""}}),
     OutcomeUnknown),
    (httpx.ReadTimeout("slow"), GraphError),
])
@respx.mock
def test_the_stop_ends_a_wait_and_starts_no_retry(answer: Any, error: type) -> None:
    """SIGTERM while a request waits to be retried (Retry-After, back-off): the wait ends at
    once and the request is not sent again: its failure is the run's, which goes on and
    finishes (the supervisor's grace period is not waited out)."""
    halt = Halt()
    route = respx.get(f"{GRAPH}{ANN}/events/e1").mock(side_effect=[answer, answer])

    async def call(sleep: Any) -> Any:
        client = build_client(graph_url=GRAPH, token_provider=StaticTokenProvider("tok"),
                              inner=httpx.AsyncHTTPTransport(), sleep=sleep, halt=halt)
        return await client.request("GET", f"{ANN}/events/e1")

    assert isinstance(_stopped_midway(call, halt), error)
    assert route.call_count == 1


@respx.mock
def test_the_stop_ends_a_batch_wait_and_sends_no_more() -> None:
    """The same for throttled sub-requests of a $batch: their 429 is the answer."""
    halt = Halt()
    route = respx.post(f"{GRAPH}/$batch").mock(return_value=httpx.Response(200, json={
        "responses": [{"id": "a", "status": 429, "headers": {"Retry-After": "5"},
                       "body": {"error": {"code": "ApplicationThrottled", "message": ""}}}]}))

    async def call(sleep: Any) -> Any:
        client = build_client(graph_url=GRAPH, token_provider=StaticTokenProvider("tok"),
                              inner=httpx.AsyncHTTPTransport(), sleep=sleep, halt=halt)
        return await client._batch([BatchItem("a", "GET", f"{ANN}/mailboxSettings")])

    out = _stopped_midway(call, halt)
    assert out["a"].status == 429 and route.call_count == 1


def test_the_throttle_hint_names_what_to_look_at() -> None:
    """A mailbox over its concurrency names the per-mailbox setting (the app-wide one is
    beside the point), another throttle of a mailbox says another app may be using it, and
    the directory's names max_in_flight."""
    def said(mailbox: str, message: str) -> str:
        return str(translate(status=429, code="ApplicationThrottled", message=message,
                             method="GET", path="/v1.0/users/x/events", mailbox=mailbox,
                             retry_after=3.0))

    busy = said("ann@contoso.com", "Application is over its MailboxConcurrency limit.")
    assert "[microsoft] max_in_flight_per_mailbox" in busy and "another app" in busy
    quota = said("ann@contoso.com", "Application is over its ApplicationRequests limit.")
    assert quota.count("Another app") == 1 and "max_in_flight_per_mailbox" in quota
    directory = said("", "Too many requests.")
    assert "[microsoft] max_in_flight." in directory and "per_mailbox" not in directory
