"""Another worker ends a pair (a mover, a leaver) between this run's read of the outbox and
its claim of a mail for that pair. The claim re-checks the pair: the mail stays pending and
the next run decides on the pair as it is now, so a reminder does not go with times to book
for a pair that no longer meets, and a summary does not go to a leaver's mailbox (a mover's
still goes, a run later)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.app import job_context
from service.jobs.outbox import send_outbox
from service.store.repo import Store
from tests.integration.test_agenda_loop import no_sleep
from tests.integration.test_mail import Scenario
from tests.integration.test_rebook import (
    NIA,
    ROB,
    World,
    _held_without_notes,
    links,
    reminders,
)

HOUR = timedelta(hours=1)


def _sent_while(settings: Any, tenant: Any, now: datetime,
                meanwhile: Callable[[Store], None]) -> None:
    """One run's send step, during which another worker does ``meanwhile`` to the store
    after this run read the outbox and before it claims the first mail."""
    tenant.now = lambda: now

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            claim, done = ctx.store.claim_mail, []

            def claim_after_the_other(mail_id: int, at: datetime, **kw: Any) -> bool:
                if not done:
                    meanwhile(ctx.store)
                    done.append(True)
                return claim(mail_id, at, **kw)

            ctx.store.claim_mail = claim_after_the_other  # type: ignore[method-assign]
            await send_outbox(ctx, now)

    asyncio.run(go())


def test_a_reminder_is_not_sent_with_times_for_a_pair_ended_meanwhile(
        tmp_path: Any, settings_for: Any, db_url: str) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    rob, end = _held_without_notes(world)
    world.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    world.tick(end + 25 * HOUR)
    (row,) = [m for m in world.store.outbox() if m.kind == "reminder"]
    assert row.status == "pending" and world.store.rebooks()[0].token in row.body_html

    def moved(store: Store) -> None:  # the other worker's sync: Rob moved to Nia
        world.tenant.set_manager(ROB, NIA)
        store.end_pairing(rob.pairing.key, "moved to Nia Manager", end + 26 * HOUR)

    _sent_while(world.settings, world.tenant, end + 26 * HOUR, moved)
    assert [links(m) for m in reminders(world)] in ([], [[]]), \
        "times to book went for a pair that had ended"
    world.tick(end + 27 * HOUR)
    (reminder,) = reminders(world)
    assert links(reminder) == []
    assert world.store.rebooks()[0].status == "expired"


@pytest.fixture
def scenario(db_url: str, settings_for: Any) -> Scenario:
    return Scenario(settings_for(db_url))


def _summary_rows(s: Scenario) -> list[Any]:
    return [m for m in s.store.outbox() if m.key == f"{s.occ.id}:summary"]


@pytest.mark.parametrize("how", ["left", "moved"])
def test_a_summary_waits_for_the_next_run_when_the_pair_ended_meanwhile(
        scenario: Scenario, how: str) -> None:
    """Rob leaves (his account disabled): his mailbox gets no summary, then or later. Rob
    moves to Nia: both are still here, and the summary goes (once, if a run later)."""
    s = scenario
    s.type_notes()
    s.tenant.inject_fault("POST", r"/sendMail$", 401, times=1)
    s.after_meeting()
    (row,) = _summary_rows(s)
    assert row.status == "pending"
    now = s.occ.end + 2 * HOUR

    def ended(store: Store) -> None:  # the other worker's sync
        if how == "left":
            s.tenant.disable_user(ROB)
            store.mark_absent({p.id for v in store.views() for p in (v.manager, v.report)
                               if p.email != ROB})
        else:
            s.tenant.set_manager(ROB, NIA)
        store.end_pairing(s.rob.pairing.key, f"Rob Report {how}", now)

    _sent_while(s.settings, s.tenant, now, ended)
    if how == "left":
        assert s.summaries() == [], "a summary went to the leaver's mailbox"
    s.after_meeting(hours=3)
    s.after_meeting(hours=4)
    (row,) = _summary_rows(s)
    if how == "left":
        assert s.summaries() == [] and row.status == "suppressed", row
        assert "Rob Report left" in row.last_error, row
    else:
        assert len(s.summaries()) == 1 and row.status == "sent", row
