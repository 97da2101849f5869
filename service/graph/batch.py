"""``$batch``: sub-requests packed 20 to a call, within the per-mailbox limit, retried by
the transport's one policy.

Exchange runs a batch's requests to one mailbox concurrently and answers the one past its
limit with 429 (MailboxConcurrency), so a chunk holds the same per-mailbox slots as single
requests do (``GraphTransport.mailboxes``) for as long as it is in flight: with a limit of
4, all chunks and single requests together never have more than 4 requests at one mailbox.
Graph answers a throttled sub-request inside a 200 reply (with its own Retry-After), so
those are retried here, under the transport's ``RetryPolicy`` (the same ``max_retries``,
the same budget of waiting, the same mailboxes given up for the run, the same stop).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.graph.transport import (
    MailboxLimiter,
    RetryPolicy,
    parse_retry_after,
    refusal_safe,
    retry_safe,
    served_mailbox,
)
from service.graph.waits import NOT_SENT_NOTE

log = logging.getLogger(__name__)

BATCH_LIMIT = 20  # Graph's documented maximum of requests in one $batch


@dataclass(frozen=True)
class BatchItem:
    """One sub-request of a $batch, with a relative URL like ``/users/x/mailboxSettings``."""

    id: str
    method: str
    url: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchResult:
    """One sub-request's answer: its status, decoded body and headers."""

    id: str
    status: int
    body: Any
    headers: dict[str, str]


def mailbox_key(item: BatchItem) -> str | None:
    """The mailbox a sub-request loads (None for directory reads, which Exchange doesn't)."""
    return served_mailbox(item.url)


def pack_batches(items: Sequence[BatchItem], per_mailbox: int = 4) -> list[list[BatchItem]]:
    """Split sub-requests into $batch payloads of at most 20, with at most ``per_mailbox``
    aimed at any one mailbox, each into the first payload that may take it, in time linear
    in the number of items: a mailbox's requests only ever go into later payloads than its
    last one (so only that one can be short of room for it), and full payloads are skipped
    in one step (each remembers a later payload that may still have room, as union-find
    does)."""
    chunks: list[list[BatchItem]] = []
    counts: list[Counter[str]] = []
    later: list[int] = []  # for a full chunk, a later one that may have room (itself if not)
    last: dict[str, int] = {}  # each mailbox's latest chunk

    def open_from(i: int) -> int:
        """The first chunk from ``i`` on with room (``len(chunks)``: a new one)."""
        root = i
        while root < len(chunks) and later[root] != root:
            root = later[root]
        while i != root:  # shorten the path for the next look
            later[i], i = root, later[i]
        return root

    for item in items:
        box = mailbox_key(item)
        at = open_from(last.get(box, 0) if box is not None else 0)
        if box is not None and at < len(chunks) and counts[at][box] >= per_mailbox:
            at = open_from(at + 1)
        if at == len(chunks):
            chunks.append([])
            counts.append(Counter())
            later.append(at)
        chunks[at].append(item)
        if len(chunks[at]) >= BATCH_LIMIT:
            later[at] = at + 1
        if box is not None:
            counts[at][box] += 1
            last[box] = at
    return chunks


def _payload(chunk: Sequence[BatchItem]) -> dict[str, Any]:
    requests = []
    for item in chunk:
        req: dict[str, Any] = {"id": item.id, "method": item.method, "url": item.url}
        headers = dict(item.headers)
        if item.body is not None:
            req["body"] = item.body
            headers.setdefault("Content-Type", "application/json")
        if headers:
            req["headers"] = headers
        requests.append(req)
    return {"requests": requests}


def _results(reply: Any) -> list[BatchResult]:
    return [
        BatchResult(id=str(r["id"]), status=int(r["status"]), body=r.get("body"),
                    headers=r.get("headers") or {})
        for r in (reply or {}).get("responses", [])
    ]


Send = Callable[[dict[str, Any]], Awaitable[Any]]


def _error(result: BatchResult) -> tuple[str, str]:
    """Graph's (code, message) in a sub-response."""
    error = (result.body if isinstance(result.body, dict) else {}).get("error") or {}
    return str(error.get("code") or ""), str(error.get("message") or "")


def _retry_after(result: BatchResult) -> float | None:
    return parse_retry_after({k.lower(): v for k, v in result.headers.items()}.get("retry-after"))


def _refused(item: BatchItem, policy: RetryPolicy) -> BatchResult | None:
    """Graph's 429 said again, unsent, for a sub-request to a mailbox given up (in this run,
    or held from an earlier one)."""
    refused = policy.refusal(mailbox_key(item))
    if refused is None:
        return None
    left, code, message = refused
    return BatchResult(id=item.id, status=429, headers={"Retry-After": f"{math.ceil(left)}"}
                       if left else {}, body={"error": {
                           "code": code or "TooManyRequests",
                           "message": f"{message} {NOT_SENT_NOTE}".strip()}})


async def run_batch(send: Send, items: Sequence[BatchItem], *, limiter: MailboxLimiter,
                    policy: RetryPolicy) -> dict[str, BatchResult]:
    """Every sub-request's result by id. ``send`` POSTs one ``$batch`` body and returns
    Graph's decoded reply. Throttled and 5xx sub-requests that are safe to repeat go again
    after the longest wait any of them asked for, until ``policy.max_retries``, while the
    waits fit the policy's budget (a mailbox throttled past it is given up for the run: its
    sub-requests are answered 429 unsent) and the stop has not come."""
    results: dict[str, BatchResult] = {}
    pending = list(items)
    attempt = 0
    waited = 0.0

    def unsent(chunk: list[BatchItem]) -> list[BatchItem]:
        """``chunk`` less the sub-requests to mailboxes given up (answered at once)."""
        left = []
        for item in chunk:
            if (refusal := _refused(item, policy)) is not None:
                results[item.id] = refusal
            else:
                left.append(item)
        return left

    async def one(chunk: list[BatchItem]) -> list[BatchResult]:
        wanted = Counter(box for item in chunk if (box := mailbox_key(item)) is not None)
        async with limiter.hold(wanted):
            chunk = unsent(chunk)  # (a mailbox may have been given up while this waited)
            return _results(await send(_payload(chunk))) if chunk else []

    while pending := unsent(pending):
        attempt += 1
        by_id = {item.id: item for item in pending}
        replies = await asyncio.gather(*(one(c) for c in pack_batches(pending, limiter.limit)))
        retry: list[tuple[BatchItem, BatchResult]] = []
        waits: list[float] = []
        for result in (r for reply in replies for r in reply):
            item = by_id[result.id]
            path, box = item.url.split("?")[0], mailbox_key(item)
            if result.status != 429 and box is not None:
                policy.throttles.answered(box)
            if not policy.retries(result.status, retry_safe(item.method, path), attempt,
                                  refused_safe=refusal_safe(item.method, path)):
                if result.status == 429:
                    policy.still_throttled(box, attempt, _retry_after(result), *_error(result))
                results[result.id] = result
                continue
            delay = policy.delay(attempt, _retry_after(result))
            if not policy.waits(box, result.status, delay, waited):
                if result.status == 429 and box is not None:
                    policy.give_up(box, delay, *_error(result))
                results[result.id] = result  # left for the next run
                continue
            retry.append((item, result))
            waits.append(delay)
        if not retry:
            break
        log.warning("graph.batch_retry", extra={"count": len(retry), "attempt": attempt})
        waited += max(waits)
        await policy.wait(max(waits))
        if policy.halted():
            results.update((item.id, result) for item, result in retry)
            break
        pending = [item for item, _result in retry]
    return results
