"""Someone renamed in the directory (a marriage, a transition, a spelling put right) is no
longer shown by the old name in every 1-2-1 still to come. A series is booked six months
ahead with both names in its subject; the rename used to reach the agendas and mails but not
the subject, so the old name stayed in both calendars until a follow-on series, months on.

Now the pairs sync marks the pair's series and the same run updates the master's subject:
one request a series, once (a run killed or refused before Graph took it sends it again),
the agendas already written kept. Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.sandbox.occurrences import calendar_items
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_mail import Scenario

ROB = "rob@contoso.example"
MIA = "mia@contoso.example"


def subjects(scenario: Scenario, email: str, start: Any) -> set[str]:
    """The subjects of Mia and Rob's 1-2-1s to come in ``email``'s calendar."""
    uid = scenario.tenant.user(email)["id"]
    return {e["subject"] for e in calendar_items(scenario.tenant, uid, start,
                                                 start + timedelta(days=180))
            if not e.get("isCancelled") and "Mia" in e["subject"] and "Rob" in e["subject"]}


def test_a_rename_updates_the_subject_of_the_meetings_to_come_once(
        db_url: str, settings_for: Any) -> None:
    scenario = Scenario(settings_for(db_url))
    occ, series = scenario.occ, scenario.rob.series
    assert series is not None and series.event_id
    now = scenario.occ.start - timedelta(hours=20)  # its agenda is in
    assert scenario.store.occurrence(occ.id).agenda_state == "injected"
    before = scenario.tenant.person_body(MIA, occ.event_id)
    assert subjects(scenario, ROB, now) == {"1-2-1: Mia Manager & Rob Report"}

    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    master = rf"^/users/[^/]+/events/{series.event_id}$"
    scenario.tenant.inject_fault("PATCH", master, 503, times=1)  # Graph down for it once
    first = scenario.at(now)
    assert first.schedule.renamed == [] and len(first.schedule.failed) == 1
    assert "Mia Manager & Rob Renamed (mia@contoso.example's calendar)" in (
        first.schedule.failed[0])
    assert subjects(scenario, ROB, now) == {"1-2-1: Mia Manager & Rob Report"}

    second = scenario.at(now + timedelta(hours=1))  # tried again: the mark stayed
    assert second.schedule.renamed == ["Mia Manager & Rob Renamed"]
    for email in (MIA, ROB):  # every meeting to come, the one with its agenda too
        assert subjects(scenario, email, now) == {"1-2-1: Mia Manager & Rob Renamed"}, email
    assert scenario.tenant.person_body(MIA, occ.event_id) == before  # its agenda stays
    patches = scenario.tenant.count("PATCH", master)
    assert patches == 2  # the refused one and the one Graph took

    third = scenario.at(now + timedelta(hours=2))  # done: nothing sent again
    assert third.schedule.renamed == [] and third.schedule.failed == []
    assert scenario.tenant.count("PATCH", master) == patches
    # Mia's other pairs were not renamed: their series were not touched.
    others = [v.series for v in scenario.store.views() if v.manager.email == MIA
              and v.report.email != ROB and v.series is not None]
    assert others and all(scenario.tenant.count("PATCH", rf"/events/{s.event_id}$") == 0
                          for s in others)


def test_a_manager_renamed_updates_each_of_her_pairs(db_url: str, settings_for: Any) -> None:
    scenario = Scenario(settings_for(db_url))
    now = scenario.occ.start - timedelta(hours=20)
    mine = [v for v in scenario.store.views() if v.manager.email == MIA and v.series]
    assert len(mine) >= 2
    scenario.tenant.user(MIA)["displayName"] = "Mia Married"
    done = scenario.at(now)
    assert sorted(done.schedule.renamed) == sorted(
        f"Mia Married & {v.report.name}" for v in mine)
    uid = scenario.tenant.user(MIA)["id"]
    names = {e["subject"] for e in calendar_items(scenario.tenant, uid, now,
                                                  now + timedelta(days=180))
             if e["subject"].startswith("1-2-1: Mia")}
    assert names == {f"1-2-1: Mia Married & {v.report.name}" for v in mine}


def test_the_pairs_own_series_keeps_its_subject_through_a_rename(
        db_url: str, settings_for: Any) -> None:
    from tests.integration.test_adoption_search import _run
    from tests.integration.test_own_series import _own, _view
    from tests.integration.test_schedule_job import NOW, org

    tenant = org()
    own_id = _own(tenant, MIA, [ROB], subject="Rob / Mia catch-up")
    settings = settings_for(db_url)
    assert "Mia Manager & Rob Report" in _run(settings, tenant, NOW).schedule.adopted
    made_private = tenant.count("PATCH", rf"/events/{own_id}$")  # (at adoption)
    tenant.user(ROB)["displayName"] = "Rob Renamed"
    done = _run(settings, tenant, NOW + timedelta(hours=1))
    assert done.schedule.renamed == [] and done.schedule.failed == []
    assert tenant.count("PATCH", rf"/events/{own_id}$") == made_private
    assert tenant.state["events"][tenant.user(MIA)["id"]][own_id]["subject"] == (
        "Rob / Mia catch-up")
    # Settled, not left to be looked at on every run.
    assert Store(make_engine(db_url)).renames_due() == []
    assert _view(db_url, ROB).report.name == "Rob Renamed"


def _run_as(scenario: Scenario, now: Any, worker: str) -> Any:
    """One tick of ``scenario`` as the replica ``worker`` (its own engine, as a process)."""
    import asyncio

    from service.app import job_context
    from service.jobs.tick import tick
    from tests.integration.test_mail import no_sleep

    scenario.tenant.now = lambda: now

    async def go() -> Any:
        async with job_context(scenario.settings, now, sandbox=scenario.tenant,
                               store=Store(make_engine(scenario.settings.database.url)),
                               graph_options={"sleep": no_sleep}) as ctx:
            ctx.worker_id = worker
            return await tick(ctx, now)

    return asyncio.run(go())


def test_two_replicas_at_once_update_the_subject_once(
        db_url: str, settings_for: Any, monkeypatch: Any) -> None:
    """Replica B runs its whole tick while replica A's subject update is on its way to
    Graph: B leaves the series to A (A holds its pair), and the report gets one update."""
    import threading

    from service.graph.client import GraphClient

    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None and series.event_id
    now = scenario.occ.start - timedelta(hours=20)
    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    update = GraphClient.update_event
    other: list[Any] = []
    started: list[bool] = []

    async def racing(self: GraphClient, mailbox: str, event_id: str,
                     patch: dict[str, Any]) -> Any:
        if event_id == series.event_id and "subject" in patch and not started:
            started.append(True)
            # B's run, start to end, on its own thread (and event loop), in the meantime.
            b = threading.Thread(target=lambda: other.append(_run_as(scenario, now, "b")))
            b.start()
            b.join()
        return await update(self, mailbox, event_id, patch)

    monkeypatch.setattr(GraphClient, "update_event", racing)
    a = _run_as(scenario, now, "a")
    assert other, "replica B did not run"
    assert sorted(a.schedule.renamed + other[0].schedule.renamed) == [
        "Mia Manager & Rob Renamed"]
    assert a.schedule.failed == [] and other[0].schedule.failed == []
    master = rf"^/users/[^/]+/events/{series.event_id}$"
    assert scenario.tenant.count("PATCH", master) == 1
    assert subjects(scenario, ROB, now) == {"1-2-1: Mia Manager & Rob Renamed"}
    assert scenario.store.renames_due() == []


def test_a_run_killed_after_the_update_sends_no_second_one(
        db_url: str, settings_for: Any) -> None:
    """Killed after Graph took the subject but before the mark was cleared: the next run
    finds the master already named so, clears the mark and sends the report no second
    update."""
    from sqlalchemy import update

    from service.store.models import SeriesRow

    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None and series.event_id
    now = scenario.occ.start - timedelta(hours=20)
    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    assert scenario.at(now).schedule.renamed == ["Mia Manager & Rob Renamed"]
    # As if the run died right after the PATCH: the mark is still there.
    with make_engine(scenario.settings.database.url).begin() as conn:
        conn.execute(update(SeriesRow).where(SeriesRow.id == series.id)
                     .values(rename_due_at=now))
    assert [s.id for s, _at in scenario.store.renames_due()] == [series.id]
    scenario.tenant.reset_counters()
    again = scenario.at(now + timedelta(hours=1))
    master = rf"^/users/[^/]+/events/{series.event_id}$"
    assert scenario.tenant.count("PATCH", master) == 0
    assert again.schedule.failed == []
    assert scenario.store.renames_due() == []
    assert subjects(scenario, ROB, now) == {"1-2-1: Mia Manager & Rob Renamed"}


def test_a_series_the_manager_deleted_is_not_said_renamed(
        db_url: str, settings_for: Any) -> None:
    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None and series.event_id
    scenario.tenant.person_cancel(MIA, series.event_id)  # the whole series, in Outlook
    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    done = scenario.at(scenario.occ.start - timedelta(hours=20))
    assert "Mia Manager & Rob Renamed" not in done.schedule.renamed
    assert done.schedule.failed == []
    assert scenario.tenant.count("PATCH", rf"/events/{series.event_id}$") == 0
    assert all(s.id != series.id for s, _at in scenario.store.renames_due())


def test_a_subject_the_manager_rewrote_in_outlook_is_left_as_she_wrote_it(
        db_url: str, settings_for: Any) -> None:
    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None and series.event_id
    master = scenario.tenant.state["events"][scenario.tenant.user(MIA)["id"]][series.event_id]
    master["subject"] = "Rob & Mia weekly catch-up"  # changed in Outlook, whole series
    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    done = scenario.at(scenario.occ.start - timedelta(hours=20))
    assert done.schedule.renamed == [] and done.schedule.failed == []
    assert scenario.tenant.count("PATCH", rf"/events/{series.event_id}$") == 0
    assert master["subject"] == "Rob & Mia weekly catch-up"
    assert all(s.id != series.id for s, _at in scenario.store.renames_due())


def test_a_second_rename_at_the_same_instant_is_not_lost(
        db_url: str, settings_for: Any, monkeypatch: Any) -> None:
    """Replica B's sync, run at the same instant as A's (`tick --now` replays, or a clock
    read twice within its resolution), renames Rob again while A's update with the first
    name is on its way to Graph. The mark B left had the same instant as the one A read, so
    A cleared it, and the second name never reached the subject: Mia's and Rob's calendars
    kept the first name for good. A's clear now leaves a mark made for names other than
    the ones it wrote; the next run writes the second name."""
    import threading

    from service.graph.client import GraphClient

    scenario = Scenario(settings_for(db_url))
    series = scenario.rob.series
    assert series is not None and series.event_id
    now = scenario.occ.start - timedelta(hours=20)
    scenario.tenant.user(ROB)["displayName"] = "Rob Renamed"
    update = GraphClient.update_event
    other: list[Any] = []

    async def racing(self: GraphClient, mailbox: str, event_id: str,
                     patch: dict[str, Any]) -> Any:
        if event_id == series.event_id and "subject" in patch and not other:
            scenario.tenant.user(ROB)["displayName"] = "Rob Second"
            b = threading.Thread(target=lambda: other.append(_run_as(scenario, now, "b")))
            b.start()
            b.join()
        return await update(self, mailbox, event_id, patch)

    monkeypatch.setattr(GraphClient, "update_event", racing)
    a = _run_as(scenario, now, "a")
    assert a.schedule.renamed == ["Mia Manager & Rob Renamed"] and other
    assert Store(make_engine(scenario.settings.database.url)).views_of_pairings(
        [scenario.rob.pairing.id])[scenario.rob.pairing.id].report.name == "Rob Second"
    monkeypatch.setattr(GraphClient, "update_event", update)
    later = scenario.at(now + timedelta(hours=1))
    assert later.schedule.renamed == ["Mia Manager & Rob Second"], later.schedule
    for email in (MIA, ROB):
        assert subjects(scenario, email, now) == {"1-2-1: Mia Manager & Rob Second"}, email
    assert scenario.store.renames_due() == []
