"""A series whose listing keeps failing (a mailbox outside the app's access policy, one
being deprovisioned, a Graph outage that lasts) is not listed again on every run: it backs
off, and is listed, its agenda written, soon after the mailbox answers again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from service.app import job_context
from service.jobs.tick import TickReport, tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep

TICKS = timedelta(minutes=15)  # the worker's default interval
# The longest a failing listing waits (domain.series.LISTING_WAIT_MOST_LASTING).
LONGEST_WAIT = timedelta(hours=6)
# Graph's answer for a mailbox outside the app's application access policy.
DENIED = {"code": "ErrorAccessDenied",
          "message": "Access to OData is disabled: Blocked by tenant configured AppOnly "
                     "AccessPolicy settings."}


def _tenant() -> SandboxTenant:
    t = SandboxTenant(seed="listing-backoff", now=lambda: START)
    head = t.add_user("Hana Head", "hana@contoso.example", hire_date=date(2015, 1, 1))
    manager = t.add_user("Mo Manager", "mo@contoso.example", manager=head,
                         hire_date=date(2018, 1, 1))
    t.add_user("Rae Report", "rae@contoso.example", manager=manager,
               hire_date=date(2021, 1, 1))
    return t


def _tick(settings: Any, store: Store, tenant: SandboxTenant, now: datetime) -> TickReport:
    tenant.now = lambda: now

    async def go() -> TickReport:
        async with job_context(settings, now, sandbox=tenant, store=store,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


class Run:
    """The tenant and a database, rolled out at START, then ticked by the test."""

    def __init__(self, db_url: str, settings_for: Any) -> None:
        self.settings = settings_for(db_url)
        self.store = Store(make_engine(db_url))
        upgrade(self.store.engine)
        self.tenant = _tenant()
        self.tick(START)

    def tick(self, now: datetime) -> TickReport:
        return _tick(self.settings, self.store, self.tenant, now)

    def first_due(self) -> datetime:
        """When the first series' occurrences must next be listed (its agenda falls due)."""
        with self.store.engine.connect() as conn:
            at = conn.execute(text("SELECT min(next_due_at) FROM series")).scalar_one()
        return (at if isinstance(at, datetime) else datetime.fromisoformat(at)
                ).replace(tzinfo=UTC)

    def deny(self) -> None:
        """The managers' mailboxes fall outside the app's access policy."""
        self.tenant.inject_fault("GET", r"/users/[^/]+/(events|calendarView)", 403,
                                 times=10**6, **DENIED)


def test_a_series_whose_listing_is_denied_is_not_listed_on_every_run(
        db_url: str, settings_for: Any) -> None:
    """A day of 15-minute runs with the manager's mailbox denied: the series is listed a
    few times, waiting longer each time, not on each of the 96 runs."""
    run = Run(db_url, settings_for)
    due = run.first_due()
    run.tenant.requests.clear()
    run.deny()
    failed_runs = 0
    for n in range(96):
        report = run.tick(due + n * TICKS)
        assert report.occurrences is not None
        failed_runs += bool(report.occurrences.failed)
    listings = run.tenant.count("GET", r"/instances|/calendarView")
    assert 3 <= listings <= 12, f"{listings} listings of the denied series in a day"
    assert failed_runs == listings  # each one that failed was told


def test_a_series_listed_again_soon_after_its_mailbox_answers(db_url: str,
                                                             settings_for: Any) -> None:
    """Denied for a day, then let in: the series is listed and its agenda written within
    the longest wait (and a run), not a day later."""
    run = Run(db_url, settings_for)
    due = run.first_due()
    run.deny()
    for n in range(96):
        report = run.tick(due + n * TICKS)
        assert report.agenda is not None and report.agenda.injected == []
    let_in = due + 96 * TICKS
    run.tenant.reset_counters()  # (the faults with it: the admin fixed the policy)
    written_at = None
    for n in range(48):
        now = let_in + n * TICKS
        report = run.tick(now)
        assert report.agenda is not None
        if report.agenda.injected:
            written_at = now
            break
    assert written_at is not None, "no agenda written in the 12 hours after the fix"
    assert written_at <= let_in + LONGEST_WAIT + TICKS, written_at
