"""Routing requests to the handlers, JSON ``$batch``, injected faults and mailbox limits.

``SandboxTenant`` is the whole tenant: its state and people (``state``, ``people``) plus
what Graph does with a request before a handler sees it. Knobs for tests and benchmarks:
``latency`` (seconds per request), ``mailbox_limit`` (concurrent requests per mailbox before
429), :meth:`inject_fault`, and ``requests`` (a log of ``(method, path, mailbox user id or
None)``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import service.sandbox.calendar as cal
import service.sandbox.delta as delta
import service.sandbox.directory as directory
import service.sandbox.freebusy as freebusy
import service.sandbox.mail as mail
from service.sandbox.people import SimulatedPeople
from service.sandbox.state import TenantState
from service.sandbox.wire import GraphFault, Request, Response, bad_request, error_body, parse_query

BATCH_LIMIT = 20
_STATUS_CODES = {
    400: "BadRequest", 401: "InvalidAuthenticationToken", 403: "ErrorAccessDenied",
    404: "ErrorItemNotFound", 409: "ErrorIrresolvableConflict", 429: "TooManyRequests",
    500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
_FAULT_MESSAGES = {
    429: "Application is over its MailboxConcurrency limit.",
    503: "The service is currently unavailable. Please try again later.",
    504: "The request timed out.",
}


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None
    apply_first: bool
    code: str | None = None
    message: str | None = None


Handler = Callable[[TenantState, Request, list[str]], Response]


def _route_table() -> list[tuple[str, re.Pattern[str], Handler]]:
    """(method, path regex, handler): the endpoints the sandbox implements."""
    u = r"/users/([^/]+)"
    ev = rf"{u}(?:/calendar)?/events"

    def mailbox(fn: Callable[..., Response]) -> Handler:
        # Resolve the mailbox first so unknown/blocked users get Exchange's errors.
        return lambda t, r, g: fn(t, t.mailbox(g[0])["id"], r, *g[1:])

    routes: list[tuple[str, str, Handler]] = [
        ("GET", r"/users", lambda t, r, g: directory.list_users(t, r)),
        ("GET", r"/users/(?:microsoft\.graph\.)?delta",
         lambda t, r, g: directory.users_delta(t, r)),
        ("GET", u, lambda t, r, g: directory.get_user(t, g[0], r)),
        ("GET", rf"{u}/manager", lambda t, r, g: directory.get_manager(t, g[0], r)),
        ("GET", rf"{u}/directReports(?:/microsoft\.graph\.user)?",
         lambda t, r, g: directory.direct_reports(t, g[0], r)),
        ("GET", r"/groups/([^/]+)/(?:transitiveMembers|members)(/microsoft\.graph\.user)?",
         lambda t, r, g: directory.group_members(t, g[0], r, cast=bool(g[1]))),
        ("GET", rf"{u}/mailboxSettings", lambda t, r, g: directory.mailbox_settings(t, g[0], r)),
        ("GET", rf"{u}/calendar", lambda t, r, g: directory.calendar(t, g[0], r)),
        ("POST", rf"{u}/calendar/(?:microsoft\.graph\.)?getSchedule",
         mailbox(lambda t, uid, r: freebusy.get_schedule(t, uid, r))),
        ("GET", ev, mailbox(lambda t, uid, r: cal.list_events(t, uid, r))),
        ("POST", ev, mailbox(_post_event)),
        ("GET", rf"{ev}/([^/]+)", mailbox(lambda t, uid, r, e: cal.get_event(t, uid, e, r))),
        ("PATCH", rf"{ev}/([^/]+)", mailbox(_patch_event)),
        ("DELETE", rf"{ev}/([^/]+)", mailbox(_delete_event)),
        ("POST", rf"{ev}/([^/]+)/(?:microsoft\.graph\.)?cancel", mailbox(_cancel_event)),
        ("GET", rf"{ev}/([^/]+)/instances",
         mailbox(lambda t, uid, r, e: cal.list_view(t, uid, r, e))),
        ("GET", rf"{u}(?:/calendar)?/calendarView",
         mailbox(lambda t, uid, r: cal.list_view(t, uid, r, None))),
        ("GET", rf"{u}(?:/calendar)?/calendarView/(?:microsoft\.graph\.)?delta",
         mailbox(lambda t, uid, r: delta.calendar_view_delta(t, uid, r))),
        ("POST", rf"{u}/(?:microsoft\.graph\.)?sendMail",
         mailbox(lambda t, uid, r: mail.send_mail(t, uid, r))),
        ("GET", rf"{u}/mailFolders/([^/]+)/messages",
         mailbox(lambda t, uid, r, f: mail.list_messages(t, uid, f, r))),
        ("GET", rf"{u}/messages", mailbox(lambda t, uid, r: mail.list_messages(t, uid, None, r))),
        ("PATCH", rf"{u}/messages/([^/]+)",
         mailbox(lambda t, uid, r, m: mail.update_message(t, uid, m, r))),
    ]
    return [(m, re.compile(f"^{p}/?$", re.I), h) for m, p, h in routes]


def _post_event(tenant: TenantState, uid: str, request: Request) -> Response:
    event, _created = cal.create_event(tenant, uid, request.body)
    return Response(201, cal.render(event, request))


def _patch_event(tenant: TenantState, uid: str, request: Request, event_id: str) -> Response:
    return Response(200, cal.render(cal.update_event(tenant, uid, event_id, request.body),
                                    request))


def _delete_event(tenant: TenantState, uid: str, request: Request, event_id: str
                  ) -> Response:
    cal.delete_event(tenant, uid, event_id)
    return Response(204)


def _cancel_event(tenant: TenantState, uid: str, request: Request, event_id: str
                  ) -> Response:
    cal.cancel_event(tenant, uid, event_id, request.body)
    return Response(202)


_ROUTES = _route_table()
_MAILBOX_PATH = re.compile(
    r"^/users/([^/]+)/(?:calendar|events|calendarView|mailboxSettings|sendMail|messages|"
    r"mailFolders|microsoft\.graph\.sendMail)", re.I)


class SandboxTenant(SimulatedPeople):
    """An in-memory Microsoft 365 tenant: directory, mailboxes, calendars and mail."""

    def __init__(self, *, seed: str = "onetoone-sandbox", domain: str = "contoso.example",
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(seed=seed, domain=domain, now=now)
        self.latency = 0.0
        self.mailbox_limit = 4
        self.requests: list[tuple[str, str, str | None]] = []
        self._faults: list[_Fault] = []
        self._in_flight: dict[str, int] = defaultdict(int)

    # -- faults, throttling, counters -----------------------------------------------------

    def inject_fault(self, method: str, path_regex: str, status: int, times: int = 1,
                     retry_after: float | None = None, apply_first: bool = False,
                     code: str | None = None, message: str | None = None) -> None:
        """Fail the next ``times`` requests matching method and path (version stripped).

        With ``apply_first`` the request takes effect before the error is returned, which
        simulates an outcome the client cannot know (a 503/504 after Exchange acted).
        ``code``: Graph's error code, where the status's usual one is not wanted (a 404
        ``MailboxNotEnabledForRESTAPI`` rather than ``ErrorItemNotFound``). ``message``:
        the error's text, where the status's usual one is not wanted (JSON escapes whatever
        it holds, as Graph's does: a NUL, half of an emoji).
        """
        self._faults.append(_Fault(method.upper(), re.compile(path_regex, re.I), status,
                                   times, retry_after, apply_first, code, message))

    def reset_counters(self) -> None:
        """Forget the request log, pending faults and outbound mail."""
        self.requests.clear()
        self._faults.clear()
        self.outbound.clear()

    def count(self, method: str | None = None, path_regex: str | None = None) -> int:
        """How many logged requests match a method and path pattern."""
        pattern = re.compile(path_regex, re.I) if path_regex else None
        return sum(1 for m, p, _ in self.requests
                   if (method is None or m == method.upper())
                   and (pattern is None or pattern.search(p)))

    # -- request handling -----------------------------------------------------------------

    def mailbox_key(self, path: str) -> str | None:
        """The mailbox a request path counts against (its concurrency limit), or None."""
        match = _MAILBOX_PATH.match(path)
        if not match:
            return None
        user = self.find_user(unquote(match.group(1)))
        return user["id"] if user else unquote(match.group(1)).lower()

    def _log_key(self, path: str) -> str | None:
        match = re.match(r"^/users/([^/]+)", path, re.I)
        if not match:
            return None
        user = self.find_user(unquote(match.group(1)))
        return user["id"] if user else unquote(match.group(1)).lower()

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.method in (method, "*") and fault.pattern.search(
                    path):
                fault.remaining -= 1
                return fault
        return None

    def dispatch(self, request: Request) -> Response:
        """Route one request (top-level or batch item) and return Graph's response."""
        with self._lock:
            self.requests.append((request.method, request.path, self._log_key(request.path)))
            fault = self._take_fault(request.method, request.path)
            if fault is not None and not fault.apply_first:
                return _fault_response(fault)
            try:
                response = self._route(request)
            except GraphFault as exc:
                response = Response(exc.status, error_body(exc.code, exc.message),
                                    dict(exc.headers))
            return _fault_response(fault) if fault is not None else response

    def _route(self, request: Request) -> Response:
        if request.path.lower() == "/$batch":
            if request.method != "POST":
                raise GraphFault(405, "Request_BadRequest", "$batch accepts only POST.")
            return self._batch(request)
        allowed = False
        for method, pattern, handler in _ROUTES:
            match = pattern.match(request.path)
            if match:
                allowed = True
                if method == request.method:
                    groups = [unquote(g) for g in match.groups()]
                    return handler(self, request, groups)
        if allowed:
            raise GraphFault(405, "Request_BadRequest",
                             f"The HTTP method '{request.method}' is not allowed for "
                             f"'{request.path}'.")
        segment = request.path.rstrip("/").rsplit("/", 1)[-1]
        raise bad_request(f"Resource not found for the segment '{segment}'.")

    def _batch(self, request: Request) -> Response:
        """JSON batching: at most 20 requests, ``dependsOn`` honoured, 424 on failed deps."""
        items = (request.body or {}).get("requests") if isinstance(request.body, dict) else None
        if not isinstance(items, list) or not items:
            raise bad_request("Invalid batch payload format.", "BadRequest")
        if len(items) > BATCH_LIMIT:
            raise bad_request(f"The number of batch requests ({len(items)}) exceeds the limit "
                              f"of {BATCH_LIMIT}.", "BadRequest")
        ids = [str(item.get("id")) for item in items]
        if len(set(ids)) != len(ids):
            raise bad_request("Batch request ids must be unique.", "BadRequest")
        # Requests to one mailbox inside a batch count against its concurrency limit too.
        load: dict[str, int] = defaultdict(int)
        done: dict[str, int] = {}
        responses = []
        for item in _in_dependency_order(items):
            rid = str(item.get("id"))
            depends = [str(d) for d in item.get("dependsOn") or []]
            if any(done.get(d, 424) >= 400 for d in depends):
                result = Response(424, error_body("FailedDependency",
                                                   "Failed dependency: a request this one "
                                                   "depends on did not succeed."))
            else:
                result = self._batch_item(item, request, load)
            done[rid] = result.status
            responses.append({
                "id": rid, "status": result.status,
                "headers": {"Content-Type": "application/json", **result.headers}
                if result.body is not None else dict(result.headers),
                **({"body": result.body} if result.body is not None else {}),
            })
        return Response(200, {"responses": responses})

    def _batch_item(self, item: dict[str, Any], outer: Request, load: dict[str, int]
                    ) -> Response:
        url = str(item.get("url") or "")
        method = str(item.get("method") or "GET").upper()
        if not url or url.startswith(("http://", "https://")):
            return Response(400, error_body("BadRequest", "A batch request url must be "
                                                           "relative, like /users/{id}."))
        path, _, query = ("/" + url.lstrip("/")).partition("?")
        headers = {k.lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        sub = Request(method=method, path=strip_version(path), query=parse_query(query),
                      headers=headers, body=item.get("body"), base=outer.base)
        key = self.mailbox_key(sub.path)
        if key is not None:
            load[key] += 1
            if load[key] + self._in_flight.get(key, 0) > self.mailbox_limit:
                return throttled()
        return self.dispatch(sub)

    def acquire(self, key: str | None) -> bool:
        """Take one of the mailbox's concurrent-request places (False: it is full)."""
        if key is None:
            return True
        with self._lock:
            if self._in_flight[key] >= self.mailbox_limit:
                return False
            self._in_flight[key] += 1
            return True

    def release(self, key: str | None) -> None:
        """Give the place back."""
        if key is not None:
            with self._lock:
                self._in_flight[key] -= 1


def _in_dependency_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Batch items ordered so each comes after the ones it depends on (stable otherwise)."""
    by_id = {str(i.get("id")): i for i in items}
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(item: dict[str, Any], trail: tuple[str, ...]) -> None:
        rid = str(item.get("id"))
        if rid in seen or rid in trail:
            return
        for dep in item.get("dependsOn") or []:
            if str(dep) in by_id:
                visit(by_id[str(dep)], (*trail, rid))
        seen.add(rid)
        ordered.append(item)

    for item in items:
        visit(item, ())
    return ordered


def strip_version(path: str) -> str:
    path = re.sub(r"^/(?:v1\.0|beta)(?=/|$)", "", path, flags=re.I) or "/"
    return re.sub(r"/{2,}", "/", path)


def throttled() -> Response:
    """Exchange's 429 for a mailbox over its concurrency limit."""
    return Response(429, error_body("ApplicationThrottled",
                                     "Application is over its MailboxConcurrency limit."),
                    {"Retry-After": "1"})


def _fault_response(fault: _Fault) -> Response:
    code = fault.code or ("ApplicationThrottled" if fault.status == 429 else _STATUS_CODES.get(
        fault.status, "UnknownError"))
    message = fault.message if fault.message is not None else _FAULT_MESSAGES.get(
        fault.status, "An injected sandbox fault.")
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    return Response(fault.status, error_body(code, message), headers)
