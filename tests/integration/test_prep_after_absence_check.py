"""The prep mail goes three working days before a meeting, a day before the meeting is
listed and its absence check made (when its agenda falls due). It must not ask about a day
the report is on leave, a meeting a holiday or a day off is about to move, or one the
report declined weeks ago (docs/summaries-and-mail.md, docs/how-it-decides.md "Absences and
public holidays"): the absence step decides for it from the same free/busy read, and a
meeting that may move gets its mail once it has moved, naming the new day. Sandbox, with
leave booked as Outlook books it (all-day out-of-office events), SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from service.domain.series import occurrences
from service.sandbox.wire import iso_utc
from tests.integration.test_mail_replies import AGENDA_DAY, MIA, PREP_DAY, ROB, World

ASKED = "Your 1-2-1 with Mia Manager on"


def _world(db_url: str, settings_for: Any, **holidays: Any) -> World:
    settings = settings_for(db_url)
    if holidays:
        settings = dataclasses.replace(settings, holidays=dataclasses.replace(
            settings.holidays, **holidays))
    return World(settings)  # the series is booked at START; Rob's next meeting: Tue 1 Dec


def _asked(world: World) -> list[str]:
    return [m["subject"] for m in world.inbox(ROB, ASKED)]


def _named(world: World) -> str:
    """How the prep mail names Rob's first meeting where it is now (London is UTC in Dec)."""
    start = world.occ.start
    return f"{ASKED} {start:%A} {start.day} {start:%b %Y}:"


def test_no_prep_mail_for_a_meeting_inside_a_long_leave(db_url, settings_for) -> None:
    """Rob books 30 Nov – 18 Dec off after the series was made: he is not asked about his
    1 Dec meeting (the next day it is skipped for the long absence), then or later."""
    world = _world(db_url, settings_for)
    world.tenant.add_absence(ROB, date(2026, 11, 30), date(2026, 12, 18))
    world.at(PREP_DAY)
    assert _asked(world) == []
    world.at(AGENDA_DAY)
    world.at(AGENDA_DAY + timedelta(days=1))
    assert world.occ.absence_state == "skipped"
    assert _asked(world) == []
    (held,) = [m for m in world.store.outbox() if m.kind == "prep"]
    assert held.status == "suppressed" and "long absence" in held.last_error


def test_a_meeting_a_day_off_moves_is_asked_about_at_its_new_day(db_url, settings_for
                                                                 ) -> None:
    """Mia takes Tuesday 1 Dec off: no mail names 1 Dec; once the meeting has moved (when
    its agenda falls due) Rob is asked once, about the day it moved to."""
    world = _world(db_url, settings_for)
    world.tenant.add_absence(MIA, date(2026, 12, 1), date(2026, 12, 1))
    world.at(PREP_DAY)
    assert _asked(world) == []
    world.at(AGENDA_DAY)
    assert world.occ.status == "moved" and world.occ.start.date() != date(2026, 12, 1)
    assert _asked(world) == [f"{_named(world)} what would you like to talk about?"]
    world.at(AGENDA_DAY + timedelta(days=1))
    assert len(_asked(world)) == 1


def test_a_meeting_on_a_public_holiday_is_asked_about_at_its_new_day(db_url, settings_for
                                                                     ) -> None:
    """Rob works to Portugal's holidays: Tuesday 1 Dec is Restoration of Independence Day.
    The prep mail waits for the move and names the new day."""
    world = _world(db_url, settings_for, people=((ROB, "PT"),))
    world.at(PREP_DAY)
    assert _asked(world) == []
    world.at(AGENDA_DAY)
    assert world.occ.status == "moved" and "Restoration of Independence" in (
        world.occ.moved_reason or "")
    assert _asked(world) == [f"{_named(world)} what would you like to talk about?"]


def _decline_in_outlook(world: World) -> None:
    """Rob declines his 1 Dec occurrence in Outlook weeks ahead: the organizer's copy shows
    his answer, and Outlook takes the occurrence out of his own calendar."""
    tenant, series = world.tenant, world.rob.series
    slot = iso_utc(occurrences(series, PREP_DAY, PREP_DAY + timedelta(days=10))[0][0])
    master = tenant.state["events"][tenant.user(MIA)["id"]][series.event_id]
    master.setdefault("_exceptions", {}).setdefault(slot, {})["attendees"] = [
        {"emailAddress": {"address": ROB, "name": "Rob Report"}, "type": "required",
         "status": {"response": "declined", "time": "2026-11-23T09:00:00Z"}}]
    rob = tenant.user(ROB)["id"]
    own = tenant.state["events"][rob][master["_copies"][rob]]
    own.setdefault("_cancelled", []).append(slot)


def test_no_prep_mail_for_a_meeting_declined_weeks_ahead(db_url, settings_for) -> None:
    """Declined the day the series was booked: no mail asks Rob about it."""
    world = _world(db_url, settings_for)
    _decline_in_outlook(world)
    world.at(PREP_DAY)
    assert _asked(world) == []
    world.at(AGENDA_DAY)
    assert world.occ.status == "declined"
    assert _asked(world) == []


def test_a_prep_mail_held_back_for_a_long_leave_withdrawn_stays_on_record(db_url, settings_for
                                                                          ) -> None:
    """Rob's 30 Nov – 18 Dec leave holds back his prep mail; he cancels the leave before
    the meeting's own check, which then finds the meeting on: he is asked once, and the
    held-back mail stays listed (suppressed), saying why it did not go then."""
    world = _world(db_url, settings_for)
    leave = world.tenant.add_absence(ROB, date(2026, 11, 30), date(2026, 12, 18))
    world.at(PREP_DAY)
    assert _asked(world) == []
    world.tenant.person_cancel(ROB, leave["id"])
    world.at(AGENDA_DAY)
    world.at(AGENDA_DAY + timedelta(days=1))
    assert world.occ.absence_state == "clear"
    assert _asked(world) == [f"{_named(world)} what would you like to talk about?"]
    preps = [m for m in world.store.outbox() if m.kind == "prep"]
    assert [m.status for m in preps] == ["suppressed", "sent"], preps
    assert "long absence" in preps[0].last_error and "found it on" in preps[0].last_error


def test_a_prep_mail_held_back_for_a_day_off_is_released_not_kept(db_url, settings_for
                                                                 ) -> None:
    """A prep mail held back only until the meeting's own check (Mia's day off may move
    it) leaves no record once the check has moved the meeting: its mail is the record."""
    world = _world(db_url, settings_for)
    world.tenant.add_absence(MIA, date(2026, 12, 1), date(2026, 12, 1))
    world.at(PREP_DAY)
    (held,) = [m for m in world.store.outbox() if m.kind == "prep"]
    assert held.status == "suppressed" and held.last_error.startswith("held back: ")
    world.at(AGENDA_DAY)
    assert [m.status for m in world.store.outbox() if m.kind == "prep"] == ["sent"]
