"""The Graph port: every call onetoone makes to Microsoft Graph, and nothing else.

Methods take and return the domain's records (service/domain/events.py); Graph's JSON stays
in this package (bodies and parsers in wire.py, ``$batch`` in batch.py, the directory calls
in directory.py). Requests go through msgraph-sdk's GraphRequestAdapter (plumbing.py: auth,
middleware, the configured base URL), so what we
send can be checked against Microsoft's published schemas (tests/unit/test_graph_payloads.py)
and the sandbox sees exactly the wire format the real service would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from service.domain.events import (
    CalendarEvent,
    DirectoryUser,
    MailboxInfo,
    MailMessage,
    ScheduleItem,
    ScheduleQuery,
)
from service.errors import GraphError, NotFound, OutcomeUnknown, Throttled
from service.graph import queries, wire
from service.graph.batch import BatchItem
from service.graph.directory import DirectoryCalls
from service.graph.plumbing import graph_path as _path
from service.graph.transport import WRITE_FENCE, mailbox_of
from service.graph.wire import iso_utc, parse_graph_datetime

log = logging.getLogger(__name__)

BUSY_STATUSES = frozenset({"busy", "oof", "tentative"})
ITEMS_ONLY_INTERVAL = 1440  # availabilityView slot when only scheduleItems are wanted
# internetMessageHeaders come only when selected: they tell auto-replies and our own mail.
MESSAGE_FIELDS = ("id,subject,from,sender,toRecipients,ccRecipients,body,internetMessageId,"
                  "hasAttachments,internetMessageHeaders")
# Mail bodies as HTML: Exchange's text rendering of a quote is its own (MS-OXCMSG leaves
# it to the server) and need not mark the quote's lines, so a reply written below a
# <blockquote> read as all history; the HTML shows where the quote ends (domain/mail_html).
HTML_BODY = {"Prefer": 'outlook.body-content-type="html"'}
UTC_TIMES = {"Prefer": 'outlook.timezone="UTC"'}

# Records once defined here; importers may still name them from the client.
__all__ = ["BatchItem", "CalendarEvent", "DirectoryUser", "GraphClient", "MailMessage",
           "MailboxInfo", "ScheduleItem", "ScheduleQuery", "parse_graph_datetime"]


class GraphClient(DirectoryCalls):
    """Async access to Graph for the jobs. One per process; safe to share across tasks."""

    # -- mailboxes --------------------------------------------------------------------------

    async def mailbox_settings(self, user_ids: Sequence[str], *, raise_passing: bool = True
                               ) -> dict[str, MailboxInfo]:
        """Time zone, working hours, what the mailbox is for (userPurpose: a person's,
        shared, a room...) and the date format its owner chose, per user, batched; errors
        are per user, not raised, but for a read that failed only for now (throttled past
        its retries, a 5xx): that tells nothing about the user's hours, so it raises
        (Throttled, OutcomeUnknown) rather than have a series booked in the default ones
        (``raise_passing`` False: it is that user's error too, for a caller that asks
        again later)."""
        items = [
            BatchItem(id=uid, method="GET",
                      url=_path("users", uid, "mailboxSettings")
                      + "?$select=timeZone,workingHours,userPurpose,dateFormat")
            for uid in dict.fromkeys(user_ids)
        ]
        results = await self._batch(items)
        out: dict[str, MailboxInfo] = {}
        for item in items:
            result = results[item.id]
            passing = result.status == 429 or result.status >= 500
            if passing and raise_passing:
                raise self._batch_error(item, result)
            if result.status != 200:
                out[item.id] = MailboxInfo(item.id, error=str(self._batch_error(item, result)),
                                           passing=passing)
                continue
            out[item.id] = wire.mailbox_info(item.id, result.body or {})
        return out

    async def teams_allowed(self, user_ids: Sequence[str]) -> dict[str, bool]:
        """Whether each user's calendar offers Teams as an online-meeting provider. A read
        that failed only for now (throttled past its retries, a 5xx) tells nothing, so it
        raises (Throttled, OutcomeUnknown) rather than answer "no Teams" for good."""
        items = [
            BatchItem(id=uid, method="GET",
                      url=_path("users", uid, "calendar")
                      + "?$select=allowedOnlineMeetingProviders")
            for uid in dict.fromkeys(user_ids)
        ]
        results = await self._batch(items)
        for item in items:
            if results[item.id].status == 429 or results[item.id].status >= 500:
                raise self._batch_error(item, results[item.id])
        return {
            uid: r.status == 200
            and "teamsForBusiness" in ((r.body or {}).get("allowedOnlineMeetingProviders") or [])
            for uid, r in results.items()
        }

    async def free_busy(
        self, organizer: str, emails: Sequence[str], start: datetime, end: datetime,
        *, hours: dict[str, MailboxInfo] | None = None,
    ) -> dict[str, list[tuple[datetime, datetime]] | None]:
        """Busy intervals (UTC) per address; None where Graph could not tell (no access).
        ``hours``, when given, gets the working hours the same answers carry (see
        ``schedule_items``): the schedule step needs both."""
        items = await self.schedule_items(organizer, emails, start, end, hours=hours)
        return {who: None if found is None else
                [(i.start, i.end) for i in found if i.status.lower() in BUSY_STATUSES]
                for who, found in items.items()}

    async def schedule_items(
        self, organizer: str, emails: Sequence[str], start: datetime, end: datetime,
        *, interval: int = 30, hours: dict[str, MailboxInfo] | None = None,
    ) -> dict[str, list[ScheduleItem] | None]:
        """Every free/busy item (with its status: busy, tentative, oof, workingElsewhere...)
        per address; None where Graph could not tell (no access, unknown address).

        One getSchedule call per 20 addresses per 61 days, sent one after another.
        ``interval`` is the availabilityView slot length (only the items are read here; a
        longer slot makes Graph's reply smaller). ``hours``, when given, gets each address's
        working hours as the answer carries them (by lower-cased address; none where it
        carried none, e.g. an error for that address).
        """
        out: dict[str, list[ScheduleItem] | None] = {e.lower(): [] for e in emails}
        for body in wire.schedule_bodies(emails, start, end, interval):
            reply = await self.request(
                "POST", _path("users", organizer, "calendar", "getSchedule"), body=body,
                headers=UTC_TIMES)
            wire.merge_schedule(out, reply)
            if hours is not None:
                for who, info in wire.schedule_hours(reply).items():
                    hours.setdefault(who, info)
        return out

    async def schedule_items_many(
        self, queries: Sequence[ScheduleQuery], *, hours: dict[str, MailboxInfo] | None = None,
        transient: set[int] | None = None,
    ) -> list[dict[str, list[ScheduleItem] | None]]:
        """``schedule_items`` for many questions at once, in $batch calls of 20 (a single
        question is one plain getSchedule call). Results are in the order of ``queries``;
        where a question's call failed (e.g. no access to that mailbox) its addresses are
        None, as for an address Graph could not tell about. ``transient``, when given, gets
        the positions of questions whose call was still throttled, or failed on Graph's side,
        when the retries ran out: asking those again now would only add to the throttling.
        ``hours``, when given, gets the working hours the answers carry (as
        ``schedule_items``)."""
        items: list[BatchItem] = []
        owner: list[int] = []
        for n, q in enumerate(queries):
            for body in wire.schedule_bodies(q.emails, q.start, q.end, ITEMS_ONLY_INTERVAL):
                items.append(BatchItem(
                    id=str(len(items)), method="POST",
                    url=_path("users", q.organizer, "calendar", "getSchedule"), body=body,
                    headers=UTC_TIMES))
                owner.append(n)
        outs: list[dict[str, list[ScheduleItem] | None]] = [
            {e.lower(): [] for e in q.emails} for q in queries]
        if len(items) == 1:
            only = queries[owner[0]]
            try:
                return [await self.schedule_items(only.organizer, only.emails, only.start,
                                                  only.end, interval=ITEMS_ONLY_INTERVAL,
                                                  hours=hours)]
            except GraphError as exc:
                if isinstance(exc, Throttled | OutcomeUnknown):
                    if transient is None:
                        raise  # transient: the caller tries again next run
                    # Said as the batched answers say it: one throttled mailbox's question
                    # packed with others' must not fail theirs (freebusy_packs.ask).
                    transient.add(owner[0])
                log.warning("graph.schedule_failed", extra={"mailbox": only.organizer,
                                                            "error": str(exc)})
                return [dict.fromkeys(outs[0])]
        results = await self._batch(items)
        for item, n in zip(items, owner, strict=True):
            result = results[item.id]
            if result.status != 200:
                error = self._batch_error(item, result)
                log.warning("graph.schedule_failed", extra={
                    "mailbox": mailbox_of(item.url) or "", "error": str(error)})
                outs[n] = dict.fromkeys(outs[n])
                if transient is not None and isinstance(error, Throttled | OutcomeUnknown):
                    transient.add(n)
                continue
            if any(v is not None for v in outs[n].values()):
                wire.merge_schedule(outs[n], result.body)
            if hours is not None:
                for who, info in wire.schedule_hours(result.body).items():
                    hours.setdefault(who, info)
        return outs

    # -- events -----------------------------------------------------------------------------

    async def find_tagged_events(
        self, mailbox: str, property_id: str, value: str, select: str
    ) -> list[CalendarEvent]:
        """Series masters and single events in ``mailbox`` carrying our tag with ``value``."""
        query = queries.tag_filter(property_id, value, select)
        return [wire.calendar_event(e)
                async for e in self._pages(_path("users", mailbox, "events"), query)]

    async def find_tagged_events_by_prefix(
        self, mailbox: str, property_id: str, prefix: str, select: str
    ) -> list[CalendarEvent]:
        """Series masters and single events in ``mailbox`` whose tag value starts with
        ``prefix``, every page (each event's ``tags`` holds the value found)."""
        query = queries.tag_prefix_filter(property_id, prefix, select)
        return [wire.calendar_event(e)
                async for e in self._pages(_path("users", mailbox, "events"), query)]

    async def series_masters(self, mailbox: str, property_id: str, select: str
                             ) -> list[CalendarEvent]:
        """The series masters in ``mailbox`` not cancelled, every page (each event's
        ``tags`` holds our ``property_id`` when it carries it)."""
        query = queries.series_masters_query(property_id, select)
        return [wire.calendar_event(e)
                async for e in self._pages(_path("users", mailbox, "events"), query)]

    async def find_tagged_events_many(
        self, mailbox: str, property_id: str, values: Sequence[str], select: str
    ) -> dict[str, list[CalendarEvent]]:
        """find_tagged_events for many tag values in one mailbox, batched 20 at a time."""
        items = []
        for i, value in enumerate(values):
            query = urlencode(queries.tag_filter(property_id, value, select),
                              quote_via=quote, safe="$()'")
            items.append(BatchItem(id=str(i), method="GET",
                                   url=_path("users", mailbox, "events") + "?" + query))
        results = await self._batch(items)
        out: dict[str, list[CalendarEvent]] = {}
        for item, value in zip(items, values, strict=True):
            result = results[item.id]
            if result.status != 200:
                raise self._batch_error(item, result)
            body = result.body or {}
            events = list(body.get("value") or [])
            next_link = body.get("@odata.nextLink")
            while next_link:  # rare: more than a page of tagged events for one pair
                page = await self.request("GET", "", url=next_link)
                events.extend(page.get("value") or [])
                next_link = page.get("@odata.nextLink")
            out[value] = [wire.calendar_event(e) for e in events]
        return out

    async def events_by_ical_uid(self, mailbox: str, ical_uid: str, select: str
                                 ) -> list[CalendarEvent]:
        """Series masters and single events in ``mailbox`` with that iCalUId: an attendee's
        copy of a meeting (its master carries the organizer's master's iCalUId)."""
        return [wire.calendar_event(e) async for e in self._pages(
            _path("users", mailbox, "events"), queries.ical_uid_filter(ical_uid, select))]

    async def create_event(self, mailbox: str, payload: dict[str, Any]) -> CalendarEvent:
        """Create an event (a body from graph/wire.py) in the mailbox's default calendar
        (sends invitations)."""
        return wire.calendar_event(
            await self.request("POST", _path("users", mailbox, "events"), body=payload))

    async def get_event(
        self, mailbox: str, event_id: str, select: str | None = None
    ) -> CalendarEvent | None:
        """One event (its body as stored: HTML for ours), or None when it no longer exists.
        A mailbox not found raises NotFound: that says nothing about the event."""
        try:
            raw = await self.request(
                "GET", _path("users", mailbox, "events", event_id),
                query={"$select": select} if select else None,
            )
        except NotFound as exc:
            if wire.mailbox_gone(exc):
                raise
            return None
        return wire.calendar_event(raw or {})

    async def update_event(
        self, mailbox: str, event_id: str, patch: dict[str, Any]
    ) -> CalendarEvent:
        """PATCH an event with a body from graph/wire.py (the organizer's update is sent to
        the attendees)."""
        raw = await self.request("PATCH", _path("users", mailbox, "events", event_id),
                                 body=patch)
        return wire.calendar_event(raw or {"id": event_id})

    async def set_event_body(self, mailbox: str, event_id: str, html: str) -> str | None:
        """Replace an event's invite text (sent to the attendees as an update); the body as
        Exchange stored it (the PATCH's answer), or None when the answer carried none."""
        event = await self.update_event(mailbox, event_id, wire.body_patch(html))
        return event.body or None

    async def move_event(self, mailbox: str, event_id: str, start: datetime, end: datetime,
                         time_zone: str) -> None:
        """Put one event (or occurrence) at another time, in local wall time of the zone."""
        await self.update_event(mailbox, event_id, wire.event_times(start, end, time_zone))

    async def cancel_event(self, mailbox: str, event_id: str, comment: str) -> None:
        """Cancel a meeting (or one occurrence) and tell the attendees why; one gone is done.
        Raises NotFound when the mailbox is gone (``wire.mailbox_gone``): no one was told."""
        try:
            await self.request(
                "POST", _path("users", mailbox, "events", event_id, "cancel"),
                body={"Comment": comment},
            )
        except NotFound as exc:
            if wire.mailbox_gone(exc):
                raise

    async def cancel_occurrences(self, mailbox: str, occurrence_ids: Sequence[str],
                                 comment: str) -> dict[str, bool]:
        """Cancel single occurrences of a series (one $batch; the master and its recurrence
        untouched), telling the attendees why. True per id when it is cancelled or already
        gone, False when that cancel failed (the caller retries it on its next run)."""
        done = await self.cancel_events(mailbox, occurrence_ids, comment)
        return {oid: error is None for oid, error in done.items()}

    async def cancel_events(self, mailbox: str, event_ids: Sequence[str], comment: str
                            ) -> dict[str, GraphError | None]:
        """``cancel_occurrences`` with the reason of each failure: per id None when it is
        cancelled or already gone, else the error (a caller tells a passing one apart)."""
        return await self._each_event("POST", mailbox, event_ids, "cancel",
                                      {"Comment": comment})

    async def delete_events(self, mailbox: str, event_ids: Sequence[str]
                            ) -> dict[str, GraphError | None]:
        """Delete events or occurrences from ``mailbox``'s calendar ($batch). Graph sends a
        cancellation only for an organizer's delete: an attendee's removes their copy and
        tells no one. Per id None when it is deleted or already gone, else the error."""
        return await self._each_event("DELETE", mailbox, event_ids)

    async def _each_event(self, method: str, mailbox: str, event_ids: Sequence[str],
                          action: str = "", body: dict[str, Any] | None = None
                          ) -> dict[str, GraphError | None]:
        """One request per event in $batch calls: per id None when it succeeded or the
        event is already gone (404), else the error (the caller's next run tries again). A
        404 naming the mailbox (``wire.mailbox_gone``) is an error (NotFound): nothing was
        done there, and the attendees' copies are left as they were."""
        tail = [action] if action else []
        items = [BatchItem(id=str(n), method=method, body=body,
                           url=_path("users", mailbox, "events", eid, *tail))
                 for n, eid in enumerate(event_ids)]
        results = await self._batch(items)
        out: dict[str, GraphError | None] = {}
        for item, eid in zip(items, event_ids, strict=True):
            result = results.get(item.id)
            if result is None:
                out[eid] = GraphError(f"No answer to {method} {item.url} in a $batch reply.")
            elif result.status < 300:
                out[eid] = None
            else:
                error = self._batch_error(item, result)
                event_gone = result.status == 404 and not wire.mailbox_gone(error)
                out[eid] = None if event_gone else error
        return out

    async def instances(
        self, mailbox: str, event_id: str, start: datetime, end: datetime,
        select: str = "id,start,end,type,isCancelled,originalStart,seriesMasterId",
    ) -> list[CalendarEvent]:
        """Occurrences of a series between two instants (Graph expands the recurrence)."""
        query = {**wire.window(start, end), "$select": select, "$top": "100"}
        pages = self._pages(_path("users", mailbox, "events", event_id, "instances"), query,
                            headers=UTC_TIMES)
        return [wire.calendar_event(e) async for e in pages]

    async def calendar_changes(self, mailbox: str, link: str | None, start: datetime,
                               end: datetime) -> wire.CalendarChanges:
        """What changed in a calendar's window since ``link`` (a delta link this returned
        before), or the whole window when there is none or Graph no longer knows it (410
        Gone: the sync state expired). The window is the one the link was made for."""
        path = _path("users", mailbox, "calendarView", "delta")
        headers = {"Prefer": 'outlook.timezone="UTC", odata.maxpagesize=200'}
        if link and not self.ours(link):
            # Kept from another graph_url (a change of cloud or proxy): read whole again.
            log.warning("graph.link_elsewhere", extra={"path": path, "mailbox": mailbox})
            link = None
        if link:
            try:
                return wire.calendar_changes(
                    await self._delta_pages(path, None, link, headers), full=False)
            except GraphError as exc:
                if not wire.delta_expired(exc):
                    raise
                log.warning("graph.delta_expired", extra={"path": path, "mailbox": mailbox,
                                                          "error": str(exc)})
        return wire.calendar_changes(await self._delta_pages(path, wire.window(start, end),
                                                             None, headers),
                                     full=True)

    async def _delta_pages(self, path: str, query: dict[str, str] | None, link: str | None,
                           headers: dict[str, str]) -> list[dict[str, Any]]:
        pages = [await self.request("GET", path, query=query, url=link, headers=headers)]
        while pages[-1].get("@odata.nextLink"):
            pages.append(await self.request("GET", path, url=pages[-1]["@odata.nextLink"],
                                            headers=headers))
        return pages

    async def calendar_view(
        self, mailbox: str, start: datetime, end: datetime,
        select: str = "id,subject,start,end,type,seriesMasterId,isOrganizer,showAs,attendees,"
        "organizer,isOnlineMeeting",
    ) -> list[CalendarEvent]:
        """Everything in a calendar between two instants, recurring events expanded."""
        query = {**wire.window(start, end), "$select": select, "$top": "200"}
        pages = self._pages(_path("users", mailbox, "calendarView"), query, headers=UTC_TIMES)
        return [wire.calendar_event(e) async for e in pages]

    # -- mail -------------------------------------------------------------------------------

    async def unread_messages(self, mailbox: str, top: int = 50) -> list[MailMessage]:
        """Unread mail in the inbox, bodies as HTML (a plain-text mail converted by
        Exchange)."""
        query = {"$filter": "isRead eq false", "$top": str(top), "$select": MESSAGE_FIELDS}
        return [wire.mail_message_record(m) async for m in self._pages(
            _path("users", mailbox, "mailFolders", "inbox", "messages"), query,
            headers=HTML_BODY)]

    async def mark_read(self, mailbox: str, message_id: str) -> None:
        """Mark one message read."""
        await self.request("PATCH", _path("users", mailbox, "messages", message_id),
                           body={"isRead": True})

    async def sent_messages(self, mailbox: str, since: datetime, top: int = 50
                            ) -> list[MailMessage]:
        """Every message of Sent Items sent at or after ``since``, newest first, all pages
        (one request when fewer than ``top`` were sent; needs read access to mail). The
        ``$orderby`` property leads the ``$filter``, as Graph requires of messages."""
        stamp = iso_utc(since) + "Z"
        return [wire.mail_message_record(m) async for m in self._pages(
            _path("users", mailbox, "mailFolders", "sentitems", "messages"),
            {"$filter": f"sentDateTime ge {stamp}", "$orderby": "sentDateTime desc",
             "$select": "id,subject,from,toRecipients,ccRecipients,sentDateTime",
             "$top": str(top)})]

    async def send_mail(self, mailbox: str, payload: dict[str, Any],
                        fence: Callable[[], bool] | None = None) -> None:
        """sendMail from ``mailbox``. Never retried here: the outbox owns that decision.
        ``fence`` is asked just before the request leaves (each time it is sent): False, and
        it is not sent (Superseded)."""
        token = WRITE_FENCE.set(fence)
        try:
            await self.request("POST", _path("users", mailbox, "sendMail"), body=payload)
        finally:
            WRITE_FENCE.reset(token)

    async def find_sent(self, mailbox: str, property_id: str, tag: str) -> bool:
        """Whether Sent Items holds the message carrying ``tag`` (needs read access to mail;
        PermissionDenied otherwise)."""
        page = await self.request(
            "GET", _path("users", mailbox, "mailFolders", "sentitems", "messages"),
            query=queries.sent_tag_query(property_id, tag))
        return bool((page or {}).get("value"))

    async def aclose(self) -> None:
        await self.transport.aclose()
