"""What the absence check asks Graph when several managers are due in one run: their
questions share getSchedule calls, and a call refused for its organizer's mailbox never
costs another manager their check."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from service.app import job_context
from service.domain.events import ScheduleQuery
from service.graph.client import GraphClient
from service.jobs.absences import AbsenceReport, check_absences
from service.jobs.occurrences import sync_occurrences
from service.sandbox import SandboxTenant, SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    KIM,
    LEA,
    LONDON,
    MIA,
    OLA,
    ROB,
    START,
    YAN,
    ZED,
    no_sleep,
    org,
    run_tick,
    settings_at,
)

BASE = "https://graph.sandbox.invalid/v1.0"
CHRISTMAS_DUE = datetime(2026, 12, 23, 6, 0, tzinfo=UTC)  # Friday 25th's agendas fall due


def christmas(tmp: Path, name: str) -> tuple[object, SandboxTenant, Store]:
    """The three managers' org ticked up to just before the Christmas meetings are due."""
    db = f"sqlite:///{tmp / name}"
    settings = settings_at(tmp, db)
    tenant = org()
    for step in range(0, 44):
        run_tick(settings, tenant, START + timedelta(hours=12 * step))
    return settings, tenant, Store(make_engine(db))


def check(settings: object, tenant: SandboxTenant, now: datetime, block: str = ""
          ) -> AbsenceReport:
    """The occurrence sync, then (counted alone) the absence check; ``block`` is a mailbox
    taken out of the app's scope between the two."""
    tenant.now = lambda: now

    async def go() -> AbsenceReport:
        async with job_context(settings, now, sandbox=tenant,  # type: ignore[arg-type]
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, now)
            if block:
                tenant.block_mailbox(block)
            tenant.reset_counters()
            return await check_absences(ctx, now)

    return asyncio.run(go())


def christmas_row(store: Store, email: str):
    view = next(v for v in store.views() if v.report.email == email)
    return next(o for o in store.pairing_occurrences(view.pairing.id)
                if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25))


def schedule_calls(tenant: SandboxTenant) -> list[str]:
    return [p for m, p, _ in tenant.requests if m == "POST" and p.endswith("/getSchedule")]


def test_three_managers_due_together_are_one_call_of_seven_addresses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, tenant, store = christmas(tmp_path, "one.db")
    asked: list[ScheduleQuery] = []
    original = GraphClient.schedule_items_many

    async def spy(self: GraphClient, queries: Sequence[ScheduleQuery], **kw):  # type: ignore[no-untyped-def]
        asked.extend(queries)
        return await original(self, queries, **kw)

    monkeypatch.setattr(GraphClient, "schedule_items_many", spy)
    report = check(settings, tenant, CHRISTMAS_DUE)
    assert report.checked == 4 and len(report.moved) == 4 and report.failed == []
    assert len(schedule_calls(tenant)) == 1 and len(asked) == 1
    assert set(asked[0].emails) == {MIA, ROB, OLA, ZED, YAN, KIM, LEA}
    # The one window spans every meeting's needs: 16 days each side of each, as stored
    # before the moves (the start is the original one; end = start + its length).
    rows = [christmas_row(store, e) for e in (ROB, OLA, YAN, LEA)]
    assert asked[0].start <= min(o.original_start for o in rows) - timedelta(days=16)
    assert asked[0].end >= max(o.original_start + (o.end - o.start) for o in rows) + timedelta(
        days=16)
    assert asked[0].end - asked[0].start <= timedelta(days=61)


def test_a_refused_organizer_never_stops_another_managers_check(tmp_path: Path) -> None:
    """Mia's mailbox is outside the app's scope: the packed call asked through it is
    refused; Zed and Kim are asked again through their own mailboxes and their meetings
    move; only Mia's are reported unreadable (tried again next run)."""
    settings, tenant, store = christmas(tmp_path, "refused.db")
    mia_id = tenant.user(MIA)["id"]
    report = check(settings, tenant, CHRISTMAS_DUE, block=MIA)
    calls = schedule_calls(tenant)
    # The packed call went through Mia's mailbox (her meeting is the earliest), then one
    # call per manager; nothing else is asked.
    assert f"/users/{mia_id}/" in calls[0] and len(calls) == 4
    assert sorted(report.failed) == sorted(
        f"Mia Boss & {name} Report 2026-12-25: free/busy not readable" for name in ("Rob", "Ola"))
    assert report.checked == 2 and len(report.moved) == 2
    for email in (YAN, LEA):
        assert christmas_row(store, email).absence_state == "moved", email
    for email in (ROB, OLA):
        occ = christmas_row(store, email)
        assert occ.absence_checked_at is None and occ.start == occ.original_start, email
    # Back in scope, the next run checks Mia's two: one call, and the others aren't asked.
    tenant.block_mailbox(MIA, blocked=False)
    later = check(settings, tenant, CHRISTMAS_DUE + timedelta(hours=1))
    assert later.checked == 2 and len(later.moved) == 2 and len(schedule_calls(tenant)) == 1


def test_the_sandbox_refuses_more_schedules_than_graph_takes() -> None:
    """Graph answers 101 addresses with ErrorMailboxDataArrayTooBig (its documented figure is
    20, which is what the client sends at most); 100 are answered, unknown ones as errors."""
    tenant = org()

    async def ask(n: int) -> httpx.Response:
        who = [MIA] + [f"nobody{i}@contoso.example" for i in range(n - 1)]
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            return await c.post(
                f"/users/{MIA}/calendar/getSchedule",
                json={"schedules": who,
                      "startTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
                      "endTime": {"dateTime": "2026-12-08T00:00:00", "timeZone": "UTC"},
                      "availabilityViewInterval": 1440})

    too_many = asyncio.run(ask(101))
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == "ErrorMailboxDataArrayTooBig"
    answered = asyncio.run(ask(100))
    assert answered.status_code == 200
    values = answered.json()["value"]
    assert len(values) == 100 and "error" not in values[0] and "error" in values[1]
