"""What people do in Outlook, not through the app: typing into a meeting, moving or
cancelling one, booking busy time or leave. Tests and the demo act through these."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import service.sandbox.calendar as cal
from service.domain.model import WEEKDAYS
from service.domain.timezones import to_iana
from service.sandbox.occurrences import find_event
from service.sandbox.state import TenantState
from service.sandbox.wire import UTC, GraphFault


class SimulatedPeople(TenantState):
    """The tenant's state, plus the people in it acting in Outlook."""

    def person_body(self, mailbox: Any, event_id: str) -> str:
        """The HTML body of an event or occurrence as the person sees it in Outlook."""
        with self._lock:
            event, occurrence, _ = find_event(self, self.user(mailbox)["id"], event_id)
            return str(((occurrence or event).get("body") or {}).get("content") or "")

    def person_edit_body(self, mailbox: Any, event_id: str, content: str, *,
                         send_update: bool = False) -> None:
        """A person types into an occurrence's body in Outlook and saves it (by default
        without sending the attendees an update, as Outlook offers)."""
        with self._lock:
            uid = self.user(mailbox)["id"]
            master, occurrence, original = find_event(self, uid, event_id)
            if occurrence is None or original is None:
                raise ValueError("person_edit_body edits one occurrence of a series")
            cal.update_occurrence(self, uid, master, original,
                                   {"body": {"contentType": "html", "content": content}},
                                   send_update)

    def person_move(self, mailbox: Any, event_id: str, start: datetime, end: datetime) -> None:
        """The organizer drags one occurrence to another time and sends the update."""
        zone = "UTC"
        with self._lock:
            uid = self.user(mailbox)["id"]
            master, occurrence, original = find_event(self, uid, event_id)
            if occurrence is None or original is None:
                raise ValueError("person_move moves one occurrence of a series")
            cal.update_occurrence(self, uid, master, original, {
                "start": {"dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                          "timeZone": zone},
                "end": {"dateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                        "timeZone": zone}}, True)

    def person_retime_series(self, mailbox: Any, series_id: str, start: datetime,
                             end: datetime, recurrence: dict[str, Any] | None = None) -> None:
        """The organizer opens the whole series in Outlook, gives it a new time, length or
        pattern (``start``/``end``: the first meeting's, aware; ``recurrence``: the new one,
        else the old one kept) and sends the update. As in Exchange, every exception of
        the series goes (see calendar._reshape_series) and the occurrences take the new
        slots, with new ids."""
        zone = getattr(start.tzinfo, "key", None) or "UTC"
        changes: dict[str, Any] = {
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone},
            "end": {"dateTime": end.astimezone(start.tzinfo).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": zone}}
        with self._lock:
            uid = self.user(mailbox)["id"]
            master, occurrence, _original = find_event(self, uid, series_id)
            if occurrence is not None or master.get("type") != "seriesMaster":
                raise ValueError("person_retime_series edits a whole series (its master)")
            if recurrence is None:
                # As Outlook's series form does: the pattern's one day and its range's first
                # day follow the new first meeting.
                recurrence = copy.deepcopy(master["recurrence"])
                if len(recurrence["pattern"].get("daysOfWeek") or []) == 1:
                    recurrence["pattern"]["daysOfWeek"] = [WEEKDAYS[start.weekday()]]
                recurrence["range"]["startDate"] = start.date().isoformat()
            changes["recurrence"] = recurrence
            try:
                cal.update_event(self, uid, series_id, changes)
            except GraphFault as exc:
                raise ValueError(exc.message) from None

    def person_cancel(self, mailbox: Any, event_id: str, comment: str = "") -> None:
        """The organizer deletes one occurrence (Outlook sends the cancellation)."""
        with self._lock:
            cal.delete_event(self, self.user(mailbox)["id"], event_id, comment)

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
