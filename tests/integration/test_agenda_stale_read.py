"""An agenda is written from the occurrence as the run's calendar read returned it only while
that read is fresh: a PATCH replaces the whole body, so in a run slowed down between its
reads and its agenda step (throttling, a large tenant), whatever the manager typed into the
invite meanwhile would be lost. Such an occurrence is read again just before it is written."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import service.jobs.tick as tick_module
from service.app import job_context
from service.jobs.context import SEEN_FRESH_SECONDS
from service.jobs.tick import tick
from tests.integration.test_agenda_loop import START, no_sleep, org

MIA = "mia@contoso.example"
TYPED = "Parking: level 2, bay 14"


def run(settings, tenant, now, *, minutes_between: float = 0):
    """One tick; after its calendar reads the manager types into each occurrence about to
    get its agenda, and the run takes ``minutes_between`` to reach its agenda step."""
    tenant.now = lambda: now
    typed_into: list[str] = []
    real_capture = tick_module.capture_notes

    async def capture_then_manager_types(ctx, at):
        result = await real_capture(ctx, at)
        for event_id in list(ctx.events_seen):
            html = tenant.person_body(MIA, event_id)
            tenant.person_edit_body(MIA, event_id, f"<p>{TYPED}</p>" + html)
            typed_into.append(event_id)
        ctx.started -= minutes_between * 60
        return result

    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tick_module, "capture_notes", capture_then_manager_types)
        return asyncio.run(go()), typed_into


def test_a_slow_run_reads_the_occurrence_again_before_writing_its_agenda(
        tmp_path, settings_for) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'stale.db'}")
    tenant = org()
    run(settings, tenant, START)  # the series are booked
    slow = SEEN_FRESH_SECONDS / 60 + 5
    result, typed_into = run(settings, tenant, START + timedelta(days=5), minutes_between=slow)
    assert result.agenda is not None and result.agenda.injected
    assert typed_into  # (the listing carried the occurrences the agendas went into)
    for event_id in typed_into:
        body = tenant.person_body(MIA, event_id)
        assert TYPED in body, "the manager's words were overwritten by the agenda"
        assert "onetoone-notes" in body  # and the agenda went in beside them
