"""A series that could not be created is logged (schedule.failed) with the pair's
display names, though every sibling event names the pair by its pairing key: personal
names stay out of the log where avoidable."""

from __future__ import annotations

import asyncio
import logging

from service.app import job_context
from service.jobs.tick import tick
from service.logs import JsonFormatter
from tests.integration.test_agenda_loop import START, no_sleep, org


class Grab(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


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
