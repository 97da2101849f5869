"""A report whose address changes (a change of name: Exchange makes the new address the
primary one and keeps the old as an alias of the same mailbox) still gets every agenda.
The invite, booked before, carries the old address: it was taken for a third person (the
agenda is never written into an invite shared beyond the pair), so the pair had no agenda,
no notes read back and reminders to type "under Notes" for good; and a decline under the
old address went unseen. Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from service.domain.events import Attendee, CalendarEvent
from service.domain.instances import report_declined
from service.domain.series import occurrences as series_occurrences
from tests.integration.test_mail import Scenario

ROB, NEW = "rob@contoso.example", "rob.jones@contoso.example"


def renamed(settings: Any) -> tuple[Scenario, datetime]:
    """Rob's first 1-2-1 with Mia booked, then his name and primary address changed (the old
    one kept as an alias); and when their next meeting starts."""
    scenario = Scenario(settings)
    user = scenario.tenant.user(ROB)
    user.update(mail=NEW, userPrincipalName=NEW, displayName="Rob Jones",
                proxyAddresses=[f"SMTP:{NEW}", f"smtp:{ROB}"])
    series = scenario.rob.series
    assert series is not None
    return scenario, series_occurrences(series, scenario.occ.end, scenario.occ.end + timedelta(
        days=70))[0][0]


def test_an_agenda_goes_into_an_invite_carrying_the_reports_old_address(
        db_url: str, settings_for: Any) -> None:
    scenario, start = renamed(settings_for(db_url))
    done = scenario.at(start - timedelta(hours=20))
    assert done.failed_steps == [], done.failed_steps
    view = next(v for v in scenario.store.views() if v.pairing.id == scenario.rob.pairing.id)
    assert view.report.email == NEW  # the directory's address now
    row = next(o for o in scenario.store.pairing_occurrences(view.pairing.id)
               if o.start == start)
    assert row.agenda_state == "injected", row
    body = scenario.tenant.person_body("mia@contoso.example", row.event_id)
    assert "onetoone-notes" in body
    # The old address was looked up once to tell it is Rob's (a batched directory request).
    assert scenario.tenant.count("POST", r"^/\$batch$") >= 1


def test_a_decline_under_the_old_address_is_the_reports() -> None:
    """The one person invited (rooms aside) is the report, whatever address the invite
    carries; with someone else invited too, only the report's own address counts."""
    old = Attendee(ROB, response="declined", kind="required")
    room = Attendee("room1@contoso.example", response="declined", kind="resource")
    alone = CalendarEvent(id="o1", attendees=(old, room))
    assert report_declined(alone, NEW)
    other = Attendee("zed@contoso.example", response="accepted", kind="required")
    assert not report_declined(CalendarEvent(id="o2", attendees=(old, other)), NEW)
    assert report_declined(CalendarEvent(id="o3", attendees=(old, other)), ROB)
    # The report in the Resources box (as a manager may put them): their own answer counts,
    # and a colleague's decline is not theirs.
    boxed = Attendee(NEW, response="declined", kind="resource")
    accepted = Attendee(NEW, response="accepted", kind="resource")
    colleague = Attendee("zed@contoso.example", response="declined", kind="required")
    assert report_declined(CalendarEvent(id="o5", attendees=(boxed,)), NEW)
    assert not report_declined(CalendarEvent(id="o6", attendees=(accepted, colleague)), NEW)
    # A room listed as a required attendee, as booking tools leave it, is a room.
    booked = Attendee("room1@contoso.example", response="accepted", kind="required")
    assert report_declined(CalendarEvent(id="o4", attendees=(old, booked),
                                         rooms=("room1@contoso.example",)), NEW)


def test_an_address_the_directory_cannot_tell_leaves_the_invite_shared(
        db_url: str, settings_for: Any) -> None:
    """The look-up refused (an address Graph cannot search, access): the address is taken for
    someone else's, as before the look-up was made, and no agenda goes into the invite; the
    run fails nothing. (A look-up throttled waits for the next run.)"""
    scenario, start = renamed(settings_for(db_url))
    scenario.tenant.inject_fault("POST", r"^/\$batch$", 403, times=50)
    done = scenario.at(start - timedelta(hours=20))
    assert done.failed_steps == [], done.failed_steps
    row = next(o for o in scenario.store.pairing_occurrences(scenario.rob.pairing.id)
               if o.start == start)
    assert row.agenda_state == "skipped", row
    assert scenario.store.pairing(scenario.rob.pairing.id).agenda_denied_at is None
