"""A series that leaves Outlook without onetoone cancelling its meetings one by one: the
manager deletes it, or the manager's account (and mailbox) is deleted. Its meeting already
stored for its agenda is gone from both calendars; it must not be read later as a 1-2-1
that passed without notes (a "No notes yet" reminder to the manager, a missed 1-2-1 in the
HR report and the evidence) nor stay "still to come" and then "outcome unknown" for ever.
Through the sandbox tenant, weekly 1-2-1s with notes typed into each."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from service.app import job_context
from service.cli import cli
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.wire import GraphFault
from service.store.db import make_engine
from service.store.models import OutboxRow
from service.store.repo import Store

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
GONE = START + timedelta(days=28)  # a Monday: Rob's next 1-2-1 is stored, not yet held
END = START + timedelta(days=42)
LEA, MIA, ROB = "lea@contoso.example", "mia@contoso.example", "rob@contoso.example"


async def no_sleep(_s: float) -> None:
    """Retries don't wait in tests."""


def org() -> SandboxTenant:
    t = SandboxTenant(seed="series-gone", now=lambda: START)
    lea = t.add_user("Lea Leader", LEA, hire_date=date(2019, 1, 1))
    mia = t.add_user("Mia Manager", MIA, manager=lea, hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    return t


def simulate(settings: Any, gone: Any) -> tuple[Store, SandboxTenant]:
    """Every 12 hours a tick; after each meeting its manager types a note into it (while
    their mailbox exists); at GONE, ``gone(tenant, store)`` happens."""
    tenant, store = org(), Store(make_engine(settings.database.url))
    typed: set[int] = set()
    now, done = START, False
    while now < END:
        if not done and now >= GONE:
            gone(tenant, store)
            done = True
        tenant.now = lambda now=now: now

        async def go(now: datetime = now) -> Any:
            async with job_context(settings, now, sandbox=tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        asyncio.run(go())
        for view in store.views():
            if tenant.find_user(view.manager.email) is None:
                continue
            for occ in store.pairing_occurrences(view.pairing.id):
                if occ.id in typed or not occ.end < now < occ.end + timedelta(hours=20):
                    continue
                try:
                    body = tenant.person_body(view.manager.email, occ.event_id)
                except GraphFault:
                    continue  # deleted in Outlook
                if 'id="onetoone-notes"' in body:
                    tenant.person_edit_body(view.manager.email, occ.event_id, re.sub(
                        r'(id="onetoone-notes"[^>]*>)', r"\1<p>Discussed</p>", body))
                    typed.add(occ.id)
        now += timedelta(hours=12)
    tenant.save(settings.microsoft.sandbox_state)
    return store, tenant


def rob_with_mia(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Mia & Rob's line of the HR report, as an admin gets it."""
    out = tmp_path / "report"
    env = {"ONETOONE_DATABASE_URL": settings.database.url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(settings.microsoft.sandbox_state)}
    result = CliRunner().invoke(cli, [
        "report", "--from", f"{START:%Y-%m-%d}", "--to", f"{END:%Y-%m-%d}",
        "--now", END.isoformat(), "--format", "json", "--out", str(out)], env=env,
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "report.json").read_text())["pairs"]
    return next(r for r in rows if r["manager_email"] == MIA and r["report_email"] == ROB)


def stored_after(store: Store, when: datetime) -> list[Any]:
    view = next(v for v in store.views() if v.manager.email == MIA and v.report.email == ROB)
    return [o for o in store.pairing_occurrences(view.pairing.id) if o.start >= when]


def test_meeting_of_a_series_the_manager_deleted_is_not_missed(settings_for, tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'deleted.db'}", default_cadence="weekly")

    def delete_series(tenant: SandboxTenant, store: Store) -> None:
        view = next(v for v in store.views() if v.report.email == ROB)
        assert stored_after(store, GONE), "no meeting was stored ahead of its time"
        tenant.person_cancel(MIA, view.series.event_id)  # the whole series, in Outlook

    store, _tenant = simulate(settings, delete_series)
    with store.session() as s:
        kinds = list(s.scalars(select(OutboxRow.kind)))
    assert "reminder" not in kinds  # Mia typed notes into every meeting that took place
    row = rob_with_mia(settings, tmp_path)
    assert row["status"] == "series_deleted"
    assert (row["planned"], row["held"], row["missed"], row["held_no_notes"],
            row["upcoming"], row["outcome_unknown"]) == (3, 3, 0, 0, 0, 0)
    # Nothing is left of that meeting to read back, to remind anyone of, or to count.
    assert stored_after(store, GONE) == []


def test_meeting_of_a_deleted_managers_series_is_not_still_to_come(settings_for,
                                                                   tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'leaver.db'}", default_cadence="weekly")

    def manager_deleted(tenant: SandboxTenant, store: Store) -> None:
        assert stored_after(store, GONE), "no meeting was stored ahead of its time"
        tenant.remove_user(MIA)  # her account and mailbox
        tenant.set_manager(ROB, LEA)

    store, _tenant = simulate(settings, manager_deleted)
    row = rob_with_mia(settings, tmp_path)
    assert row["status"] == "ended"
    assert (row["planned"], row["held"], row["missed"], row["upcoming"],
            row["outcome_unknown"]) == (3, 3, 0, 0, 0)
    assert stored_after(store, GONE) == []  # removed from Rob's calendar, not to come
