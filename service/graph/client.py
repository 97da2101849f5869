"""The Graph port: every call onetoone makes to Microsoft Graph, and nothing else.

Requests go through msgraph-sdk's GraphRequestAdapter (auth, middleware, the configured base
URL) and come back as Graph's own JSON, so what we send can be checked against Microsoft's
published schemas (tests/test_graph_payloads.py) and the sandbox sees exactly the wire format
the real service would.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import ResponseHandlerOption

from service.domain.text import clean_json
from service.errors import GraphError, NotFound, OutcomeUnknown, ServiceError, Throttled
from service.graph.errors import parse_error_body, translate
from service.graph.transport import (
    TRANSIENT_STATUSES,
    GraphTransport,
    backoff,
    mailbox_of,
    parse_retry_after,
)

log = logging.getLogger(__name__)

BATCH_LIMIT = 20  # Graph's documented maximum of requests in one $batch
MAILBOX_LIMIT = 4  # Exchange's concurrent requests per mailbox, inside a $batch too
SCHEDULE_CHUNK = 20  # schedules per getSchedule call
SCHEDULE_MAX_DAYS = 62  # getSchedule's maximum window
BUSY_STATUSES = frozenset({"busy", "oof", "tentative"})
ITEMS_ONLY_INTERVAL = 1440  # availabilityView slot when only scheduleItems are wanted
USER_FIELDS = "id,displayName,mail,userPrincipalName,accountEnabled,userType,employeeHireDate"

_METHODS = {m.value: m for m in Method}


@dataclass(frozen=True)
class DirectoryUser:
    """A user as the directory lists them."""

    id: str
    name: str
    email: str
    enabled: bool
    member: bool
    hire_date: date | None
    manager_id: str | None


@dataclass(frozen=True)
class MailboxInfo:
    """What mailboxSettings says about a person's day, or why it could not be read."""

    user_id: str
    time_zone: str | None = None  # as Graph gives it: Windows or IANA name
    working_days: tuple[str, ...] = ()
    working_start: str | None = None  # "09:00:00.0000000"
    working_end: str | None = None
    working_time_zone: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ScheduleItem:
    """One item of a person's free/busy (getSchedule): when, and how it shows.

    ``status`` is Graph's freeBusyStatus normalised to free, tentative, busy, oof,
    workingElsewhere or unknown. ``subject`` is what the owner typed (empty when private):
    text from outside, only ever shown escaped.
    """

    start: datetime  # UTC
    end: datetime  # UTC
    status: str
    subject: str = ""
    is_private: bool = False


@dataclass(frozen=True)
class ScheduleQuery:
    """One getSchedule question: ``emails``' calendars between two instants, asked through
    ``organizer``'s mailbox (any mailbox the app may read works)."""

    organizer: str
    emails: tuple[str, ...]
    start: datetime
    end: datetime


FREE_BUSY_STATUSES = {s.lower(): s for s in
                      ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")}


def schedule_item(raw: dict[str, Any]) -> ScheduleItem | None:
    """A scheduleItem from Graph's JSON (None when it has no usable times)."""
    try:
        start, end = parse_graph_datetime(raw["start"]), parse_graph_datetime(raw["end"])
    except (KeyError, TypeError, ValueError):
        return None
    # Graph's own examples spell statuses "Busy"/"Tentative"; the schema says lower camel.
    status = FREE_BUSY_STATUSES.get(str(raw.get("status") or "").lower(), "unknown")
    return ScheduleItem(start=start, end=end, status=status,
                        subject=str(raw.get("subject") or "")[:255],
                        is_private=bool(raw.get("isPrivate")))


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
    id: str
    status: int
    body: Any
    headers: dict[str, str]


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_graph_datetime(value: dict[str, str] | str, default_tz: str = "UTC") -> datetime:
    """An aware UTC datetime from Graph's dateTimeTimeZone (7 fractional digits included)."""
    from zoneinfo import ZoneInfo

    from service.domain.timezones import to_iana

    if isinstance(value, dict):
        text, tz = value.get("dateTime", ""), value.get("timeZone") or default_tz
    else:
        text, tz = value, default_tz
    text = text.rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    naive = datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    zone = ZoneInfo(to_iana(tz))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(s, safe="@.") for s in segments)


class GraphClient:
    """Async access to Graph for the jobs. One per process; safe to share across tasks."""

    def __init__(self, adapter: Any, transport: GraphTransport) -> None:
        self._adapter = adapter
        self.transport = transport

    # -- plumbing -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON (None for 202/204) or raise GraphError."""
        info = RequestInformation(_METHODS[method.upper()])
        if url:
            info.url = url
        else:
            qs = ("?" + urlencode(query, quote_via=quote, safe="$()'")) if query else ""
            info.url_template = "{+baseurl}" + path + qs.replace("{", "%7B").replace("}", "%7D")
        info.headers.try_add("Accept", "application/json")
        for name, value in (headers or {}).items():
            info.headers.try_add(name, value)
        if body is not None:
            info.set_stream_content(json.dumps(body).encode(), "application/json")
        info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        try:
            response: httpx.Response = await self._adapter.send_primitive_async(info, "bytes", {})
        except ServiceError:
            raise
        except httpx.HTTPError as exc:
            raise GraphError(
                f"Could not reach Microsoft Graph for {method} {path} ({type(exc).__name__}). "
                "Check the network and [microsoft] graph_url.",
                mailbox=mailbox_of(path) or "",
            ) from exc
        if response.status_code >= 400:
            code, message = parse_error_body(response.content)
            raise translate(
                status=response.status_code,
                code=code,
                message=message,
                method=method.upper(),
                path=response.request.url.path if response.request else path,
                mailbox=mailbox_of(path or response.request.url.path) or "",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code in (202, 204) or not response.content:
            return None
        # Text from Graph is normalised here, once, for everything behind it (see
        # domain/text.py): a lone surrogate or NUL in one note must not stop every run.
        data, changed = clean_json(response.json())
        if changed:
            log.warning("graph.text_cleaned", extra={"path": path, "mailbox": mailbox_of(path),
                                                     "strings": changed})
        return data

    async def pages(self, path: str, query: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every item of a paged collection, following @odata.nextLink."""
        page = await self.request("GET", path, query=query, headers=headers)
        while True:
            for item in page.get("value", []):
                yield item
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            page = await self.request("GET", path, url=next_link, headers=headers)

    async def batch(self, items: Sequence[BatchItem]) -> dict[str, BatchResult]:
        """Run sub-requests in $batch calls of 20, retrying throttled ones (the SDK does not)."""
        results: dict[str, BatchResult] = {}
        pending = list(items)
        attempt = 0
        while pending:
            attempt += 1
            retry: list[BatchItem] = []
            waits: list[float] = []
            chunks = pack_batches(pending)
            replies = await asyncio.gather(*(self._batch_once(c) for c in chunks))
            by_id = {item.id: item for item in pending}
            for reply in replies:
                for result in reply:
                    if result.status in TRANSIENT_STATUSES and attempt <= 4:
                        retry.append(by_id[result.id])
                        ra = parse_retry_after(
                            {k.lower(): v for k, v in result.headers.items()}.get("retry-after")
                        )
                        waits.append(backoff(attempt, ra))
                    else:
                        results[result.id] = result
            pending = retry
            if pending:
                log.warning("graph.batch_retry", extra={"count": len(pending), "attempt": attempt})
                await asyncio.sleep(max(waits))
        return results

    async def _batch_once(self, chunk: Sequence[BatchItem]) -> list[BatchResult]:
        payload = {"requests": []}  # type: dict[str, list[dict[str, Any]]]
        for item in chunk:
            req: dict[str, Any] = {"id": item.id, "method": item.method, "url": item.url}
            headers = dict(item.headers)
            if item.body is not None:
                req["body"] = item.body
                headers.setdefault("Content-Type", "application/json")
            if headers:
                req["headers"] = headers
            payload["requests"].append(req)
        reply = await self.request("POST", "/$batch", body=payload)
        return [
            BatchResult(
                id=str(r["id"]),
                status=int(r["status"]),
                body=r.get("body"),
                headers=r.get("headers") or {},
            )
            for r in (reply or {}).get("responses", [])
        ]

    def batch_error(self, item: BatchItem, result: BatchResult) -> GraphError:
        """The translated error of a failed sub-request."""
        body = result.body if isinstance(result.body, dict) else {}
        error = body.get("error") or {}
        return translate(
            status=result.status,
            code=str(error.get("code") or ""),
            message=str(error.get("message") or ""),
            method=item.method,
            path=item.url.split("?")[0],
            mailbox=mailbox_of(item.url) or "",
        )

    # -- directory --------------------------------------------------------------------------

    async def list_users(
        self, group_id: str | None = None, *, with_managers: bool = True
    ) -> list[DirectoryUser]:
        """Users in scope with their manager's id: a group's members, or every user."""
        if group_id:
            path = _path("groups", group_id, "transitiveMembers", "microsoft.graph.user")
            query = {"$select": USER_FIELDS, "$top": "999"}
            members = [u async for u in self.pages(path, query)]
            if not with_managers:
                return [_user(u, None) for u in members]
            managers = await self._managers_of([u["id"] for u in members])
            return [_user(u, managers.get(u["id"])) for u in members]
        query = {"$select": USER_FIELDS, "$expand": "manager($select=id)", "$top": "999"}
        return [
            _user(u, (u.get("manager") or {}).get("id"))
            async for u in self.pages("/users", query)
        ]

    async def _managers_of(self, user_ids: Sequence[str]) -> dict[str, str | None]:
        items = [
            BatchItem(id=uid, method="GET", url=_path("users", uid, "manager") + "?$select=id")
            for uid in user_ids
        ]
        results = await self.batch(items)
        out: dict[str, str | None] = {}
        for item in items:
            result = results[item.id]
            if result.status == 200:
                out[item.id] = result.body.get("id")
            elif result.status == 404:
                out[item.id] = None
            else:
                raise self.batch_error(item, result)
        return out

    async def users_with_reports(self, user_ids: Sequence[str]) -> set[str]:
        """Which of these users have at least one direct report (they manage others)."""
        items = [
            BatchItem(id=uid, method="GET",
                      url=_path("users", uid, "directReports") + "?$select=id&$top=1")
            for uid in user_ids
        ]
        results = await self.batch(items)
        return {
            uid
            for uid, r in results.items()
            if r.status == 200 and (r.body or {}).get("value")
        }

    async def get_users(self, ids: Sequence[str]) -> list[DirectoryUser]:
        """Users by id (batched); ids that no longer exist are left out."""
        found = await self.find_users(ids)
        return list(found.values())

    async def find_users(self, keys: Sequence[str]) -> dict[str, DirectoryUser]:
        """Users by id or email (UPN or primary SMTP), batched; missing ones left out."""
        items = [
            BatchItem(id=str(i), method="GET",
                      url=_path("users", key) + f"?$select={USER_FIELDS}"
                      "&$expand=manager($select=id)")
            for i, key in enumerate(keys)
        ]
        results = await self.batch(items)
        out: dict[str, DirectoryUser] = {}
        for item, key in zip(items, keys, strict=True):
            result = results[item.id]
            if result.status == 200:
                body = result.body or {}
                out[key] = _user(body, (body.get("manager") or {}).get("id"))
            elif result.status != 404:
                raise self.batch_error(item, result)
        return out

    async def find_user(self, email: str) -> DirectoryUser | None:
        """A user by email (UPN or primary SMTP), or None."""
        try:
            data = await self.request(
                "GET", _path("users", email),
                query={"$select": USER_FIELDS, "$expand": "manager($select=id)"},
            )
        except NotFound:
            return None
        return _user(data, (data.get("manager") or {}).get("id"))

    # -- mailboxes --------------------------------------------------------------------------

    async def mailbox_settings(self, user_ids: Sequence[str]) -> dict[str, MailboxInfo]:
        """Time zone and working hours per user, batched; errors are per user, not raised."""
        items = [
            BatchItem(id=uid, method="GET",
                      url=_path("users", uid, "mailboxSettings") + "?$select=timeZone,workingHours")
            for uid in dict.fromkeys(user_ids)
        ]
        results = await self.batch(items)
        out: dict[str, MailboxInfo] = {}
        for item in items:
            result = results[item.id]
            if result.status != 200:
                out[item.id] = MailboxInfo(item.id, error=str(self.batch_error(item, result)))
                continue
            body = result.body or {}
            hours = body.get("workingHours") or {}
            out[item.id] = MailboxInfo(
                user_id=item.id,
                time_zone=body.get("timeZone"),
                working_days=tuple(hours.get("daysOfWeek") or ()),
                working_start=hours.get("startTime"),
                working_end=hours.get("endTime"),
                working_time_zone=(hours.get("timeZone") or {}).get("name"),
            )
        return out

    async def teams_allowed(self, user_ids: Sequence[str]) -> dict[str, bool]:
        """Whether each user's calendar offers Teams as an online-meeting provider."""
        items = [
            BatchItem(id=uid, method="GET",
                      url=_path("users", uid, "calendar")
                      + "?$select=allowedOnlineMeetingProviders")
            for uid in dict.fromkeys(user_ids)
        ]
        results = await self.batch(items)
        return {
            uid: r.status == 200
            and "teamsForBusiness" in ((r.body or {}).get("allowedOnlineMeetingProviders") or [])
            for uid, r in results.items()
        }

    async def free_busy(
        self, organizer: str, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, datetime]] | None]:
        """Busy intervals (UTC) per address; None where Graph could not tell (no access)."""
        items = await self.schedule_items(organizer, emails, start, end)
        return {who: None if found is None else
                [(i.start, i.end) for i in found if i.status.lower() in BUSY_STATUSES]
                for who, found in items.items()}

    async def schedule_items(
        self, organizer: str, emails: Sequence[str], start: datetime, end: datetime,
        *, interval: int = 30,
    ) -> dict[str, list[ScheduleItem] | None]:
        """Every free/busy item (with its status: busy, tentative, oof, workingElsewhere...)
        per address; None where Graph could not tell (no access, unknown address).

        One getSchedule call per 20 addresses per 61 days, sent one after another.
        ``interval`` is the availabilityView slot length (only the items are read here; a
        longer slot makes Graph's reply smaller).
        """
        out: dict[str, list[ScheduleItem] | None] = {e.lower(): [] for e in emails}
        for body in _schedule_bodies(emails, start, end, interval):
            reply = await self.request(
                "POST", _path("users", organizer, "calendar", "getSchedule"), body=body,
                headers={"Prefer": 'outlook.timezone="UTC"'})
            _merge_schedule(out, reply)
        return out

    async def schedule_items_many(
        self, queries: Sequence[ScheduleQuery]
    ) -> list[dict[str, list[ScheduleItem] | None]]:
        """``schedule_items`` for many questions at once, in $batch calls of 20 (a single
        question is one plain getSchedule call). Results are in the order of ``queries``;
        where a question's call failed (e.g. no access to that mailbox) its addresses are
        None, as for an address Graph could not tell about."""
        items: list[BatchItem] = []
        owner: list[int] = []
        for n, q in enumerate(queries):
            for body in _schedule_bodies(q.emails, q.start, q.end, ITEMS_ONLY_INTERVAL):
                items.append(BatchItem(
                    id=str(len(items)), method="POST",
                    url=_path("users", q.organizer, "calendar", "getSchedule"), body=body,
                    headers={"Prefer": 'outlook.timezone="UTC"'}))
                owner.append(n)
        outs: list[dict[str, list[ScheduleItem] | None]] = [
            {e.lower(): [] for e in q.emails} for q in queries]
        if len(items) == 1:
            only = queries[owner[0]]
            try:
                return [await self.schedule_items(only.organizer, only.emails, only.start,
                                                  only.end, interval=ITEMS_ONLY_INTERVAL)]
            except GraphError as exc:
                if isinstance(exc, Throttled | OutcomeUnknown):
                    raise  # transient: the caller tries again next run
                log.warning("graph.schedule_failed", extra={"mailbox": only.organizer,
                                                            "error": str(exc)})
                return [dict.fromkeys(outs[0])]
        results = await self.batch(items)
        for item, n in zip(items, owner, strict=True):
            result = results[item.id]
            if result.status != 200:
                log.warning("graph.schedule_failed", extra={
                    "mailbox": mailbox_of(item.url) or "",
                    "error": str(self.batch_error(item, result))})
                outs[n] = dict.fromkeys(outs[n])
                continue
            if any(v is not None for v in outs[n].values()):
                _merge_schedule(outs[n], result.body)
        return outs

    # -- events -----------------------------------------------------------------------------

    async def find_tagged_events(
        self, mailbox: str, property_id: str, value: str, select: str
    ) -> list[dict[str, Any]]:
        """Series masters and single events in ``mailbox`` carrying our tag with ``value``."""
        esc = value.replace("'", "''")
        query = {
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
            f"and ep/value eq '{esc}')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{property_id}')",
            "$select": select,
        }
        return [e async for e in self.pages(_path("users", mailbox, "events"), query)]

    async def find_tagged_events_many(
        self, mailbox: str, property_id: str, values: Sequence[str], select: str
    ) -> dict[str, list[dict[str, Any]]]:
        """find_tagged_events for many tag values in one mailbox, batched 20 at a time."""
        items = []
        for i, value in enumerate(values):
            esc = value.replace("'", "''")
            query = urlencode({
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
                f"and ep/value eq '{esc}')",
                "$expand": f"singleValueExtendedProperties($filter=id eq '{property_id}')",
                "$select": select,
            }, quote_via=quote, safe="$()'")
            items.append(BatchItem(id=str(i), method="GET",
                                   url=_path("users", mailbox, "events") + "?" + query))
        results = await self.batch(items)
        out: dict[str, list[dict[str, Any]]] = {}
        for item, value in zip(items, values, strict=True):
            result = results[item.id]
            if result.status != 200:
                raise self.batch_error(item, result)
            body = result.body or {}
            events = list(body.get("value") or [])
            next_link = body.get("@odata.nextLink")
            while next_link:  # rare: more than a page of tagged events for one pair
                page = await self.request("GET", "", url=next_link)
                events.extend(page.get("value") or [])
                next_link = page.get("@odata.nextLink")
            out[value] = events
        return out

    async def create_event(self, mailbox: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an event in the mailbox's default calendar (sends invitations)."""
        return await self.request("POST", _path("users", mailbox, "events"), body=payload)

    async def get_event(
        self, mailbox: str, event_id: str, select: str | None = None, *, text_body: bool = False
    ) -> dict[str, Any] | None:
        """One event, or None when it no longer exists."""
        headers = {"Prefer": 'outlook.body-content-type="text"'} if text_body else None
        try:
            return await self.request(
                "GET", _path("users", mailbox, "events", event_id),
                query={"$select": select} if select else None, headers=headers,
            )
        except NotFound:
            return None

    async def update_event(
        self, mailbox: str, event_id: str, patch: dict[str, Any]
    ) -> dict[str, Any]:
        """PATCH an event (the organizer's update is sent to the attendees)."""
        return await self.request("PATCH", _path("users", mailbox, "events", event_id), body=patch)

    async def cancel_event(self, mailbox: str, event_id: str, comment: str) -> None:
        """Cancel a meeting (or one occurrence) and tell the attendees why."""
        try:
            await self.request(
                "POST", _path("users", mailbox, "events", event_id, "cancel"),
                body={"Comment": comment},
            )
        except NotFound:
            return

    async def instances(
        self, mailbox: str, event_id: str, start: datetime, end: datetime,
        select: str = "id,start,end,type,isCancelled,originalStart,seriesMasterId",
    ) -> list[dict[str, Any]]:
        """Occurrences of a series between two instants (Graph expands the recurrence)."""
        query = {"startDateTime": _iso(start) + "Z", "endDateTime": _iso(end) + "Z",
                 "$select": select, "$top": "100"}
        return [
            e async for e in self.pages(
                _path("users", mailbox, "events", event_id, "instances"), query,
                headers={"Prefer": 'outlook.timezone="UTC"'},
            )
        ]

    async def calendar_view(
        self, mailbox: str, start: datetime, end: datetime,
        select: str = "id,subject,start,end,type,seriesMasterId,isOrganizer,showAs,attendees,"
        "organizer,isOnlineMeeting",
    ) -> list[dict[str, Any]]:
        """Everything in a calendar between two instants, recurring events expanded."""
        query = {"startDateTime": _iso(start) + "Z", "endDateTime": _iso(end) + "Z",
                 "$select": select, "$top": "200"}
        return [
            e async for e in self.pages(
                _path("users", mailbox, "calendarView"), query,
                headers={"Prefer": 'outlook.timezone="UTC"'},
            )
        ]

    async def send_mail(self, mailbox: str, payload: dict[str, Any]) -> None:
        """sendMail from ``mailbox``. Never retried here: the outbox owns that decision."""
        await self.request("POST", _path("users", mailbox, "sendMail"), body=payload)

    async def find_sent(self, mailbox: str, property_id: str, tag: str) -> bool:
        """Whether Sent Items holds the message carrying ``tag`` (needs read access to mail;
        PermissionDenied otherwise)."""
        query = {
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
            f"and ep/value eq '{tag}')",
            "$select": "id",
            "$top": "1",
        }
        page = await self.request(
            "GET", _path("users", mailbox, "mailFolders", "sentitems", "messages"), query=query)
        return bool((page or {}).get("value"))

    async def aclose(self) -> None:
        await self.transport.aclose()


def _schedule_bodies(emails: Sequence[str], start: datetime, end: datetime,
                     interval: int = 30) -> list[dict[str, Any]]:
    """getSchedule request bodies: 20 addresses and at most 61 days each."""
    windows = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + timedelta(days=SCHEDULE_MAX_DAYS - 1))
        windows.append((cursor, stop))
        cursor = stop
    unique = list(dict.fromkeys(e.lower() for e in emails))
    return [{"schedules": unique[i : i + SCHEDULE_CHUNK],
             "startTime": {"dateTime": _iso(w_start), "timeZone": "UTC"},
             "endTime": {"dateTime": _iso(w_end), "timeZone": "UTC"},
             "availabilityViewInterval": interval}
            for w_start, w_end in windows for i in range(0, len(unique), SCHEDULE_CHUNK)]


def _merge_schedule(out: dict[str, list[ScheduleItem] | None], reply: Any) -> None:
    """Add one getSchedule reply's items to ``out``; an address with an error becomes None."""
    for info in (reply or {}).get("value", []) if isinstance(reply, dict) else []:
        who = str(info.get("scheduleId", "")).lower()
        if info.get("error") or who not in out:
            out[who] = None
            continue
        found = out[who]
        if found is None:
            continue
        for raw in info.get("scheduleItems") or []:
            item = schedule_item(raw) if isinstance(raw, dict) else None
            if item is not None:
                found.append(item)


def pack_batches(items: Sequence[BatchItem]) -> list[list[BatchItem]]:
    """Split sub-requests into $batch payloads of at most 20, with at most 4 aimed at any one
    mailbox: Exchange runs a batch's requests concurrently and answers the 5th request to a
    mailbox with 429 (MailboxConcurrency)."""
    chunks: list[list[BatchItem]] = []
    counts: list[dict[str, int]] = []
    for item in items:
        box = mailbox_of(item.url) if "/users/" in item.url and _is_mailbox_call(item.url) else None
        for chunk, count in zip(chunks, counts, strict=True):
            if len(chunk) < BATCH_LIMIT and (box is None or count.get(box, 0) < MAILBOX_LIMIT):
                chunk.append(item)
                if box is not None:
                    count[box] = count.get(box, 0) + 1
                break
        else:
            chunks.append([item])
            counts.append({box: 1} if box is not None else {})
    return chunks


def _is_mailbox_call(url: str) -> bool:
    return any(seg in url for seg in ("/events", "/calendar", "/mailboxSettings", "/messages",
                                      "/mailFolders", "/sendMail"))


def _user(data: dict[str, Any], manager_id: str | None) -> DirectoryUser:
    hire = data.get("employeeHireDate")
    return DirectoryUser(
        id=data["id"],
        name=data.get("displayName") or data.get("mail") or data["id"],
        email=(data.get("mail") or data.get("userPrincipalName") or "").lower(),
        enabled=bool(data.get("accountEnabled", True)),
        member=(data.get("userType") or "Member") == "Member",
        hire_date=date.fromisoformat(hire[:10]) if hire else None,
        manager_id=manager_id,
    )
