"""A weekly 1-2-1 moved later in its week, past the day the next meeting's agenda falls due
(Monday's meeting pushed to Thursday: next Monday's agenda is due on Thursday). The next
agenda must follow up the moved meeting, which is the pair's "last time": its new actions
listed, its date as Last time. Written before it was held, the agenda recalled the meeting
before instead and left out what was agreed three days earlier, for good (it gets no
second update for that)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.agenda import format_when
from service.domain.model import CadenceKind
from service.domain.timing import agenda_due_at
from tests.integration.test_agenda_content_invites import MIA, ROB, Pairs
from tests.integration.test_agenda_loop import START, person_types

WEEKDAYS = frozenset(range(5))


def test_the_next_agenda_follows_up_a_meeting_moved_past_its_due_day(
        db_url: str, settings_for: Any) -> None:
    pairs = Pairs(settings_for(db_url, default_cadence=CadenceKind.WEEKLY))
    pairs.at(START)
    first, now = pairs.next_agenda(ROB, START)
    zone = ZoneInfo(pairs.view(ROB).series.time_zone)
    # Held as planned, with notes, so the moved one has a Last time before it.
    person_types(pairs.tenant, first, ["Settling in well"], [], tick_all=False)
    pairs.at(first.end + timedelta(hours=1))
    moved, now = pairs.next_agenda(ROB, first.start)
    # Mia pushes it later in its week, past the day the next one's agenda is due.
    after_it = moved.start + timedelta(days=7)
    due = agenda_due_at(after_it.astimezone(zone), 2, WEEKDAYS)
    new_start = due + timedelta(hours=10)
    assert now < due and new_start + timedelta(hours=2) < after_it
    pairs.tenant.person_move(MIA, moved.event_id, new_start,
                             new_start + (moved.end - moved.start))
    while now < new_start:
        now += timedelta(hours=12)
        pairs.at(min(now, new_start))
    moved = next(o for o in pairs.meetings(ROB) if o.id == moved.id)
    assert moved.start == new_start
    # Held at its new time; Mia types the action agreed during the meeting.
    person_types(pairs.tenant, moved, ["Went through the first project"],
                 ["Rob: send the onboarding checklist by Friday"], tick_all=False)
    pairs.at(moved.end + timedelta(hours=1))
    assert any(a.text.startswith("send the onboarding checklist")
               for a in pairs.store.actions(pairs.view(ROB).pairing.id))
    following, _ = pairs.next_agenda(ROB, moved.start)
    lines = pairs.lines(following)
    assert following.start == after_it
    assert any("send the onboarding checklist" in line for line in lines), "\n".join(lines)
    assert any(line.endswith("· last time · " + format_when(new_start.astimezone(zone)))
               for line in lines), "\n".join(lines)
