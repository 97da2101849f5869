"""Series in a manager's calendar that look like a 1-2-1 with a report on her copy but are
not one: onetoone books the pair as usual, rather than leaving it to "their own series".

- A recurring meeting the report organises with hidden attendees (Graph's hideAttendees:
  "each attendee only sees themselves in the meeting request and meeting Tracking list"):
  the manager's copy lists her alone, however many are invited.
- A recurring meeting the report organises that the manager declined, kept in her calendar
  by Outlook's "Save declined events" (Exchange's PreserveDeclinedMeetings: the event stays,
  shown as free, its responseStatus "declined").

Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from service.sandbox import SandboxTenant, SandboxTransport
from tests.integration.test_adoption_search import BASE, _run
from tests.integration.test_own_series import MIA, NIA, ROB, _masters_with, _view
from tests.integration.test_schedule_job import NOW, org

PAIR = "Mia Manager & Rob Report"


def _by_rob(tenant: SandboxTenant, attendees: list[str], **extra: Any) -> str:
    """A weekly 45-minute meeting Rob made in Outlook (no tag); its id in his calendar."""
    async def go() -> str:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            start = datetime(2026, 10, 1, 14, 0)  # a Thursday, weeks before NOW
            r = await c.post(f"/users/{ROB}/events", json={
                "subject": extra.pop("subject", "Design clinic"),
                "start": {"dateTime": start.isoformat(), "timeZone": "GMT Standard Time"},
                "end": {"dateTime": (start + timedelta(minutes=45)).isoformat(),
                        "timeZone": "GMT Standard Time"},
                "recurrence": {"pattern": {"type": "weekly", "interval": 1,
                                           "daysOfWeek": ["thursday"],
                                           "firstDayOfWeek": "monday"},
                               "range": {"type": "noEnd", "startDate": "2026-10-01"}},
                "attendees": [{"emailAddress": {"address": a}, "type": "required"}
                              for a in attendees], **extra})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

    return asyncio.run(go())


def test_a_meeting_the_report_runs_with_hidden_attendees_is_not_their_1_2_1(
        db_url: str, settings_for: Any) -> None:
    """Rob runs a weekly design clinic for the team with its attendees hidden. Mia's copy
    shows her alone with Rob as organizer; it is not their 1-2-1, and they are booked one."""
    tenant = org()
    _by_rob(tenant, [MIA, NIA, "ben@contoso.example", "max@contoso.example"],
            hideAttendees=True)
    mine = _masters_with(tenant, MIA, ROB)
    assert [[a["emailAddress"]["address"] for a in e["attendees"]] for e in mine] == [[MIA]]
    first = _run(settings_for(db_url), tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert not any(line.startswith(PAIR) for line in first.schedule.own_series), (
        first.schedule.own_series)
    assert PAIR in first.schedule.created
    assert _view(db_url, ROB).pairing.status == "active"


def test_a_series_the_manager_declined_and_outlook_kept_is_not_their_1_2_1(
        db_url: str, settings_for: Any) -> None:
    """Rob invited Mia to a weekly "1:1" of his own; she declined it, and Outlook kept it in
    her calendar (Save declined events). They do not meet in it: they are booked one."""
    tenant = org()
    _by_rob(tenant, [MIA], subject="Rob / Mia 1:1")
    (copy,) = _masters_with(tenant, MIA, ROB)
    copy["responseStatus"] = {"response": "declined", "time": "2026-10-01T09:00:00Z"}
    copy["showAs"] = "free"
    first = _run(settings_for(db_url), tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert not any(line.startswith(PAIR) for line in first.schedule.own_series), (
        first.schedule.own_series)
    assert PAIR in first.schedule.created
