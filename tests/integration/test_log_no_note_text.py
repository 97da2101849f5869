"""A database error while keeping a mailed private note must not put the note's text in the
log: SQLAlchemy's error carries the statement's parameters, and the job logs the chained
traceback at ERROR (and tries the mail again every run)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from collections import OrderedDict
from datetime import date, timedelta

import sqlalchemy

import service.store.db as db
from service.app import job_context
from service.domain.topics import private_address
from service.jobs.tick import tick
from service.logs import JsonFormatter
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

BOX = "onetoone@contoso.example"
SECRET = "PRIVATE-NOTE-CANARY Rob disclosed a health condition"


class Grab(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_a_failed_write_of_a_private_note_keeps_its_text_out_of_the_log(
        tmp_path, settings_for, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    base = settings_for(url)
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = org()
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    store = Store(make_engine(url))

    async def run_at(now, sync=True):
        tenant.now = lambda: now
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now, sync=sync)

    asyncio.run(run_at(START))
    asyncio.run(run_at(START + timedelta(days=5)))
    rob = next(v for v in store.views() if v.report.email == "rob@contoso.example")
    later = START + timedelta(days=5, hours=2)
    tenant.now = lambda: later
    compose(tenant, "mia@contoso.example", [private_address(BOX, rob.pairing.key)],
            "Private note", f"<p>{SECRET}</p>")

    # The database is busy with another writer (a CLI command, a backup) for the whole run:
    # short busy timeout so the test is quick (an engine of its own: not the one kept from
    # the runs above); the error is the real one.
    real = sqlalchemy.create_engine
    monkeypatch.setattr(db, "create_engine",
                        lambda u, **kw: real(u, **{**kw, "connect_args": {"timeout": 0.2}}))
    monkeypatch.setattr(db, "_engines", OrderedDict())
    blocker = sqlite3.connect(str(tmp_path / "t.db"), timeout=0.2)
    blocker.execute("BEGIN IMMEDIATE")
    grab = Grab()
    logging.getLogger().addHandler(grab)
    try:
        asyncio.run(run_at(later + timedelta(minutes=5), sync=False))
    finally:
        logging.getLogger().removeHandler(grab)
        blocker.rollback()
        blocker.close()
    leaked = [line for line in grab.lines if "PRIVATE-NOTE-CANARY" in line]
    assert grab.lines
    assert not leaked, leaked[0][:3000]
