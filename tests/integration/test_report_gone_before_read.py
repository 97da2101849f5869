"""A 1-2-1 ends, and before onetoone reads its notes back the manager deletes the series in
Outlook, or cuts it short there (*this and all following events* on that meeting): the
meeting went with the series, notes and all. Nobody cancelled it: what happened at it is
not known, and the HR report and the evidence record say so (outcome not known), not
"cancelled" (a missed 1-2-1). Through the sandbox tenant, weekly 1-2-1s with notes typed
into each."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from service.app import job_context
from service.cli import cli
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import start_of
from service.sandbox.wire import GraphFault
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_report_series_gone import (
    END,
    MIA,
    ROB,
    START,
    no_sleep,
    org,
    rob_with_mia,
)

HELD_FIRST = 3  # meetings held (notes typed) before the one the series takes with it


def _rob_view(store: Store) -> Any:
    return next(v for v in store.views() if v.manager.email == MIA and v.report.email == ROB)


def _gone(tenant: SandboxTenant, store: Store, occ: Any, cut: bool) -> None:
    series = store.series(occ.series_id)
    assert series is not None and series.event_id
    if not cut:
        tenant.person_cancel(MIA, series.event_id)  # the whole series, in Outlook
        return
    # "This and all following events" on the meeting just held: the range ends the day
    # before it, and that meeting is gone with the ones after it.
    master = tenant.state["events"][tenant.user(MIA)["id"]][series.event_id]
    recurrence = dict(master["recurrence"])
    recurrence["range"] = {**recurrence["range"], "endDate": (
        occ.original_start.astimezone(ZoneInfo(series.time_zone)).date()
        - timedelta(days=1)).isoformat()}
    first = start_of(master)
    tenant.person_retime_series(MIA, series.event_id, first,
                                first + timedelta(minutes=series.minutes), recurrence)


def simulate(settings: Any, cut: bool) -> Any:
    """Every 12 hours a tick; after each meeting Mia types a note into it, until the
    (HELD_FIRST + 1)th has ended: before the tick that would read it back, the series
    goes (deleted, or cut short on it)."""
    tenant, store = org(), Store(make_engine(settings.database.url))
    upgrade(store.engine)  # (the first tick would, after the first look at the store)
    typed: set[int] = set()
    gone: list[Any] = []
    now = START
    while now < END:
        tenant.now = lambda now=now: now
        if not gone and store.views():
            ended = [o for o in store.pairing_occurrences(_rob_view(store).pairing.id)
                     if o.end < now]
            if len(ended) > HELD_FIRST:
                occ = ended[HELD_FIRST]
                assert occ.captured_at is None and occ.status == "scheduled", occ
                _gone(tenant, store, occ, cut)
                gone.append(occ)

        async def go(now: Any = now) -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        asyncio.run(go())
        for view in store.views():
            for occ in store.pairing_occurrences(view.pairing.id):
                if occ.id in typed or not occ.end < now < occ.end + timedelta(hours=20):
                    continue
                try:
                    body = tenant.person_body(view.manager.email, occ.event_id)
                except GraphFault:
                    continue  # gone from Outlook
                if 'id="onetoone-notes"' in body:
                    tenant.person_edit_body(view.manager.email, occ.event_id, re.sub(
                        r'(id="onetoone-notes"[^>]*>)', r"\1<p>Discussed</p>", body))
                    typed.add(occ.id)
        now += timedelta(hours=12)
    tenant.save(settings.microsoft.sandbox_state)
    assert gone, "no meeting ended before the series went"
    return store, gone[0]


@pytest.mark.parametrize("cut", [False, True], ids=["deleted", "cut-short"])
def test_a_meeting_gone_with_its_series_before_its_read_back_is_not_known(
        settings_for: Any, tmp_path: Path, cut: bool) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'gone.db'}", default_cadence="weekly")
    store, occ = simulate(settings, cut)
    after = store.occurrence(occ.id)
    assert after is not None and after.status != "cancelled", (
        "a meeting nobody cancelled is recorded as cancelled")
    row = rob_with_mia(settings, tmp_path)
    assert (row["held"], row["missed"], row["cancelled"], row["outcome_unknown"]) == (
        HELD_FIRST, 0, 0, 1)
    out = tmp_path / "rob.html"
    env = {"ONETOONE_DATABASE_URL": settings.database.url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(settings.microsoft.sandbox_state)}
    result = CliRunner().invoke(cli, [
        "evidence", ROB, "--from", f"{START:%Y-%m-%d}", "--to", f"{END:%Y-%m-%d}",
        "--now", END.isoformat(), "--out", str(out)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("passed, outcome not known") == 1
    assert "cancelled" not in page
