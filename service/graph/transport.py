"""The HTTP transport under msgraph-sdk: the one place that retries, throttles and limits.

msgraph-sdk's own RetryHandler retries every method (POST included) on 429/503/504 and
ignores fractional ``Retry-After`` values, so it is left out of the middleware chain and
this transport owns the decision instead (see DESIGN.md, "Known traps").
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import random
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx

from service.errors import OutcomeUnknown, Superseded
from service.graph.errors import parse_error_body
from service.graph.waits import NOT_SENT_NOTE, THROTTLE_BUDGET, Halt, Throttles

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({429, 503, 504})
# No answer: a timeout, a refused or reset connection, or a connection the server (or a proxy)
# closed mid-response (RemoteProtocolError). Each is handled like a timeout: a safe request
# is retried, any other may have taken effect and is reported as outcome unknown.
DROPPED = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# No connection: none could be made (refused, DNS, a connect timeout, a proxy that refused
# the tunnel) or none came free from the pool. Not a byte of the request left this machine,
# so even a sendMail is certain to have had no effect: retried like a safe request, and never
# reported as an unknown outcome (which, without Mail.Read, waits for an operator).
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)

# A write's fence (GraphClient.send_mail sets it for its request): asked each time the
# request is about to leave, after it has waited for its mailbox's slot and any Retry-After,
# where a worker held up (a paused VM, a long throttle) can find its claim taken over by
# another, which sends the mail itself. False: not sent (Superseded). Set per task, as the
# request runs in its caller's context.
WRITE_FENCE: ContextVar[Callable[[], bool] | None] = ContextVar("write_fence", default=None)

# POSTs that are safe to repeat: reads dressed as POSTs, and event creation, which always
# carries a transactionId that Exchange uses to drop a duplicate create.
_SAFE_POST = re.compile(r"(/getSchedule|/microsoft\.graph\.getSchedule|/\$batch|/events)$", re.I)
_MAILBOX = re.compile(r"/users/([^/?]+)", re.I)
# Segments after /users/ that are functions on the directory, not a user: users/delta.
_NOT_A_USER = frozenset({"delta", "delta()"})
# An organizer's update of an event is mailed to its attendees: sent twice, the report gets
# two "meeting updated" mails (DESIGN.md: patch an occurrence body at most once).
_EVENT_UPDATE = re.compile(r"/events/[^/]+$", re.I)
# Path segments of requests that Exchange serves from the mailbox (directory reads are not).
_MAILBOX_SEGMENTS = ("/events", "/calendar", "/mailboxSettings", "/messages", "/mailFolders",
                     "/sendMail")
# Marks a 429 the transport answered itself, for a mailbox given up (see ``Throttles``).
_NOT_SENT = "onetoone_not_sent"
# The longest Retry-After taken as said: it is only compared with the budget and told.
_RETRY_AFTER_MAX = 86400.0


def retry_safe(method: str, path: str) -> bool:
    """Whether repeating this request can never have a second effect.

    ``sendMail`` and any POST not known to be safe return False: a 503 after Exchange
    accepted a message would otherwise send it twice.
    """
    method = method.upper()
    if method == "PATCH":
        return not _EVENT_UPDATE.search(path.rstrip("/"))
    if method in {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}:
        return True
    return method == "POST" and bool(_SAFE_POST.search(path.rstrip("/")))


def refusal_safe(method: str, path: str) -> bool:
    """Whether a 429 for this request is retried: Graph did nothing with a throttled request,
    so an event update can go again (a 503, 504 or a lost answer may have followed a change:
    the agenda step tells its own write from the body next run)."""
    return retry_safe(method, path) or method.upper() == "PATCH"


def mailbox_of(path: str) -> str | None:
    """The mailbox (user id or UPN) a Graph path addresses, lower-cased, if any."""
    match = _MAILBOX.search(path)
    if not match:
        return None
    segment = match.group(1)
    if segment.lower() in _NOT_A_USER:
        return None
    if "%" not in segment and "#" not in segment:
        return segment.lower()  # nothing for a URL parse to change: most paths, every request
    return httpx.URL("/" + segment).path.lstrip("/").lower()


def served_mailbox(path: str) -> str | None:
    """The mailbox whose Exchange store serves the request at ``path`` (what Exchange limits
    and throttles per mailbox); None for the directory (a user's profile, their manager)."""
    if "/users/" in path and any(seg in path for seg in _MAILBOX_SEGMENTS):
        return mailbox_of(path)
    return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta seconds (fractional too) or HTTP date.
    As Graph said it (a day at most): no wait past ``THROTTLE_BUDGET`` is slept."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, min(seconds, _RETRY_AFTER_MAX))


def backoff(attempt: int, retry_after: float | None, jitter: float = 0.0) -> float:
    """Delay before attempt ``attempt`` (1-based): Graph's Retry-After when given, else
    exponential (1, 2, 4, 8 s... capped at 60 s) plus jitter."""
    if retry_after is not None:
        return retry_after
    return min(60.0, 2.0 ** (attempt - 1)) + jitter


@dataclass
class TransportStats:
    """Counters the worker exposes as metrics."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0


class MailboxLimiter:
    """At most ``limit`` requests in flight per mailbox, whether sent alone or inside a
    ``$batch`` (Exchange counts both: the 5th concurrent request to a mailbox gets 429
    MailboxConcurrency).

    A ``$batch`` chunk takes all its slots at once, per mailbox and in a fixed mailbox
    order, so two chunks each holding part of what the other needs can never wait forever.
    Waiters queue per mailbox, first come first served, and a release wakes only those of
    its mailbox that now fit: with thousands of creates queued across a rollout, waking
    every waiter on every release would cost CPU growing with their square.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._used: dict[str, int] = {}
        self._queues: dict[str, deque[tuple[int, asyncio.Future[None]]]] = {}

    @asynccontextmanager
    async def hold(self, wanted: Mapping[str, int]) -> AsyncIterator[None]:
        """Hold ``wanted[mailbox]`` slots of each mailbox (capped at the limit) meanwhile."""
        counts = sorted((box, min(n, self.limit)) for box, n in wanted.items() if n > 0)
        taken: list[tuple[str, int]] = []
        try:
            for box, n in counts:
                await self._take(box, n)
                taken.append((box, n))
            yield
        finally:
            for box, n in taken:
                self._give(box, n)

    async def _take(self, box: str, n: int) -> None:
        queue = self._queues.get(box)
        if not queue and self._used.get(box, 0) + n <= self.limit:
            self._used[box] = self._used.get(box, 0) + n
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(box, deque()).append((n, granted))
        try:
            await granted  # _give counted the slots as ours before waking us
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._give(box, n)  # granted as we were cancelled: hand them on
            else:
                waiting = self._queues.get(box)
                if waiting is not None:
                    with contextlib.suppress(ValueError):
                        waiting.remove((n, granted))
                    self._wake(box)  # we may have been the head others queued behind
            raise

    def _give(self, box: str, n: int) -> None:
        left = self._used.get(box, 0) - n
        if left > 0:
            self._used[box] = left
        else:
            self._used.pop(box, None)
        self._wake(box)

    def _wake(self, box: str) -> None:
        """Grant queued waiters of ``box``, in order, while the head fits."""
        queue = self._queues.get(box)
        while queue:
            n, granted = queue[0]
            if granted.done():  # cancelled while queued
                queue.popleft()
                continue
            if self._used.get(box, 0) + n > self.limit:
                break
            queue.popleft()
            self._used[box] = self._used.get(box, 0) + n
            granted.set_result(None)
        if queue is not None and not queue:
            del self._queues[box]


@dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy for Graph: which answers are retried, how often, how long to wait.

    The transport applies it to whole requests and ``graph.batch`` to the sub-requests of
    a ``$batch`` (Graph answers a throttled sub-request inside a 200 reply). No request
    waits past ``throttles.budget`` in all, and a mailbox Graph keeps throttling past it is
    given up for the run (see graph/waits.py); once ``halt`` is set (the worker stopping),
    waits end at once and nothing is retried.
    """

    max_retries: int
    sleep: Callable[[float], Awaitable[None]]
    throttles: Throttles = field(default_factory=Throttles)
    halt: Halt | None = None
    # A mailbox's address from the directory id its requests use (set by the run that
    # knows its people, app.job_context): what the log says it by. None: the id.
    address_of: Callable[[str], str | None] | None = None

    def named(self, mailbox: str | None) -> str | None:
        """``mailbox`` as the log says it: by its address where known."""
        if mailbox is None or self.address_of is None:
            return mailbox
        return self.address_of(mailbox) or mailbox

    def halted(self) -> bool:
        """Whether the stop has come: no retry starts."""
        return self.halt is not None and self.halt.is_set()

    def retries(self, status: int, safe: bool, attempt: int, *, refused_safe: bool = False
                ) -> bool:
        """Whether attempt ``attempt`` (1-based) that got ``status`` is tried again
        (``refused_safe``: a 429 is, though the request is not ``safe``)."""
        return (status in TRANSIENT_STATUSES and (safe or (refused_safe and status == 429))
                and attempt <= self.max_retries and not self.halted())

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Graph's Retry-After when given, else exponential backoff with jitter."""
        return backoff(attempt, retry_after, random.random())

    def waits(self, mailbox: str | None, status: int, delay: float, waited: float) -> bool:
        """Whether a retry may wait ``delay`` s more, after ``waited`` s: not stopping, within
        the budget for the request, and (a 429 for ``mailbox``) for the mailbox's spell."""
        fits = waited + delay <= self.throttles.budget and not self.halted()
        if status == 429 and mailbox is not None:
            fits = self.throttles.fits(mailbox, delay) and fits
        return fits

    def give_up(self, mailbox: str, wait: float, code: str, message: str) -> None:
        """Refuse ``mailbox``'s requests for the rest of the run (logged once)."""
        if self.throttles.give_up(mailbox, wait, code, message):
            log.warning("graph.mailbox_throttled", extra={
                "mailbox": self.named(mailbox), "retry_after": round(wait, 3), "code": code,
                "detail": "Graph keeps throttling this mailbox: its requests fail at once "
                          "for the rest of this run; the next run tries again"})

    def still_throttled(self, mailbox: str | None, attempt: int, retry_after: float | None,
                        code: str, message: str) -> None:
        """A 429 for ``mailbox`` handed back, not retried (Graph's ``code`` and ``message``):
        the mailbox is given up when Graph asked for a wait past the budget, or the retries
        ran out (it was throttled through each of them)."""
        if mailbox is None or self.halted():
            return
        wait = retry_after if retry_after is not None else 0.0
        if attempt > self.max_retries or not self.throttles.fits(mailbox, wait):
            self.give_up(mailbox, wait, code, message)

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, ended at once by the stop."""
        if self.halt is None:
            await self.sleep(seconds)
        else:
            await self.halt.sleep(seconds, self.sleep)

    def refusal(self, mailbox: str | None) -> tuple[float, str, str] | None:
        """(seconds Graph asked to wait, its code, its message) for a mailbox given up."""
        return self.throttles.refused(mailbox)


class GraphTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport: per-mailbox concurrency limit, global limit, retries."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        max_retries: int = 4,
        per_mailbox: int = 4,
        max_in_flight: int = 16,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        halt: Halt | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        # One transport per run: the mailboxes throttled are those of this run.
        self.policy = RetryPolicy(max_retries=max_retries, sleep=sleep,
                                  throttles=Throttles(THROTTLE_BUDGET, clock), halt=halt)
        self.mailboxes = MailboxLimiter(per_mailbox)
        self._global = asyncio.Semaphore(max_in_flight)
        self.stats = TransportStats()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        # Judged on the path as sent: an id holding "/" (sent as %2F) must stay one segment.
        raw = request.url.raw_path.decode("ascii", "replace").split("?")[0]
        safe = retry_safe(request.method, raw)
        again_if_refused = refusal_safe(request.method, raw)
        mailbox = mailbox_of(path)
        served = served_mailbox(path)
        policy = self.policy
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            try:
                response = await self._send_once(request, mailbox, served)
            except (*NOT_SENT, *DROPPED) as exc:
                if not safe and not isinstance(exc, NOT_SENT):
                    raise OutcomeUnknown(
                        f"{request.method} {path} got no answer from Microsoft Graph "
                        f"({type(exc).__name__}); it may or may not have taken effect.",
                        mailbox=mailbox or "",
                    ) from exc
                delay = policy.delay(attempt, None)
                if (attempt > policy.max_retries
                        or not policy.waits(None, 0, delay, waited)):  # (or the stop came)
                    raise
                waited += delay
                log.warning(
                    "graph.retry",
                    extra={"method": request.method, "path": path, "attempt": attempt,
                           "delay": round(delay, 3), "cause": type(exc).__name__,
                           "mailbox": policy.named(mailbox)},
                )
                self.stats.retries += 1
                await policy.wait(delay)
                if policy.halted():
                    raise
                continue
            if response.extensions.get(_NOT_SENT):
                return response
            status = response.status_code
            if status == 429:
                self.stats.throttled += 1
            elif served is not None:
                policy.throttles.answered(served)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if not policy.retries(status, safe, attempt, refused_safe=again_if_refused):
                if status == 429:
                    policy.still_throttled(served, attempt, retry_after,
                                           *parse_error_body(response.content))
                return response
            delay = policy.delay(attempt, retry_after)
            if not policy.waits(served, status, delay, waited):
                if status == 429 and served is not None:
                    policy.give_up(served, delay, *parse_error_body(response.content))
                return response  # left for the next run, rather than hold the run up
            waited += delay
            await response.aread()
            await response.aclose()
            log.warning(
                "graph.retry",
                extra={"method": request.method, "path": path, "status": status,
                       "attempt": attempt, "delay": round(delay, 3),
                       "mailbox": policy.named(mailbox)},
            )
            self.stats.retries += 1
            await policy.wait(delay)
            if policy.halted():
                return response  # (read: its body is still there to be told)

    def _refusal(self, request: httpx.Request, served: str | None) -> httpx.Response | None:
        """Graph's 429 said again, unsent, for a mailbox given up (in this run, or held from
        an earlier one)."""
        refused = self.policy.refusal(served)
        if refused is None:
            return None
        left, code, message = refused
        return httpx.Response(
            429, request=request, extensions={_NOT_SENT: True},
            headers={"Retry-After": f"{math.ceil(left)}"} if left else {},
            json={"error": {"code": code or "TooManyRequests", "message": (
                f"{message} {NOT_SENT_NOTE}").strip()}})

    async def _send_once(self, request: httpx.Request, mailbox: str | None,
                         served: str | None) -> httpx.Response:
        if (refusal := self._refusal(request, served)) is not None:
            return refusal
        # Mailbox slots before the global one, as a $batch takes them (graph/batch.py): one
        # order for both, so neither can hold what the other waits for.
        async with self.mailboxes.hold({mailbox: 1} if mailbox else {}), self._global:
            if (refusal := self._refusal(request, served)) is not None:
                return refusal  # given up while this one waited for its slot
            if (fence := WRITE_FENCE.get()) is not None and not fence():
                raise Superseded(f"{request.method} {request.url.path} was not sent: another "
                                 "worker took it over meanwhile.")
            self.stats.requests += 1
            response = await self._inner.handle_async_request(request)
            # Read inside the slot so the mailbox's concurrency really covers the body.
            await response.aread()
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()
