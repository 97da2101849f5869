"""One step of a tick failing in a way its job did not foresee never keeps the later steps
(agendas, mail) from everyone: they run, and the tick reports the step."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

import service.jobs.tick as tick_module
from service.app import job_context
from service.domain.status import AgendaState
from service.jobs.tick import tick
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org


def _run(settings, tenant, now):
    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    tenant.now = lambda: now
    return asyncio.run(go())


def test_a_failing_step_leaves_the_later_steps_running(
        db_url, settings_for, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(db_url)
    tenant = org()
    first = _run(settings, tenant, START)
    assert first.failed_steps == []

    async def broken(ctx, now):  # a defect in reading notes back (stands in for any bug)
        raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(tick_module, "capture_notes", broken)
    # Two weeks on: agendas fall due for both pairs.
    later = START + timedelta(days=14)
    with caplog.at_level(logging.ERROR, logger="service.jobs.tick"):
        result = _run(settings, tenant, later)

    assert [line.split(":")[0] for line in result.failed_steps] == ["notes"]
    assert any(r.getMessage() == "tick.step_failed" and r.exc_info for r in caplog.records)
    # The steps after it ran: agendas went in for the meetings now due.
    assert result.agenda is not None and result.agenda.injected
    store = Store(make_engine(db_url))
    due = [o for v in store.views() for o in store.pairing_occurrences(v.pairing.id)
           if o.agenda_state == AgendaState.INJECTED]
    assert len(due) >= len(result.agenda.injected) >= 1
    assert result.mail is not None  # the outbox step ran too (nothing failed there)


@pytest.mark.parametrize("step", ["sync_pairs", "schedule"])
def test_a_failing_pairs_or_schedule_step_leaves_agendas_running(
        db_url, settings_for, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """The first two steps are no different: a defect there (or the database gone for a
    moment while booking) still leaves the meetings already booked their agendas and mail."""
    settings = settings_for(db_url)
    tenant = org()
    assert _run(settings, tenant, START).failed_steps == []

    async def broken(ctx, now, **_options):
        raise RuntimeError("a defect while " + step)

    monkeypatch.setattr(tick_module, step, broken)
    result = _run(settings, tenant, START + timedelta(days=14))
    assert [line.split(":")[0] for line in result.failed_steps] == [
        "pairs" if step == "sync_pairs" else "schedule"]
    assert result.agenda is not None and result.agenda.injected
    assert result.mail is not None
