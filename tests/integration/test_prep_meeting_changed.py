"""A prep mail queued but not sent yet (Graph refused that run's sends) whose meeting then
changes in Outlook while the pair stays active. Cancelled or declined by the report: the
report is not asked for topics for it (held back, kept as suppressed, saying why). Moved by
the manager: the report is asked once, about the day it is on now, and no earlier than the
prep mail for that day falls due (not days ahead, naming the day it used to be on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_mail_replies import AGENDA_DAY, MIA, PREP_DAY, ROB, World
from tests.integration.test_rebook import decline

PREP_SUBJECT = "Your 1-2-1 with Mia Manager on"
MEETING = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # Rob's, a Tuesday


@pytest.fixture
def world(db_url: str, settings_for: Any) -> World:
    return World(settings_for(db_url))


def _rob_preps(world: World) -> list[str]:
    return [m["subject"] for m in world.inbox(ROB, PREP_SUBJECT)]


def _queued(world: World) -> dict[str, Any]:
    """Rob's prep mail queued and not sent; his meeting as Mia's calendar lists it."""
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.at(PREP_DAY)
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"
              and m.pairing_id == world.rob.pairing.id]
    assert row.status == "pending" and _rob_preps(world) == []
    (item,) = [i for i in calendar_items(world.tenant, world.tenant.user(MIA)["id"], PREP_DAY,
                                         PREP_DAY + timedelta(days=10))
               if start_of(i) == MEETING]
    return item


def _ticked_until(world: World, until: datetime) -> list[list[str]]:
    """Ticks every six hours from the agenda's day; Rob's prep mails after each."""
    seen, now = [], AGENDA_DAY
    while now < until:
        world.at(now)
        seen.append(_rob_preps(world))
        now += timedelta(hours=6)
    return seen


@pytest.mark.parametrize("how", ["cancelled", "declined"])
def test_a_queued_prep_mail_is_not_sent_for_a_meeting_called_off(world: World,
                                                                 how: str) -> None:
    item = _queued(world)
    if how == "cancelled":
        world.tenant.person_cancel(MIA, item["id"], "Clash")
    else:
        decline(world, world.rob, item)
    _ticked_until(world, MEETING)
    assert _rob_preps(world) == [], f"Rob was asked for topics for a meeting {how}"
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"
              and m.pairing_id == world.rob.pairing.id]
    assert row.status == "suppressed" and how in row.last_error, row


@pytest.mark.parametrize("to_day", [2, 4])
def test_a_queued_prep_mail_names_the_day_its_meeting_was_moved_to(world: World,
                                                                   to_day: int) -> None:
    """Mia moves the Tuesday meeting to Wednesday (its prep mail is due already) or to
    Friday (its prep mail falls due on Tuesday, not on the Friday before)."""
    item = _queued(world)
    moved = MEETING.replace(day=to_day)
    world.tenant.person_move(MIA, item["id"], moved, moved + timedelta(minutes=30))
    seen = _ticked_until(world, moved)
    day = f"{moved:%A} {moved.day} Dec 2026"
    assert _rob_preps(world) == [
        f"{PREP_SUBJECT} {day}: what would you like to talk about?"], _rob_preps(world)
    if to_day == 4:
        assert seen[0] == [], "asked about Friday's meeting on the Friday before"


def test_a_prep_mail_claimed_by_another_worker_is_settled_not_changed(world: World) -> None:
    """Another worker claimed the queued mail (and was killed before sending it) when Mia
    cancels the meeting: the claim stands (no hold-back, no re-wording of a mail that may
    be going); once Sent Items shows it did not go, it is held back, never sent."""
    item = _queued(world)
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"]
    assert world.store.claim_mail(row.id, PREP_DAY + timedelta(hours=1))
    world.tenant.person_cancel(MIA, item["id"], "Clash")
    assert not world.store.release_mail(row.id)
    assert world.store.reword_mail(row.id, "other", "other", None) is None
    _ticked_until(world, MEETING)
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"]
    assert _rob_preps(world) == [] and row.status == "suppressed", row
    assert row.subject.startswith(PREP_SUBJECT), row


def _rob_prep_row(world: World) -> Any:
    (row,) = [m for m in world.store.outbox() if m.kind == "prep"
              and m.pairing_id == world.rob.pairing.id]
    return row


@pytest.mark.parametrize("how", ["cancelled", "declined"])
def test_a_deferred_prep_mail_is_not_sent_for_a_meeting_called_off_before_its_agenda_day(
        world: World, how: str) -> None:
    """Mia cancels the meeting in Outlook (or Rob declines it) a few hours after its prep
    mail was queued and not sent, long before its agenda falls due (when the store would
    hear of it): the next run reads the meeting before sending, so the mail is held back,
    saying why, and never sent."""
    item = _queued(world)
    if how == "cancelled":
        world.tenant.person_cancel(MIA, item["id"], "Clash")
    else:
        decline(world, world.rob, item)
    world.at(PREP_DAY + timedelta(hours=6))
    assert _rob_preps(world) == [], f"Rob was asked for topics for a meeting {how}"
    row = _rob_prep_row(world)
    assert row.status == "suppressed" and how in row.last_error, row
    _ticked_until(world, MEETING)
    assert _rob_preps(world) == []


def test_a_deferred_prep_mail_follows_a_move_made_before_its_agenda_day(world: World) -> None:
    """Mia moves the Tuesday meeting to Friday a few hours after its prep mail was queued
    and not sent: the next run does not send it naming Tuesday; Rob is asked once, about
    Friday, no earlier than Friday's prep mail falls due."""
    item = _queued(world)
    moved = MEETING.replace(day=4)
    world.tenant.person_move(MIA, item["id"], moved, moved + timedelta(minutes=30))
    world.at(PREP_DAY + timedelta(hours=6))
    assert _rob_preps(world) == [], "asked about Friday's meeting on the Thursday before"
    _ticked_until(world, moved)
    assert _rob_preps(world) == [
        f"{PREP_SUBJECT} Friday 4 Dec 2026: what would you like to talk about?"]


def test_a_deferred_prep_mail_costs_one_listing_and_waits_while_it_cannot_be_read(
        world: World) -> None:
    """A deferred prep mail whose meeting stands costs its run one read of the series (its
    instances), then goes. While that read fails it is not sent on what the store says,
    nor held back: it waits for a run that can read it, and the series is not listed
    again before the sync would list it after a failure (a quarter of an hour at first)."""
    _queued(world)
    master = world.rob.series.event_id if world.rob.series else ""
    world.tenant.inject_fault("GET", r"/instances$", 503, times=100)
    world.at(PREP_DAY + timedelta(hours=1))
    assert _rob_preps(world) == [] and _rob_prep_row(world).status == "pending"
    world.tenant.reset_counters()
    world.at(PREP_DAY + timedelta(hours=1, minutes=5))
    assert world.tenant.count("GET", r"/instances$") == 0, world.tenant.requests
    assert _rob_preps(world) == [] and _rob_prep_row(world).status == "pending"
    world.at(PREP_DAY + timedelta(hours=2))
    assert len(_rob_preps(world)) == 1 and _rob_prep_row(world).status == "sent"
    assert world.tenant.count("GET", rf"/events/{master}/instances$") == 1, \
        world.tenant.requests
    assert world.tenant.count("GET") == 1 + world.tenant.count("GET", r"/users/delta|inbox"), \
        world.tenant.requests
