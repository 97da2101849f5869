"""A local stand-in for Microsoft Graph v1.0: an in-memory tenant behind an httpx transport.

``SandboxTransport(tenant)`` plugs under msgraph-sdk's (or any) httpx client, so production
code runs unchanged against it: the demo, the CLI in sandbox mode and the end-to-end tests.
It speaks Graph's wire format (camelCase JSON, ``dateTimeTimeZone``, OData query options,
``@odata.nextLink`` paging, ``$batch``, Graph's error shape) for the calls onetoone makes.

State is plain JSON (``save``/``load``), ids are deterministic (uuid5 over a persisted
counter), and nothing is random. Handlers live in ``sandbox_directory``, ``sandbox_calendar``
and ``sandbox_mail``; shared plumbing in ``sandbox_core``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httpx

from service.domain.timezones import to_iana
from service.graph import sandbox_calendar as cal
from service.graph import sandbox_directory as directory
from service.graph import sandbox_mail as mail
from service.graph.sandbox_core import (
    UTC,
    GraphFault,
    Request,
    Response,
    bad_request,
    parse_query,
)

STATE_VERSION = 1
BATCH_LIMIT = 20
BAD_TOKEN = "sandbox-bad-token"
DEFAULT_WORKING_HOURS: dict[str, Any] = {
    "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    "startTime": "09:00:00.0000000",
    "endTime": "17:00:00.0000000",
}
_NAMESPACE = uuid.UUID("6f1f3c55-2b1e-4c57-9a0c-3d5e2f7c8a10")
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


Handler = Callable[["SandboxTenant", Request, list[str]], Response]


def _route_table() -> list[tuple[str, re.Pattern[str], Handler]]:
    """(method, path regex, handler): the endpoints the sandbox implements."""
    u = r"/users/([^/]+)"
    ev = rf"{u}(?:/calendar)?/events"

    def mailbox(fn: Callable[..., Response]) -> Handler:
        # Resolve the mailbox first so unknown/blocked users get Exchange's errors.
        return lambda t, r, g: fn(t, t.mailbox(g[0])["id"], r, *g[1:])

    routes: list[tuple[str, str, Handler]] = [
        ("GET", r"/users", lambda t, r, g: directory.list_users(t, r)),
        ("GET", u, lambda t, r, g: directory.get_user(t, g[0], r)),
        ("GET", rf"{u}/manager", lambda t, r, g: directory.get_manager(t, g[0], r)),
        ("GET", rf"{u}/directReports(?:/microsoft\.graph\.user)?",
         lambda t, r, g: directory.direct_reports(t, g[0], r)),
        ("GET", r"/groups/([^/]+)/(?:transitiveMembers|members)(?:/microsoft\.graph\.user)?",
         lambda t, r, g: directory.group_members(t, g[0], r)),
        ("GET", rf"{u}/mailboxSettings", lambda t, r, g: directory.mailbox_settings(t, g[0], r)),
        ("GET", rf"{u}/calendar", lambda t, r, g: directory.calendar(t, g[0], r)),
        ("POST", rf"{u}/calendar/(?:microsoft\.graph\.)?getSchedule",
         mailbox(lambda t, uid, r: cal.get_schedule(t, uid, r))),
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
        ("POST", rf"{u}/(?:microsoft\.graph\.)?sendMail",
         mailbox(lambda t, uid, r: mail.send_mail(t, uid, r))),
        ("GET", rf"{u}/mailFolders/([^/]+)/messages",
         mailbox(lambda t, uid, r, f: mail.list_messages(t, uid, f, r))),
        ("GET", rf"{u}/messages", mailbox(lambda t, uid, r: mail.list_messages(t, uid, None, r))),
        ("PATCH", rf"{u}/messages/([^/]+)",
         mailbox(lambda t, uid, r, m: mail.update_message(t, uid, m, r))),
    ]
    return [(m, re.compile(f"^{p}/?$", re.I), h) for m, p, h in routes]


def _post_event(tenant: SandboxTenant, uid: str, request: Request) -> Response:
    event, _created = cal.create_event(tenant, uid, request.body)
    return Response(201, cal.render(event, request))


def _patch_event(tenant: SandboxTenant, uid: str, request: Request, event_id: str) -> Response:
    return Response(200, cal.render(cal.update_event(tenant, uid, event_id, request.body),
                                    request))


def _delete_event(tenant: SandboxTenant, uid: str, request: Request, event_id: str
                  ) -> Response:
    cal.delete_event(tenant, uid, event_id)
    return Response(204)


def _cancel_event(tenant: SandboxTenant, uid: str, request: Request, event_id: str
                  ) -> Response:
    cal.cancel_event(tenant, uid, event_id, request.body)
    return Response(202)


_ROUTES = _route_table()
_MAILBOX_PATH = re.compile(
    r"^/users/([^/]+)/(?:calendar|events|calendarView|mailboxSettings|sendMail|messages|"
    r"mailFolders|microsoft\.graph\.sendMail)", re.I)


@contextmanager
def state_lock(path: str | Path) -> Iterator[None]:
    """Own the state file at ``path`` from load to save, one process at a time.

    Graph is one service that many clients change at once; a file-backed tenant is a copy
    per process, so two processes (the worker and a `onetoone` command, or a test typing
    notes "in Outlook") would each save over the other's changes. An advisory lock on a
    sibling ``.lock`` file serialises them; the kernel drops it when a holder dies, even by
    SIGKILL. Where ``fcntl`` is missing (Windows) there is no lock: run one at a time.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SandboxTenant:
    """An in-memory Microsoft 365 tenant: directory, mailboxes, calendars and mail.

    Knobs for tests and benchmarks: ``latency`` (seconds per request), ``mailbox_limit``
    (concurrent requests per mailbox before 429), :meth:`inject_fault`, ``requests`` (a log
    of ``(method, path, mailbox user id or None)``) and ``now`` (the clock used for
    timestamps; the real clock unless replaced).
    """

    def __init__(self, *, seed: str = "onetoone-sandbox", domain: str = "contoso.example",
                 now: Callable[[], datetime] | None = None) -> None:
        self.state: dict[str, Any] = {
            "version": STATE_VERSION, "seed": seed, "domain": domain, "counter": 0,
            "users": {}, "groups": {}, "events": {}, "messages": {},
        }
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.latency = 0.0
        self.autosave: Path | None = None  # save the state after every change (CLI mode)
        self.mailbox_limit = 4
        self.requests: list[tuple[str, str, str | None]] = []
        self.outbound: list[dict[str, Any]] = []  # mail to addresses outside the tenant
        self._faults: list[_Fault] = []
        self._in_flight: dict[str, int] = defaultdict(int)
        self._lock = threading.RLock()

    # -- identity -------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"tenant|{self.state['seed']}"))

    def new_id(self, kind: str) -> str:
        """A deterministic id: uuid5 over the seed and a persisted counter."""
        self.state["counter"] += 1
        raw = uuid.uuid5(_NAMESPACE, f"{self.state['seed']}|{kind}|{self.state['counter']}")
        if kind == "event":
            return "AAMkAGI2" + raw.hex
        if kind == "message":
            return "AAMkAGM1" + raw.hex
        return str(raw)

    # -- building state -------------------------------------------------------------------

    def add_group(self, name: str) -> dict[str, Any]:
        """A group (by display name); returns the existing one if the name is taken."""
        for group in self.state["groups"].values():
            if group["displayName"] == name:
                return group
        group = {"id": str(uuid.uuid5(_NAMESPACE, f"group|{name}")), "displayName": name}
        self.state["groups"][group["id"]] = group
        return group

    def add_user(
        self,
        name: str,
        email: str,
        *,
        manager: Any = None,
        time_zone: str = "GMT Standard Time",
        hire_date: date | str | None = None,
        working_hours: dict[str, Any] | None = None,
        enabled: bool = True,
        user_type: str = "Member",
        groups: Iterable[str] = (),
        teams: bool = True,
        department: str | None = None,
        job_title: str | None = None,
        upn: str | None = None,
    ) -> dict[str, Any]:
        """Add a user with a mailbox. ``groups`` are group names or ids (created if new).

        ``working_hours`` may give ``daysOfWeek``, ``startTime``, ``endTime`` and
        ``timeZone`` (``{"name": ...}``); missing parts default to Mon-Fri 09:00-17:00 in the
        user's own zone.
        """
        user_id = str(uuid.uuid5(_NAMESPACE, f"user|{email.lower()}"))
        if user_id in self.state["users"]:
            raise ValueError(f"a user with email {email} already exists")
        hours = {**copy.deepcopy(DEFAULT_WORKING_HOURS), "timeZone": {"name": time_zone},
                 **copy.deepcopy(working_hours or {})}
        first, _, last = name.partition(" ")
        hire = hire_date.isoformat() if isinstance(hire_date, date) else hire_date
        user = {
            "id": user_id,
            "displayName": name,
            "givenName": first,
            "surname": last or None,
            "mail": email,
            "userPrincipalName": upn or email,
            "accountEnabled": enabled,
            "userType": user_type,
            "employeeHireDate": f"{hire[:10]}T00:00:00Z" if hire else None,
            "department": department,
            "jobTitle": job_title,
            "officeLocation": None,
            "manager_id": None,
            "groups": [],
            "blocked_by_policy": False,
            "mailboxSettings": {
                "archiveFolder": "",
                "timeZone": time_zone,
                "automaticRepliesSetting": {"status": "disabled", "externalAudience": "none",
                                            "internalReplyMessage": "",
                                            "externalReplyMessage": ""},
                "dateFormat": "dd/MM/yyyy",
                "timeFormat": "HH:mm",
                "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
                "userPurpose": "user",
                "language": {"locale": "en-GB", "displayName": "English (United Kingdom)"},
                "workingHours": hours,
            },
            "calendar": {
                "allowedOnlineMeetingProviders": ["teamsForBusiness"] if teams else [],
                "defaultOnlineMeetingProvider": "teamsForBusiness" if teams else "unknown",
            },
        }
        self.state["users"][user_id] = user
        for group in groups:
            gid = group if group in self.state["groups"] else self.add_group(group)["id"]
            user["groups"].append(gid)
        if manager is not None:
            self.set_manager(user, manager)
        return user

    def user(self, key: Any) -> dict[str, Any]:
        """A user by record, id, UPN or email (KeyError if absent)."""
        if isinstance(key, dict):
            key = key["id"]
        found = self.find_user(str(key))
        if found is None:
            raise KeyError(f"no sandbox user {key}")
        return found

    def find_user(self, key: str) -> dict[str, Any] | None:
        """A user by id, UPN or primary SMTP address (case-insensitive), or None."""
        lowered = key.lower()
        found = self.state["users"].get(lowered) or self.state["users"].get(key)
        if found is not None:
            return found
        for user in self.state["users"].values():
            if lowered in (user["userPrincipalName"].lower(), user["mail"].lower()):
                return user
        local, at, domain = lowered.partition("@")
        if at and "+" in local:  # Exchange Online plus addressing: name+tag@ goes to name@
            return self.find_user(local.split("+", 1)[0] + "@" + domain)
        return None

    def set_manager(self, user: Any, manager: Any) -> None:
        """Make ``manager`` the user's manager (None removes the manager)."""
        record = self.user(user)
        record["manager_id"] = None if manager is None else self.user(manager)["id"]

    def disable_user(self, user: Any) -> None:
        """Sign-in blocked (``accountEnabled`` false); the mailbox stays."""
        self.user(user)["accountEnabled"] = False

    def remove_user(self, user: Any) -> None:
        """Delete the user and their mailbox; their reports lose their manager."""
        record = self.user(user)
        uid = record["id"]
        del self.state["users"][uid]
        self.state["events"].pop(uid, None)
        self.state["messages"].pop(uid, None)
        for other in self.state["users"].values():
            if other.get("manager_id") == uid:
                other["manager_id"] = None

    # -- what people do in Outlook (not through the app) -----------------------------------

    def person_body(self, mailbox: Any, event_id: str) -> str:
        """The HTML body of an event or occurrence as the person sees it in Outlook."""
        with self._lock:
            event, occurrence, _ = cal.find_event(self, self.user(mailbox)["id"], event_id)
            return str(((occurrence or event).get("body") or {}).get("content") or "")

    def person_edit_body(self, mailbox: Any, event_id: str, content: str, *,
                         send_update: bool = False) -> None:
        """A person types into an occurrence's body in Outlook and saves it (by default
        without sending the attendees an update, as Outlook offers)."""
        with self._lock:
            uid = self.user(mailbox)["id"]
            master, occurrence, original = cal.find_event(self, uid, event_id)
            if occurrence is None or original is None:
                raise ValueError("person_edit_body edits one occurrence of a series")
            cal._update_occurrence(self, uid, master, original,
                                   {"body": {"contentType": "html", "content": content}},
                                   send_update)

    def person_move(self, mailbox: Any, event_id: str, start: datetime, end: datetime) -> None:
        """The organizer drags one occurrence to another time and sends the update."""
        zone = "UTC"
        with self._lock:
            uid = self.user(mailbox)["id"]
            master, occurrence, original = cal.find_event(self, uid, event_id)
            if occurrence is None or original is None:
                raise ValueError("person_move moves one occurrence of a series")
            cal._update_occurrence(self, uid, master, original, {
                "start": {"dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                          "timeZone": zone},
                "end": {"dateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                        "timeZone": zone}}, True)

    def person_cancel(self, mailbox: Any, event_id: str, comment: str = "") -> None:
        """The organizer deletes one occurrence (Outlook sends the cancellation)."""
        with self._lock:
            cal.delete_event(self, self.user(mailbox)["id"], event_id, comment)

    def block_mailbox(self, user: Any, blocked: bool = True) -> None:
        """Simulate an application access policy that keeps the app out of this mailbox."""
        self.user(user)["blocked_by_policy"] = blocked

    def add_event(
        self,
        mailbox: Any,
        subject: str,
        start: datetime,
        end: datetime,
        recurrence: dict[str, Any] | None = None,
        show_as: str = "busy",
        *,
        attendees: Iterable[str] = (),
        sensitivity: str = "normal",
        body: str = "",
        all_day: bool = False,
    ) -> dict[str, Any]:
        """Seed an event (busy time) in a mailbox; ``start``/``end`` are aware datetimes.

        Times are stored in the datetime's own zone (its IANA key) so recurrences keep their
        wall-clock time across daylight-saving changes. Attendees get invitations. An
        ``all_day`` event must run midnight to midnight in that zone, as Exchange requires.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        zone = getattr(start.tzinfo, "key", None) or "UTC"
        payload: dict[str, Any] = {
            "subject": subject,
            "body": {"contentType": "text", "content": body},
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone},
            "end": {"dateTime": end.astimezone(start.tzinfo).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": zone},
            "showAs": show_as,
            "sensitivity": sensitivity,
            "attendees": [{"emailAddress": {"address": a}, "type": "required"}
                          for a in attendees],
        }
        if recurrence:
            payload["recurrence"] = recurrence
        if all_day:
            payload["isAllDay"] = True
        with self._lock:
            try:
                event, _ = cal.create_event(self, self.user(mailbox)["id"], payload,
                                            validate=False)
            except GraphFault as exc:
                raise ValueError(exc.message) from None
        return event

    def add_absence(self, mailbox: Any, first: date, last: date, subject: str = "Annual leave",
                    show_as: str = "oof") -> dict[str, Any]:
        """A person books leave in Outlook: one all-day event from ``first`` to ``last``
        (inclusive) in their mailbox's own time zone, shown as out of office by default."""
        user = self.user(mailbox)
        zone = ZoneInfo(to_iana(user["mailboxSettings"].get("timeZone") or "UTC"))
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        after = last + timedelta(days=1)
        end = datetime(after.year, after.month, after.day, tzinfo=zone)
        return self.add_event(mailbox, subject, start, end, show_as=show_as, all_day=True)

    # -- inspecting state -----------------------------------------------------------------

    def events(self, mailbox: Any) -> list[dict[str, Any]]:
        """Stored events (series masters and single events) of a mailbox."""
        return list(self.state["events"].get(self.user(mailbox)["id"], {}).values())

    def folder(self, user_id: str, name: str) -> list[dict[str, Any]]:
        """A mail folder's message list (created on first use)."""
        folders = self.state["messages"].setdefault(user_id, {})
        return folders.setdefault(name, [])

    def messages(self, mailbox: Any, folder: str = "inbox") -> list[dict[str, Any]]:
        """Messages in a mailbox folder ("inbox" or "sentitems")."""
        return list(self.folder(self.user(mailbox)["id"], folder))

    def meeting_messages(self, mailbox: Any, kind: str | None = None) -> list[dict[str, Any]]:
        """Meeting mail in a mailbox's inbox; ``kind`` "invite", "update" or "cancel"."""
        out = []
        for message in self.messages(mailbox):
            message_kind = meeting_kind(message)
            if message_kind and (kind is None or message_kind == kind):
                out.append(message)
        return out

    # -- faults, throttling, counters -----------------------------------------------------

    def inject_fault(self, method: str, path_regex: str, status: int, times: int = 1,
                     retry_after: float | None = None, apply_first: bool = False) -> None:
        """Fail the next ``times`` requests matching method and path (version stripped).

        With ``apply_first`` the request takes effect before the error is returned, which
        simulates an outcome the client cannot know (a 503/504 after Exchange acted).
        """
        self._faults.append(_Fault(method.upper(), re.compile(path_regex, re.I), status,
                                   times, retry_after, apply_first))

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

    # -- mailbox and directory lookups used by the handlers -------------------------------

    def mailbox(self, key: str) -> dict[str, Any]:
        """The user owning a mailbox, or Exchange's 404/403."""
        user = self.find_user(key)
        if user is None:
            raise GraphFault(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        if user.get("blocked_by_policy"):
            raise GraphFault(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : "
                             "Blocked by tenant configured AppOnly AccessPolicy settings.")
        return user

    def directory_user(self, key: str) -> dict[str, Any]:
        """A user by id or userPrincipalName, or the directory's 404."""
        user = self.state["users"].get(key.lower()) or self.state["users"].get(key)
        if user is None:
            user = next((u for u in self.state["users"].values()
                         if u["userPrincipalName"].lower() == key.lower()), None)
        if user is None:
            raise directory.not_found(key)
        return user

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the tenant's state as JSON (atomically: a crash leaves the old file)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(target.name + ".tmp")
        with self._lock:
            scratch.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        scratch.replace(target)

    @classmethod
    def load(cls, path: str | Path, *, now: Callable[[], datetime] | None = None
             ) -> SandboxTenant:
        """A tenant from a file written by :meth:`save`."""
        state = json.loads(Path(path).read_text())
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: sandbox state version {state.get('version')} is not "
                             f"{STATE_VERSION}; delete the file to start a fresh tenant")
        tenant = cls(seed=state["seed"], domain=state.get("domain", "contoso.example"), now=now)
        tenant.state = state
        return tenant

    # -- request handling -----------------------------------------------------------------

    def _mailbox_key(self, path: str) -> str | None:
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
                response = Response(exc.status, _error_body(exc.code, exc.message),
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
                result = Response(424, _error_body("FailedDependency",
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
            return Response(400, _error_body("BadRequest", "A batch request url must be "
                                                           "relative, like /users/{id}."))
        path, _, query = ("/" + url.lstrip("/")).partition("?")
        headers = {k.lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        sub = Request(method=method, path=_strip_version(path), query=parse_query(query),
                      headers=headers, body=item.get("body"), base=outer.base)
        key = self._mailbox_key(sub.path)
        if key is not None:
            load[key] += 1
            if load[key] + self._in_flight.get(key, 0) > self.mailbox_limit:
                return _throttled()
        return self.dispatch(sub)

    def _prepare(self, request: httpx.Request, content: bytes
                 ) -> tuple[Request | Response, str | None]:
        """Parse and authorize an HTTP request; the mailbox key says what to throttle."""
        parsed = _parse(request.method, request.url, request.headers, content)
        return parsed, self._mailbox_key(parsed.path) if isinstance(parsed, Request) else None

    def _acquire(self, key: str | None) -> bool:
        if key is None:
            return True
        with self._lock:
            if self._in_flight[key] >= self.mailbox_limit:
                return False
            self._in_flight[key] += 1
            return True

    def _release(self, key: str | None) -> None:
        if key is not None:
            with self._lock:
                self._in_flight[key] -= 1

    async def respond_async(self, request: httpx.Request) -> httpx.Response:
        """The async path: per-mailbox concurrency, latency as ``asyncio.sleep``."""
        content = await request.aread()
        parsed, key = self._prepare(request, content)
        if isinstance(parsed, Response):
            return _http(parsed, request, self.now())
        if not self._acquire(key):
            return _http(_throttled(), request, self.now())
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            response = _http(self.dispatch(parsed), request, self.now())
            if self.autosave is not None and request.method != "GET":
                # Like Graph, a change is durable once answered: a client killed right
                # after still finds it next time.
                self.save(self.autosave)
            return response
        finally:
            self._release(key)

    def respond_sync(self, request: httpx.Request) -> httpx.Response:
        """The sync path: the same, with ``time.sleep`` for latency."""
        content = request.read()
        parsed, key = self._prepare(request, content)
        if isinstance(parsed, Response):
            return _http(parsed, request, self.now())
        if not self._acquire(key):
            return _http(_throttled(), request, self.now())
        try:
            if self.latency:
                time.sleep(self.latency)
            return _http(self.dispatch(parsed), request, self.now())
        finally:
            self._release(key)


def meeting_kind(message: dict[str, Any]) -> str | None:
    """"invite", "update" or "cancel" for meeting mail, None for other messages."""
    if message.get("meetingMessageType") == "meetingCancelled":
        return "cancel"
    if message.get("meetingMessageType") == "meetingRequest":
        return "invite" if message.get("meetingRequestType") == "newMeetingRequest" else "update"
    return None


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


def _strip_version(path: str) -> str:
    path = re.sub(r"^/(?:v1\.0|beta)(?=/|$)", "", path, flags=re.I) or "/"
    return re.sub(r"/{2,}", "/", path)


def _parse(method: str, url: httpx.URL, headers: httpx.Headers, content: bytes
           ) -> Request | Response:
    """A Request from raw HTTP, or the error Response for bad auth or a bad body."""
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        return Response(401, _error_body("InvalidAuthenticationToken",
                                         "Access token is empty."))
    if auth[7:].strip() == BAD_TOKEN:
        return Response(401, _error_body("InvalidAuthenticationToken",
                                         "Access token validation failure. Invalid audience."))
    raw_path = url.raw_path.decode("ascii", "replace")
    path_part, _, query = raw_path.partition("?")
    version = re.match(r"^/(v1\.0|beta)", path_part, re.I)
    base = f"{url.scheme}://{url.netloc.decode('ascii')}" + (f"/{version.group(1)}"
                                                            if version else "/v1.0")
    body: Any = None
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            return Response(400, _error_body("BadRequest", "Unable to read JSON request "
                                                           "payload. Please ensure Content-Type "
                                                           "header is set and payload is of valid "
                                                           "JSON format."))
    return Request(method=method.upper(), path=_strip_version(path_part),
                   query=parse_query(query), body=body, base=base,
                   headers={k.lower(): v for k, v in headers.items()})


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _throttled() -> Response:
    return Response(429, _error_body("ApplicationThrottled",
                                     "Application is over its MailboxConcurrency limit."),
                    {"Retry-After": "1"})


def _fault_response(fault: _Fault) -> Response:
    code = "ApplicationThrottled" if fault.status == 429 else _STATUS_CODES.get(
        fault.status, "UnknownError")
    message = _FAULT_MESSAGES.get(fault.status, "An injected sandbox fault.")
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    return Response(fault.status, _error_body(code, message), headers)


def _http(response: Response, request: httpx.Request, now: datetime) -> httpx.Response:
    """An httpx.Response with Graph's headers, and innerError filled in on errors."""
    client_id = request.headers.get("client-request-id") or str(
        uuid.uuid5(_NAMESPACE, f"client|{request.url}|{id(request)}"))
    request_id = str(uuid.uuid5(_NAMESPACE, f"request|{client_id}|{id(request)}"))
    headers = {"request-id": request_id, "client-request-id": client_id,
               **response.headers}
    body = _with_inner(response.body, request_id, client_id, now)
    if body is None:
        return httpx.Response(response.status, headers=headers, request=request)
    headers["Content-Type"] = "application/json"
    return httpx.Response(response.status, headers=headers,
                          content=json.dumps(body).encode(), request=request)


def _with_inner(body: Any, request_id: str, client_id: str, now: datetime) -> Any:
    """Graph's ``innerError`` on every error object, batch responses included."""
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("error"), dict) and "code" in body["error"]:
        error = dict(body["error"])
        error.setdefault("innerError", {
            "date": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id, "client-request-id": client_id,
        })
        return {**body, "error": error}
    if isinstance(body.get("responses"), list):
        return {**body, "responses": [
            {**r, "body": _with_inner(r.get("body"), request_id, client_id, now)}
            if "body" in r else r for r in body["responses"]]}
    return body


class SandboxTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """An httpx transport (async and sync) answering every request from a SandboxTenant.

    Any host is accepted; the path must start with ``/v1.0`` or ``/beta``.
    """

    def __init__(self, tenant: SandboxTenant) -> None:
        self.tenant = tenant

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.tenant.respond_async(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.tenant.respond_sync(request)

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None

