"""The manager is deleted (their mailbox with them) while a replacement meeting booked for a
missed 1-2-1 is still to come. Graph answers a cancel in a gone mailbox with a 404 whose code
names the mailbox (ErrorInvalidUser, MailboxNotEnabledForRESTAPI), not ErrorItemNotFound:
nothing was cancelled, no one was told, and Exchange keeps a deleted organizer's meetings in
the attendees' calendars. The replacement must leave the report's calendar as the series'
meetings to come do, not stay there while the store says it was withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_rebook import MIA, ROB, World
from tests.integration.test_rebook_pair_ends import replacement_booked

# How Graph may show the organizer of a copy once their mailbox is gone: no longer an
# SMTP address but the legacy X500 one (the name stays).
X500 = ("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
        "cn=5f1c0e7a9b2d4c3e8f6a1b2c3d4e5f60-mia")


@pytest.mark.parametrize(("begun", "x500"), [(False, False), (True, False), (True, True)])
def test_a_replacement_to_come_leaves_the_reports_calendar_when_the_manager_is_deleted(
        tmp_path, settings_for, begun: bool, x500: bool) -> None:
    world = World(tmp_path, settings_for)
    booked, now = replacement_booked(world, begun)
    (replacement,) = world.rebook_events()

    def robs_copies() -> list[dict]:
        return [e for e in world.tenant.events(ROB)
                if e.get("iCalUId") == replacement["iCalUId"] and not e.get("isCancelled")]

    assert len(robs_copies()) == 1
    told = len(world.tenant.meeting_messages(ROB, "cancel"))  # the missed meeting's
    world.tenant.remove_user(MIA)  # deleted with her mailbox, before the replacement
    if x500:
        robs_copies()[0]["organizer"]["emailAddress"]["address"] = X500
    result = world.tick(now + timedelta(minutes=20))
    assert any(e.startswith("Mia Manager & Rob Report") for e in result.schedule.ended)
    assert robs_copies() == [], "the replacement is still in Rob's calendar"
    assert world.store.occurrence(booked.id).status == "withdrawn"
    assert len(world.tenant.meeting_messages(ROB, "cancel")) == told  # no one could send one
