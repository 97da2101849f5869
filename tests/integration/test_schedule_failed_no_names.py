"""A series that could not be created is logged (schedule.failed) with the pairing key,
as every sibling event names the pair, never the people's display names: personal names
stay out of the log where avoidable."""

from __future__ import annotations

import asyncio
import logging

from service.app import job_context
from service.jobs.tick import tick
from tests.integration.test_agenda_loop import START, no_sleep, org
from tests.integration.test_log_no_note_text import Grab


def test_schedule_failed_names_the_pair_by_key_not_by_names(tmp_path, settings_for) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 't.db'}")
    tenant = org()
    tenant.inject_fault("POST", r"/events$", 403, times=50)  # every create refused

    async def go():
        async with job_context(settings, START, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, START)

    grab = Grab()
    logging.getLogger().addHandler(grab)
    try:
        result = asyncio.run(go())
    finally:
        logging.getLogger().removeHandler(grab)
    assert result.schedule.failed  # the scenario happened
    failed = [line for line in grab.lines if '"schedule.failed"' in line]
    assert failed
    leaked = [line for line in failed if "Rob Report" in line or "Mia Manager" in line]
    assert not leaked, leaked[0]
