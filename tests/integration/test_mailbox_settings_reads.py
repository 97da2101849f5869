"""Mailbox settings (time zone, working hours) are read once per person per run, and read
again only when the stored ones are a week old or the directory reports a change to the
person (issue 11: a 1,000-person rollout read them 1,179 times)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from service.app import job_context
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_directory_delta import NOW, org

SETTINGS_READ = r"/mailboxSettings$"


def _read_in_tick(settings: Any, tenant: SandboxTenant, now: datetime) -> list[str]:
    """Whose mailbox settings one tick read (user ids, in order)."""
    tenant.now = lambda: now
    before = len(tenant.requests)

    async def go() -> None:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            report = await tick(ctx, now)
            assert report.schedule.failed == [], report.schedule.failed

    asyncio.run(go())
    return [who or "" for method, path, who in tenant.requests[before:]
            if method == "GET" and path.endswith("/mailboxSettings")]


def test_each_person_is_read_once_and_again_only_when_stale_or_changed(db_url: str,
                                                                      settings_for: Any
                                                                      ) -> None:
    """Mia is a report of the chief and the manager of two: read once in the rollout. A
    new report of hers costs one read (the newcomer's); after the directory reports a
    change to Mia, she is read again with the next newcomer; a week on, the chief too."""
    settings = settings_for(db_url)
    tenant = org()
    ids = {email: tenant.user(email)["id"] for email in
           ("ceo@contoso.example", "mia@contoso.example", "rob@contoso.example",
            "nia@contoso.example")}
    first = _read_in_tick(settings, tenant, NOW)
    assert sorted(first) == sorted(ids.values())

    ben = tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example")
    assert _read_in_tick(settings, tenant, NOW + timedelta(hours=1)) == [ben["id"]]

    tenant.user("mia@contoso.example")["displayName"] = "Mia Moved"  # users/delta tells
    zoe = tenant.add_user("Zoe New", "zoe@contoso.example", manager="mia@contoso.example")
    assert sorted(_read_in_tick(settings, tenant, NOW + timedelta(hours=2))) == sorted(
        [ids["mia@contoso.example"], zoe["id"]])

    ola = tenant.add_user("Ola New", "ola@contoso.example", manager="ceo@contoso.example")
    assert sorted(_read_in_tick(settings, tenant, NOW + timedelta(days=8))) == sorted(
        [ids["ceo@contoso.example"], ola["id"]])
    store = Store(make_engine(db_url))
    people = store.people([ola["id"], zoe["id"]])
    assert all(p.working_days for p in people.values())  # read and stored
