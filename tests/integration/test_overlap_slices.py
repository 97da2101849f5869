"""The overlap check looks at the people a slice at a time (bounded memory): a clash is found
whichever slices the people of the two series fall in, in a deep org chart where most
people are a report in one pair and the manager in others."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from service.app import job_context
from service.domain.series import occurrences
from service.domain.status import SeriesStatus
from service.jobs import overlaps as overlaps_module
from service.jobs.schedule import Scheduler
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def _no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def _deep_org() -> SandboxTenant:
    """Four levels (two, then three, then two reports each): 21 people, 20 pairs; the eight
    in the middle are each a report in one pair and the manager in others."""
    tenant = SandboxTenant(seed="slices", now=lambda: NOW)
    tenant.add_user("Top", "p0@org.example", hire_date=date(2015, 1, 1))
    level, n = ["p0@org.example"], 1
    for width in (2, 3, 2):
        below = []
        for boss in level:
            for _ in range(width):
                email = f"p{n}@org.example"
                tenant.add_user(f"Person {n}", email, manager=boss, hire_date=date(2019, 1, 1))
                below.append(email)
                n += 1
        level = below
    return tenant


def _collide(store: Store) -> list[tuple[int, int]]:
    """For each middle person (report of one pair, manager of another), put one of their
    series on the other's slot, in the store (all the look reads). Returns the pairs of
    series ids made to clash."""
    views = store.views(["active"])
    as_report = {v.report.id: v for v in views}
    made = []
    for v in views:
        upper = as_report.get(v.manager.id)
        if upper is None or upper.series is None or v.series is None:
            continue
        keep, move = upper.series, v.series
        store.update_series(move.id, NOW, cadence=keep.cadence, minutes=keep.minutes,
                            weekday=keep.weekday, week_index=keep.week_index,
                            start_time=keep.start_time, time_zone=keep.time_zone,
                            first_date=keep.first_date)
        made.append((keep.id, move.id))
        if len(made) == 4:
            break
    return made


def _clashes(store: Store, now: datetime, look_end: datetime) -> set[tuple[int, int]]:
    """Every two series of different pairings booking one person at once in the
    look-ahead, compared pairwise (the reference the sliced look must agree with)."""
    live = {v.series.id for v in store.views(["active"])
            if v.series is not None and v.series.status == SeriesStatus.ACTIVE}
    times: dict[str, list[tuple[datetime, datetime, int, int]]] = defaultdict(list)
    for series, manager, report in store.live_series_people():
        if series.id not in live:
            continue
        for start, end in occurrences(series, now, look_end):
            for person in (manager, report):
                times[person].append((start, end, series.id, series.pairing_id))
    found = set()
    for items in times.values():
        for i, (s1, e1, id1, p1) in enumerate(items):
            for s2, e2, id2, p2 in items[i + 1:]:
                if p1 != p2 and s1 < e2 and s2 < e1 and min(s1, s2) < look_end:
                    found.add((min(id1, id2), max(id1, id2)))
    return found


@pytest.mark.parametrize("per_look", [1, 2, 5])
def test_clash_is_found_across_slices(db_url, settings_for, monkeypatch, per_look: int
                                      ) -> None:
    """Slices of one person, two or five: each clash is found (the two series' people in
    different slices), resolved by moving one of its two series, and the look holds until
    the same instant as a look at everyone in one slice."""
    tenant = _deep_org()
    cfg = settings_for(db_url)

    async def first_run() -> None:
        async with job_context(cfg, NOW, sandbox=tenant,
                               graph_options={"sleep": _no_sleep}) as ctx:
            await tick(ctx, NOW)

    async def look(per: int) -> tuple[set[int], set[tuple[int, int]], datetime]:
        monkeypatch.setattr(overlaps_module, "PEOPLE_PER_LOOK", per)
        async with job_context(cfg, NOW, sandbox=tenant,
                               graph_options={"sleep": _no_sleep}) as ctx:
            scheduler = Scheduler(ctx, NOW, dry_run=True)
            look_end = NOW + timedelta(weeks=scheduler.slot_policy.free_busy_weeks)
            found = scheduler._look(look_end)
            return set(found.to_move), _clashes(ctx.store, NOW, look_end), found.clear_until

    asyncio.run(first_run())
    store = Store(make_engine(cfg.database.url))
    views = store.views(["active"])
    assert len(views) == 20 and all(v.series for v in views)
    made = _collide(store)
    assert len(made) == 4
    sliced, after = [], None
    while part := store.booked_people(after, per_look):
        sliced += part
        after = part[-1]
    assert sliced == sorted({p for v in views for p in (v.manager.id, v.report.id)})
    moved, clashes, clear_until = asyncio.run(look(per_look))
    assert {(min(p), max(p)) for p in made} <= clashes
    # Every clash is resolved by a move of one of its series; nothing else moves.
    assert all(a in moved or b in moved for a, b in clashes)
    assert moved <= {s for pair in clashes for s in pair}
    whole_moved, _, whole_clear = asyncio.run(look(2_000))
    assert all(a in whole_moved or b in whole_moved for a, b in clashes)
    assert clear_until == whole_clear
    first = min(s.first_date for s in (store.series(a) for a, _ in made) if s is not None)
    assert clear_until.date() <= first + timedelta(days=1)


def test_move_chooses_against_both_peoples_series_only(db_url, settings_for) -> None:
    """``booked_by_person`` for two people (as a move asks) gives each of them exactly the
    times the whole organisation's read gives them."""
    tenant = _deep_org()
    cfg = settings_for(db_url)

    async def go() -> None:
        async with job_context(cfg, NOW, sandbox=tenant,
                               graph_options={"sleep": _no_sleep}) as ctx:
            await tick(ctx, NOW)
            scheduler = Scheduler(ctx, NOW)
            everyone = scheduler.booked_by_person()
            views = ctx.store.views(["active"])
            middle = next(v for v in views
                          if any(w.manager.id == v.report.id for w in views))
            pair = [middle.manager.id, middle.report.id]
            skip = middle.series.id if middle.series else None
            some = scheduler.booked_by_person(skip_series=skip, people=pair)
            whole = scheduler.booked_by_person(skip_series=skip)
            for person in pair:
                assert sorted(some[person]) == sorted(whole[person])
                assert len(everyone[person]) > len(whole[person]) > 0

    asyncio.run(go())
