"""A tick's database work follows what is due, not the number of pairs (issue 11): each
series keeps when the occurrence sync must next list it, found by one indexed read; steps
read their rows in bulk; unchanged pairings, people and overlap checks are not redone. The
stored instants must never change what a tick does: compared here, tick by tick, with a
twin whose instants are wiped before every tick (so it works everything out afresh)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from service.app import job_context
from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.series import occurrences
from service.jobs.tick import TickReport, tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep

MINUTE = timedelta(minutes=1)


def tree(managers: int, seed: str = "due-instants") -> SandboxTenant:
    """A head with ``managers`` managers of six reports each."""
    t = SandboxTenant(seed=seed, now=lambda: START)
    head = t.add_user("Hana Head", "hana@contoso.example", hire_date=date(2015, 1, 1))
    for m in range(managers):
        manager = t.add_user(f"Manager {m}", f"m{m}@contoso.example", manager=head,
                             hire_date=date(2018, 1, 1))
        for r in range(6):
            t.add_user(f"Report {m}-{r}", f"r{m}.{r}@contoso.example", manager=manager,
                       hire_date=date(2021, 1, 1))
    return t


class Run:
    """A tenant and a database ticked by the test, counting each tick's SQL statements."""

    def __init__(self, db_url: str, settings_for: Any, tenant: SandboxTenant) -> None:
        self.settings = settings_for(db_url)
        self.tenant = tenant
        self.store = Store(make_engine(db_url))
        upgrade(self.store.engine)
        self.sql: Counter[str] = Counter()

        @event.listens_for(self.store.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            self.sql["statements"] += 1

        @event.listens_for(self.store.engine, "commit")
        def _commits(conn):  # type: ignore[no-untyped-def]
            self.sql["commits"] += 1

    def tick(self, now: datetime) -> TickReport:
        self.tenant.now = lambda: now
        self.sql.clear()
        self.tenant.reset_counters()

        async def go() -> TickReport:
            async with job_context(self.settings, now, sandbox=self.tenant, store=self.store,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def forget_instants(self) -> None:
        """As a database fresh from the upgrade: every instant to be worked out again."""
        with self.store.engine.begin() as conn:
            conn.execute(text("UPDATE series SET next_due_at = NULL"))
            conn.execute(text("DELETE FROM due_marks"))


def _done(report: TickReport) -> dict[str, Any]:
    """What a tick did, as the people concerned would see it."""
    assert report.occurrences and report.agenda and report.capture and report.absences
    return {"created": sorted(report.schedule.created), "moved": report.schedule.moved,
            "ended": report.schedule.ended, "extended": report.schedule.extended,
            "listed": report.occurrences.series,
            "changes": (report.occurrences.moved, report.occurrences.cancelled,
                        report.occurrences.declined, report.occurrences.deleted),
            "absences": (report.absences.moved, report.absences.skipped,
                         report.absences.no_slot),
            "absences checked": report.absences.checked,
            "agendas": sorted(report.agenda.injected), "updated": report.agenda.updated,
            "read": sorted(report.capture.held + report.capture.without_notes),
            "failed": report.failed_steps}


def test_a_tick_with_nothing_due_runs_the_same_sql_at_any_size(db_url: str,
                                                               settings_for: Any,
                                                               tmp_path: Path) -> None:
    """Seven pairs or forty-nine: the tick after nothing changed runs the same statements
    and commits (no query per pair or per series), and lists no series."""
    figures = []
    for n, url in ((2, db_url), (8, f"sqlite:///{tmp_path / 'big.db'}")):
        run = Run(url, settings_for, tree(n))
        run.tick(START)  # the rollout
        run.tick(START + 15 * MINUTE)  # the next run: works out what changed
        report = run.tick(START + 45 * MINUTE)
        assert report.occurrences is not None and report.occurrences.series == 0
        assert report.agenda is not None and report.agenda.injected == []
        figures.append((run.sql["statements"], run.sql["commits"]))
    assert figures[0] == figures[1], figures
    assert figures[0][1] <= 6, figures  # the directory, a few marks: not one per pair


@pytest.mark.slow
def test_stored_instants_change_nothing_a_tick_does(db_url: str, settings_for: Any,
                                                    tmp_path: Path) -> None:
    """Four weeks of ticks with meetings moved and cancelled in Outlook, the notes typed:
    the same Graph requests and the same outcomes, tick by tick, as a twin that works every
    series out afresh each time (the behaviour before the instants were stored)."""
    kept = Run(db_url, settings_for, tree(2))
    fresh = Run(f"sqlite:///{tmp_path / 'twin.db'}", settings_for, tree(2))
    now, outcomes, meddled = START, Counter[str](), False
    while now < START + timedelta(weeks=4):
        if not meddled and now >= START + timedelta(days=5):
            _meddle(kept, now)
            _meddle(fresh, now)
            meddled = True
        fresh.forget_instants()
        a, b = kept.tick(now), fresh.tick(now)
        assert _done(a) == _done(b), now
        assert [r[:2] for r in kept.tenant.requests] == [r[:2] for r in fresh.tenant.requests]
        outcomes.update(k for k, v in _done(a).items()
                        if (any(v) if isinstance(v, tuple) else v))
        now += timedelta(hours=7)  # never the same hour of the day twice in a row
    # The run did see every kind of work it compares.
    assert {"created", "listed", "changes", "absences", "agendas", "read"} <= set(outcomes), (
        outcomes)


def _meddle(run: Run, now: datetime) -> None:
    """Manager 0 moves their next meeting a day later and cancels the one after it; each of
    manager 1's reports books a day off on the day of their next meeting (the absence
    check moves those meetings, or leaves them when nothing is free)."""
    for view in run.store.views():
        if view.manager.email == "m1@contoso.example" and view.series is not None:
            nxt = next(s for s, _e in occurrences(view.series, now + timedelta(days=4),
                                                   now + timedelta(days=60)))
            run.tenant.add_absence(view.report.email, nxt.date(), nxt.date())
    manager = "m0@contoso.example"
    upcoming = sorted((occ.start, occ.event_id) for v in run.store.views()
                      if v.manager.email == manager
                      for occ in run.store.pairing_occurrences(v.pairing.id)
                      if occ.start > now + timedelta(days=2) and occ.event_id)
    assert len(upcoming) >= 2, upcoming
    (start, moved), (_, cancelled) = upcoming[0], upcoming[1]
    run.tenant.person_move(manager, moved, start + timedelta(days=1),
                           start + timedelta(days=1, minutes=30))
    run.tenant.person_cancel(manager, cancelled, "Sorry, away")


def test_changes_to_what_an_instant_depends_on_make_it_worked_out_again(db_url: str
                                                                        ) -> None:
    """A series' instant is emptied by any write to its pattern, to one of its meetings'
    times, states or agendas, or to its manager's working days; a write that changes none
    of those, or another manager's days, leaves it; a new lead time empties them all; and
    one worked out from rows read before such a write is not stored (another replica)."""
    now = START
    store = Store(make_engine(db_url))
    upgrade(store.engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia", None, True),
                         PersonUpdate("o", "o@x.test", "Oli", None, True),
                         PersonUpdate("r", "r@x.test", "Rob", None, False)], now)
    pairing = store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="weekly",
                                   minutes=30, reason="", source="directory", now=now)
    series = store.begin_series(SeriesRecord(
        pairing_id=pairing.id, mailbox="m", transaction_id="t", cadence="weekly", minutes=30,
        weekday=0, start_time="10:00", time_zone="Europe/London",
        first_date=date(2026, 11, 30), range_end=date(2027, 6, 1), created_at=now,
        updated_at=now))
    store.activate_series(series.id, event_id="e", ical_uid=None, now=now)
    slot = datetime(2026, 11, 30, 10, tzinfo=START.tzinfo)
    store.upsert_occurrences(series.id, [{"event_id": "o1", "original_start": slot,
                                          "start": slot, "end": slot + 30 * MINUTE,
                                          "status": "scheduled"}], now)
    occ = store.occurrences(series.id)[0]
    store.use_due_basis("lead=2")
    later = now + timedelta(days=3)

    def stored() -> datetime | None:
        return {one.series.id: None for one in store.series_due(now)}.get(series.id, later)

    def version() -> int:
        return store.series_views([series.id])[series.id].version

    def after(write: Any) -> bool:
        """Whether ``write`` emptied the instant (set to ``later`` before it)."""
        store.set_series_due({series.id: (later, version())})
        assert stored() == later
        write()
        return stored() is None

    assert after(lambda: store.update_occurrence(occ.id, now, agenda_state="injected"))
    assert after(lambda: store.update_occurrence(occ.id, now, start=slot + MINUTE))
    assert not after(lambda: store.update_occurrence(occ.id, now, question_id="q1"))
    assert not after(lambda: store.update_occurrence(occ.id, now, start=slot + MINUTE))
    assert after(lambda: store.update_series(series.id, now, start_time="11:00"))
    assert after(lambda: store.set_mailbox_info("m", time_zone="Europe/London", days=(0, 1),
                                                start="09:00", end="17:00", now=now))
    assert not after(lambda: store.set_mailbox_info("m", time_zone="Europe/Paris",
                                                    days=(0, 1), start="09:00", end="17:00",
                                                    now=now))
    assert not after(lambda: store.set_mailbox_info("o", time_zone=None, days=(2,),
                                                    start=None, end=None, now=now))
    assert not after(lambda: store.use_due_basis("lead=2"))
    assert after(lambda: store.use_due_basis("lead=3"))
    # An instant worked out from what was read before a write is not stored over it.
    read = version()
    store.update_occurrence(occ.id, now, agenda_state="pending")
    store.set_series_due({series.id: (later, read)})
    assert stored() is None


def test_a_clash_is_acted_on_as_soon_as_it_comes_within_the_look_ahead(
        db_url: str, settings_for: Any) -> None:
    """The overlap check is skipped while nothing changed and the first clash it saw lies
    past the look-ahead, and done again as the look-ahead reaches it: a clash nine weeks
    out (left by an earlier version) is moved on the first daily tick that sees it within
    [policy] free_busy_weeks, as a check on every tick would, and not before."""
    from service.domain.cadence import recurrence_for
    from service.domain.model import CadenceKind
    from service.domain.series import slot_of
    from service.graph.wire import series_move_patch
    from tests.integration.test_no_double_booking import (
        LOOK,
        NOW,
        _middle_org,
        _tick,
        one_to_ones,
        overlaps,
    )

    tenant, cfg = _middle_org(), settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    store = Store(make_engine(db_url))
    views = {v.report.email: v for v in store.views(["active"])}
    keep, move = views["mid@org.example"].series, views["rae@org.example"].series
    assert keep is not None and move is not None
    far = next(s for s, _e in occurrences(keep, NOW + timedelta(weeks=9), NOW + LOOK))
    slot = replace(slot_of(keep), first_date=far.astimezone(ZoneInfo(keep.time_zone)).date())
    patch = series_move_patch(slot=slot, minutes=move.minutes, body_html=None,
                              recurrence=recurrence_for(CadenceKind(move.cadence), slot,
                                                        move.range_end))

    async def go() -> None:
        async with job_context(cfg, NOW, sandbox=tenant) as ctx:
            await ctx.graph.update_event(move.mailbox, move.event_id or "", patch)

    asyncio.run(go())
    store.update_series(move.id, NOW, weekday=slot.weekday, week_index=slot.week_index,
                        start_time=keep.start_time, first_date=slot.first_date)
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    clashes = overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK))
    assert clashes, "the test's clash is in the calendars"
    look = timedelta(weeks=cfg.policy.free_busy_weeks)
    day, moved_on = NOW, None
    while moved_on is None and day < NOW + timedelta(weeks=9):
        day += timedelta(days=1)
        if _tick(cfg, tenant, day, "w").schedule.moved:
            moved_on = day
    assert moved_on is not None
    assert moved_on + look > far >= moved_on - timedelta(days=1) + look, (moved_on, far)
    assert overlaps(one_to_ones(tenant, emails, moved_on, moved_on + LOOK)) == []


def test_a_sync_with_nothing_new_gathers_nothing_yet_a_new_day_still_counts(
        db_url: str, settings_for: Any) -> None:
    """With the directory unchanged, a sync reads neither the stored directory nor the
    pairings (the last sync found nothing to do): the same counts, one request. A new
    starter's cadence still changes on the day their new-starter window ends, and a joiner
    is still paired at once."""
    tenant = SandboxTenant(seed="quiet", now=lambda: START)
    mia = tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2018, 1, 1))
    tenant.add_user("Rob Report", "rob@contoso.example", manager=mia,
                    hire_date=(START - timedelta(days=88)).date())
    run = Run(db_url, settings_for, tenant)
    seen: list[str] = []
    event.listen(run.store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement))
    assert run.tick(START).pairs.counts() == {"join": 1}
    assert run.tick(START + 15 * MINUTE).pairs.counts() == {"keep": 1}
    seen.clear()
    quiet = run.tick(START + 30 * MINUTE)
    assert quiet.pairs.counts() == {"keep": 1} and quiet.pairs.actions == []  # not gathered
    assert run.tenant.count("GET", r"^/users/delta") == 1
    assert not [s for s in seen if "FROM directory_users" in s], seen
    (rob,) = run.store.views(["active"])
    assert rob.pairing.cadence == "weekly"
    day = START
    while rob.pairing.cadence == "weekly":
        day += timedelta(days=1)
        assert day < START + timedelta(days=5), "the new-starter window never ended"
        run.tick(day)
        (rob,) = run.store.views(["active"])
    assert (day - START).days == 3  # 88 days in at the start: 91 on the third day
    tenant.add_user("Nia New", "nia@contoso.example", manager=mia, hire_date=date(2024, 1, 1))
    assert run.tick(day + MINUTE).pairs.counts().get("join") == 1


def test_meetings_mirrored_and_agendas_written_are_no_series_change(db_url: str,
                                                                     settings_for: Any
                                                                     ) -> None:
    """The state the overlap check is skipped on changes with series and pairings only:
    a week of ticks writing agendas and reading notes back leaves it as it was, so the
    check (every series expanded over weeks) is not redone for them."""
    run = Run(db_url, settings_for, tree(2))
    run.tick(START)
    run.tick(START + 15 * MINUTE)
    state, agendas = run.store.series_state(), 0
    for hours in range(6, 24 * 7, 6):
        report = run.tick(START + timedelta(hours=hours))
        assert report.agenda is not None and not report.schedule.created
        agendas += len(report.agenda.injected)
    assert agendas > 0
    assert run.store.series_state() == state
    assert run.store.due_mark("overlaps.clear_until") is not None


# What a tick with nothing due runs now, the directory sync included (issue 11: the cost of a
# quiet tick, paid by every tick of every deployment): the reads that find nothing due, each
# asked once, and how the run went. A read asked again, or one per step where one would do,
# shows here. (Before the reads were merged and passed down: 46.)
QUIET_TICK_STATEMENTS = 29


def test_a_tick_with_nothing_due_asks_each_question_once(db_url: str, settings_for: Any) -> None:
    """A tick after nothing changed runs no more statements than the few that tell it
    nothing is due, and one write of how it went."""
    run = Run(db_url, settings_for, tree(2))
    run.tick(START)  # the rollout
    run.tick(START + 15 * MINUTE)  # the next run: works out what changed
    run.tick(START + 45 * MINUTE)
    assert run.sql["statements"] <= QUIET_TICK_STATEMENTS, run.sql
