"""A meeting the manager moved herself is left where she put it: Mia moves Rob's Friday
1-2-1 to the Thursday of her all-day (busy) offsite, where she holds it all the same. The
absence check read the offsite as her day off and moved the meeting again, off the day she
chose (an organizer update mailed to Rob, and the meeting somewhere neither asked for)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.app import job_context
from service.domain.absence import decide, placed_by_hand
from service.domain.model import CadenceKind
from service.domain.records import OccurrenceRecord
from tests.integration.test_absences import (
    LONDON,
    MIA,
    START,
    at,
    choose,
    leave,
    person,
    rob_booked,
    run_tick,
)


def test_a_meeting_moved_by_hand_onto_a_busy_day_stays_there(tmp_path: Path) -> None:
    settings, tenant, store, rob = rob_booked(tmp_path, "by_hand.db")
    series = rob.series

    async def friday_11th() -> tuple[str, datetime, datetime]:
        async with job_context(settings, START, sandbox=tenant) as ctx:
            items = await ctx.graph.instances(series.mailbox, series.event_id or "",
                                              at(date(2026, 12, 11), "00:00"),
                                              at(date(2026, 12, 12), "00:00"))
        [one] = items
        assert one.start is not None and one.end is not None
        return one.id, one.start, one.end

    event_id, start, end = asyncio.run(friday_11th())
    # Mia holds it at her offsite on Thursday, booked all day as busy.
    thursday = start - timedelta(days=1)
    tenant.add_absence(MIA, date(2026, 12, 10), date(2026, 12, 10), "Team offsite",
                       show_as="busy")
    tenant.person_move(MIA, event_id, thursday, end - timedelta(days=1))
    now = START
    while now < datetime(2026, 12, 10, 18, 0, tzinfo=UTC):
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.original_start == start)
    assert occ.start == thursday, occ
    assert occ.start.astimezone(LONDON).date() == date(2026, 12, 10)
    assert occ.absence_state != "moved" and occ.moved_reason is None
    assert occ.agenda_state == "injected"  # written for Thursday, where she holds it


def test_the_decision_leaves_a_meeting_placed_by_hand() -> None:
    """Off its slot and not moved by onetoone: placed by hand, and not moved again. One
    onetoone moved (moving, then moved) is still its own to move."""
    slot = at(date(2026, 12, 11))
    thursday = at(date(2026, 12, 10))
    occ = OccurrenceRecord(series_id=1, event_id="e", original_start=slot, start=thursday,
                           end=thursday + timedelta(minutes=30), absence_state="clear")
    assert placed_by_hand(occ)
    assert not placed_by_hand(dataclasses.replace(occ, absence_state="moved"))
    assert not placed_by_hand(dataclasses.replace(occ, absence_state="moving"))
    assert not placed_by_hand(dataclasses.replace(occ, start=slot))
    assert not placed_by_hand(None)
    offsite = person("Mia Manager", items=[leave(date(2026, 12, 10), date(2026, 12, 10),
                                                 "busy")])
    assert choose(thursday, manager=offsite, original=slot,
                  now=at(date(2026, 12, 7))).action == "move"
    kept = decide(start=thursday, end=thursday + timedelta(minutes=30), original_start=slot,
                  kind=CadenceKind.WEEKLY, manager=offsite, report=person(),
                  not_before=at(date(2026, 12, 8)), by_hand=True)
    assert kept.action == "clear"
    # The report's leave on the day she chose still moves it: only her own day stands.
    away = person("Rob Report", items=[leave(date(2026, 12, 10), date(2026, 12, 10))])
    moved = decide(start=thursday, end=thursday + timedelta(minutes=30), original_start=slot,
                   kind=CadenceKind.WEEKLY, manager=offsite, report=away,
                   not_before=at(date(2026, 12, 8)), by_hand=True)
    assert moved.action != "clear" and moved.absent == "report"
