"""A meeting onetoone moved off the report's leave, put back on it by the manager's edit of
the whole series in Outlook (a new end date: Exchange drops every exception, so the moved
meeting returns to its slot), is moved off the leave again: it was left on the leave day,
marked moved for good, and the report had a 1-2-1 on a day off (soak seed 19)."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.app import job_context
from service.domain.records import OccurrenceRecord
from tests.integration.test_absences import LONDON, MIA, ROB, START, rob_booked, run_tick


def test_a_move_the_manager_undid_is_made_again(tmp_path: Path) -> None:
    settings, tenant, store, rob = rob_booked(tmp_path, "undone.db")
    series = rob.series
    friday = date(2026, 12, 18)
    tenant.add_absence(ROB, friday, friday)

    def meeting() -> OccurrenceRecord | None:
        return next((o for o in store.pairing_occurrences(rob.pairing.id)
                     if o.original_start.astimezone(LONDON).date() == friday), None)

    now = START
    while (occ := meeting()) is None or occ.absence_state != "moved":
        now += timedelta(hours=12)
        assert now < datetime(2026, 12, 17, tzinfo=UTC)
        run_tick(settings, tenant, now)
    assert occ.start.astimezone(LONDON).date() != friday

    # Mia gives the series an end date in Outlook's series form (its time kept).
    async def master() -> dict:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            found = await ctx.graph.get_event(series.mailbox, series.event_id or "",
                                              "start,end,recurrence")
        assert found is not None and found.start is not None and found.end is not None
        return {"start": found.start, "end": found.end}

    times = asyncio.run(master())
    raw = tenant.state["events"][tenant.user(MIA)["id"]][series.event_id]
    recurrence = copy.deepcopy(raw["recurrence"])
    recurrence["range"] = {**recurrence["range"], "type": "endDate", "endDate": "2027-03-26"}
    tenant.person_retime_series(MIA, series.event_id or "", times["start"], times["end"],
                                recurrence)
    while now < datetime(2026, 12, 17, 12, tzinfo=UTC):
        now += timedelta(hours=12)
        run_tick(settings, tenant, now)
    occ = meeting()
    assert occ is not None and occ.start.astimezone(LONDON).date() != friday, occ
    assert occ.absence_state == "moved"
