"""$batch at the HTTP level (respx): the configured per-mailbox limit holds across chunks in
flight, and throttled sub-requests are retried by the transport's one policy."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from service.graph.auth import StaticTokenProvider
from service.graph.batch import BatchItem, mailbox_key, pack_batches
from service.graph.factory import build_client

GRAPH = "https://graph.microsoft.com/v1.0"


def _client(sleeps: list[float], **limits: int):
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return build_client(graph_url=GRAPH + "/", token_provider=StaticTokenProvider("tok"),
                        inner=httpx.AsyncHTTPTransport(), sleep=fake_sleep, **limits)


@respx.mock
def test_chunks_for_one_mailbox_never_overlap_with_a_limit_of_one() -> None:
    """With max_in_flight_per_mailbox = 1, one mailbox's sub-requests go one chunk at a
    time, never two chunks for it in flight at once."""
    state = {"now": 0, "peak": 0, "calls": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        reqs = json.loads(request.content)["requests"]
        assert sum(1 for r in reqs if "/users/m1/" in r["url"]) <= 1
        state["now"] += 1
        state["calls"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return httpx.Response(200, json={"responses": [
            {"id": r["id"], "status": 200, "body": {}} for r in reqs]})

    respx.post(f"{GRAPH}/$batch").mock(side_effect=handler)
    client = _client([], per_mailbox=1)
    items = [BatchItem(str(i), "GET", f"/users/m1/events/{i}") for i in range(5)]
    out = asyncio.run(client._batch(items))
    assert sorted(out) == [str(i) for i in range(5)]
    assert state["calls"] == 5 and state["peak"] == 1


@respx.mock
def test_throttled_subrequest_waits_retry_after_within_max_retries() -> None:
    """A sub-request answered 429 with Retry-After: 1.5 is sent again after exactly that
    wait, and after max_retries more tries its 429 is handed back, not retried again."""
    sleeps: list[float] = []
    seen: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        reqs = json.loads(request.content)["requests"]
        seen.append([r["id"] for r in reqs])
        return httpx.Response(200, json={"responses": [
            {"id": r["id"], "status": 429, "headers": {"Retry-After": "1.5"},
             "body": {"error": {"code": "TooManyRequests", "message": ""}}}
            if r["id"] == "b" else {"id": r["id"], "status": 200, "body": {}}
            for r in reqs]})

    respx.post(f"{GRAPH}/$batch").mock(side_effect=handler)
    client = _client(sleeps, max_retries=2)
    out = asyncio.run(client._batch([BatchItem("a", "GET", "/users/a/mailboxSettings"),
                                     BatchItem("b", "GET", "/users/b/mailboxSettings")]))
    assert seen == [["a", "b"], ["b"], ["b"]]
    assert sleeps == [1.5, 1.5]
    assert out["a"].status == 200 and out["b"].status == 429


def test_packing_honours_the_configured_limit() -> None:
    """Packing puts at most the configured number of one mailbox's requests in a chunk."""
    items = [BatchItem(f"m{i}", "GET", f"/users/m1/events/{i}") for i in range(7)]
    items += [BatchItem(f"u{i}", "GET", f"/users/u{i}") for i in range(30)]
    chunks = pack_batches(items, per_mailbox=2)
    assert all(len(c) <= 20 for c in chunks)
    assert all(sum(1 for i in c if i.id.startswith("m")) <= 2 for c in chunks)
    assert sorted(i.id for c in chunks for i in c) == sorted(i.id for i in items)


def _first_fit(items: list[BatchItem], per_mailbox: int) -> list[list[str]]:
    """The rule pack_batches keeps, spelt out the slow way: each request goes into the first
    payload with room that is not before its mailbox's latest one and holds fewer than
    ``per_mailbox`` of its mailbox's requests."""
    chunks: list[list[BatchItem]] = []
    last: dict[str, int] = {}
    for item in items:
        box = mailbox_key(item)
        at = last.get(box, 0) if box is not None else 0
        while at < len(chunks) and (len(chunks[at]) >= 20 or (box is not None and sum(
                mailbox_key(i) == box for i in chunks[at]) >= per_mailbox)):
            at += 1
        if at == len(chunks):
            chunks.append([])
        chunks[at].append(item)
        if box is not None:
            last[box] = at
    return [[i.id for i in c] for c in chunks]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1, 12), max_size=300), st.integers(1, 5))
def test_packing_is_first_fit_within_the_limits(boxes: list[int], per_mailbox: int) -> None:
    """Every request once, at most 20 to a payload and ``per_mailbox`` to one mailbox, each
    in the first payload that may take it (mailbox -1: a directory read, unlimited)."""
    items = [BatchItem(str(n), "GET", f"/users/u{b}/events" if b >= 0 else f"/users/u{n}")
             for n, b in enumerate(boxes)]
    chunks = pack_batches(items, per_mailbox=per_mailbox)
    assert sorted(i.id for c in chunks for i in c) == sorted(i.id for i in items)
    assert all(len(c) <= 20 for c in chunks)
    assert all(max(Counter(k for i in c if (k := mailbox_key(i))).values(), default=0)
               <= per_mailbox for c in chunks)
    assert [[i.id for i in c] for c in chunks] == _first_fit(items, per_mailbox)
