"""A weekly 1-2-1 moved later in its week, past the day the next meeting's agenda falls due:
the next agenda waits until the moved meeting is read back (``waits_for_previous``). The
series' listing, which the agenda is written from, waits with it: listed as the agenda fell
due, the series would be listed again on every run of the wait (one request a run, from
midnight until the moved meeting ends: about 45 at the default 15 minutes), each listing
leaving the agenda pending and so due again at the next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.model import CadenceKind
from service.domain.timing import agenda_due_at
from tests.integration.test_agenda_content_invites import MIA, ROB, Pairs
from tests.integration.test_agenda_loop import START, person_types

WEEKDAYS = frozenset(range(5))
RUN = timedelta(minutes=15)  # [worker] interval_minutes' default
LISTING = r"/instances$|/calendarView$"  # instances, or one view of several series


def test_the_listing_waits_with_an_agenda_held_back_for_a_moved_meeting(
        db_url: str, settings_for: Any) -> None:
    pairs = Pairs(settings_for(db_url, default_cadence=CadenceKind.WEEKLY))
    pairs.at(START)
    first, now = pairs.next_agenda(ROB, START)
    zone = ZoneInfo(pairs.view(ROB).series.time_zone)
    person_types(pairs.tenant, first, ["Settling in well"], [], tick_all=False)
    pairs.at(first.end + timedelta(hours=1))
    moved, now = pairs.next_agenda(ROB, first.start)
    # Mia pushes it later in its week, past the day the next one's agenda is due.
    after_it = moved.start + timedelta(days=7)
    due = agenda_due_at(after_it.astimezone(zone), 2, WEEKDAYS)
    new_start = due + timedelta(hours=10)
    new_end = new_start + (moved.end - moved.start)
    pairs.tenant.person_move(MIA, moved.event_id, new_start, new_end)
    while now + timedelta(hours=12) < due:  # (the eve read records the move)
        now += timedelta(hours=12)
        pairs.at(now)
    assert next(o for o in pairs.meetings(ROB) if o.id == moved.id).start == new_start
    # Every run from the next agenda's day until the moved meeting is read back.
    pairs.tenant.reset_counters()
    now = due
    while now < new_end + timedelta(hours=1):
        pairs.at(now)
        now += RUN
    listings = pairs.tenant.count("GET", LISTING)
    following = next(o for o in pairs.meetings(ROB) if o.start == after_it)
    # The agenda is written once the moved meeting is read back, as before.
    assert following.agenda_state == "injected"
    assert following.agenda_at is not None and following.agenda_at >= new_end
    # One listing, as the wait ends: the agenda is written from it.
    assert listings == 1, f"{listings} listings of the series while its agenda waited"
