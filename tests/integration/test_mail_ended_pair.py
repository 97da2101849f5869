"""Mail already queued when a pair ends. A prep mail asks the report for topics for a
meeting that will not take place once the pair has ended (the report moved to another
manager, or left): it is held back, never sent, and never lost or sent twice by a run
killed mid-send. A summary of a meeting that was held still goes to a mover (both of the
pair are still here; a leaver's is held back, tests/integration/test_mail_leavers.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_mail import Scenario
from tests.integration.test_mail_replies import NIA, PREP_DAY, ROB, World

PREP_SUBJECT = "Your 1-2-1 with Mia Manager on"
HOUR = timedelta(hours=1)


@pytest.fixture
def world(db_url, settings_for) -> World:
    return World(settings_for(db_url))


def _prep_rows(world: World) -> list:
    return [m for m in world.store.outbox()
            if m.kind == "prep" and m.pairing_id == world.rob.pairing.id]


def _moved_and_ticked(world: World, hours: int = 3) -> None:
    world.tenant.set_manager(ROB, NIA)
    for n in range(1, hours + 1):
        world.at(PREP_DAY + n * HOUR)
    view = world.store.view_of_pairing(world.rob.pairing.id)
    assert view is not None and view.pairing.status == "ended", view


def test_a_queued_prep_mail_is_not_sent_once_the_pair_ended(world: World) -> None:
    """Queued, but not sent (Graph refused the token for that run's sends); then Rob moves
    to Nia: the pair with Mia ends and its meeting is cancelled, so Rob is not asked for
    topics for it."""
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.at(PREP_DAY)
    (row,) = _prep_rows(world)
    assert row.status == "pending" and world.inbox(ROB, PREP_SUBJECT) == []
    _moved_and_ticked(world)
    assert world.inbox(ROB, PREP_SUBJECT) == [], "a prep mail went for an ended pair"
    (row,) = _prep_rows(world)
    assert row.status == "suppressed" and "the pair ended" in row.last_error, row


@pytest.mark.parametrize("exchange_sent", [True, False])
def test_a_prep_mail_cut_off_mid_send_goes_at_most_once(world: World,
                                                       exchange_sent: bool) -> None:
    """The send's outcome unknown and not settled that run (a 503, then Sent Items failing:
    the row is left 'sending', as by a run killed mid-send), then the pair ends: Sent Items
    settles it. Sent by Exchange: recorded sent, never sent again. Not sent: held back."""
    world.tenant.inject_fault("POST", r"/sendMail$", 503, times=1, apply_first=exchange_sent)
    world.tenant.inject_fault("GET", r"/mailFolders/sentitems/messages$", 500, times=1)
    world.at(PREP_DAY)
    (row,) = _prep_rows(world)
    assert row.status == "sending", row
    _moved_and_ticked(world)
    (row,) = _prep_rows(world)
    assert len(world.inbox(ROB, PREP_SUBJECT)) == (1 if exchange_sent else 0)
    assert row.status == ("sent" if exchange_sent else "suppressed"), row
    world.at(PREP_DAY + 5 * HOUR)
    assert len(world.inbox(ROB, PREP_SUBJECT)) == (1 if exchange_sent else 0)


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def test_a_queued_summary_still_goes_to_a_mover(scenario: Scenario) -> None:
    """The summary of the meeting Rob and Mia held is queued (not sent that run); then Rob
    moves to Nia: the summary is his to have, and goes, once."""
    scenario.type_notes()
    scenario.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    scenario.after_meeting()
    (row,) = [m for m in scenario.store.outbox() if m.key == f"{scenario.occ.id}:summary"]
    assert row.status == "pending" and scenario.summaries() == []
    scenario.tenant.set_manager(ROB, NIA)
    scenario.after_meeting(hours=3)
    view = scenario.store.view_of_pairing(scenario.rob.pairing.id)
    assert view is not None and view.pairing.status == "ended", view
    scenario.after_meeting(hours=5)
    assert len(scenario.summaries()) == 1
    (row,) = [m for m in scenario.store.outbox() if m.key == f"{scenario.occ.id}:summary"]
    assert row.status == "sent", row


def test_a_prep_mail_is_not_claimed_for_a_pair_ended_meanwhile(world: World) -> None:
    """Another worker ends the pair between this run's read of the outbox and its claim of
    the prep mail: the claim fails (the mail stays pending, held back by the next run)."""
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.at(PREP_DAY)
    (row,) = _prep_rows(world)
    world.tenant.set_manager(ROB, NIA)  # what the other worker's sync read
    world.store.end_pairing(world.rob.pairing.key, "moved to Nia", PREP_DAY)
    assert not world.store.claim_mail(row.id, PREP_DAY, pair_active=True)
    assert _prep_rows(world)[0].status == "pending"
    world.at(PREP_DAY + HOUR)
    assert world.inbox(ROB, PREP_SUBJECT) == [] and _prep_rows(world)[0].status == "suppressed"
