"""Moving a meeting off an absence must respect Exchange's rule for exceptions of a series.

Graph's event-update page (v1.0, Response): "This method can return an HTTP 400 Bad Request
response with an error code of ErrorOccurrenceCrossingBoundary ... an occurrence cannot be
moved to or before the day of the previous occurrence, and cannot be moved to or after the
day of the following occurrence." The neighbour counts where it is now: a manager who moved
next week's meeting (Christmas Day) to Monday 21st has put it on a day this week's may no
longer be moved to. The absence check chose its new day from the pattern alone: Graph
refused the move every run, and the meeting stayed in the middle of the report's leave.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from service.app import job_context
from service.jobs.tick import tick
from service.sandbox import calendar as cal
from service.sandbox.occurrences import occurrence_id
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    MIA,
    ROB,
    START,
    at,
    no_sleep,
    org,
    settings_at,
)


def test_a_move_never_lands_on_a_moved_neighbours_day(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'crossing.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    store = Store(make_engine(db))
    tenant.add_absence(ROB, date(2026, 12, 14), date(2026, 12, 18))  # Rob's week off
    failures: list[str] = []

    def run(now: datetime) -> None:
        tenant.now = lambda: now

        async def go() -> None:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                report = await tick(ctx, now, sync=now == START)
                if report.absences is not None:
                    failures.extend(report.absences.failed)

        asyncio.run(go())

    run(START)  # the series are booked (weekly on Fridays, 10:00 London)
    rob = next(v for v in store.views() if v.report.email == ROB)
    (series,) = store.pairing_series(rob.pairing.id)
    assert series.event_id and series.weekday == 4  # Fridays
    slot, minutes = series.start_time, series.minutes
    # Mia moves Rob's Christmas Day meeting to Monday 21st in Outlook, as anyone would.
    christmas = occurrence_id(series.event_id, at(date(2026, 12, 25), slot))
    monday = at(date(2026, 12, 21), slot)
    tenant.person_move(MIA, christmas, monday, monday + timedelta(minutes=minutes))

    now = START + timedelta(hours=12)
    while now <= datetime(2026, 12, 17, 18, 0, tzinfo=LONDON):
        run(now)
        now += timedelta(hours=12)

    occ = next(o for o in store.pairing_occurrences(rob.pairing.id)
               if o.original_start.astimezone(LONDON).date() == date(2026, 12, 18))
    # Handled, one way or the other: moved to a day Exchange accepts, or the manager told
    # there is no time to move it to. Never a refusal from Graph run after run.
    assert failures == [], failures
    assert occ.absence_state in ("moved", "no_slot"), occ.absence_state
    if occ.absence_state == "moved":
        day = occ.start.astimezone(LONDON).date()
        assert date(2026, 12, 11) < day < date(2026, 12, 21)
    owner = tenant.user(MIA)["id"]
    _master, view, _ = cal.find_event(tenant, owner, occ.event_id)
    assert view is not None
