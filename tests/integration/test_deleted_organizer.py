"""A manager deleted with their mailbox: the report's copy of the series loses its meetings to
come (Exchange keeps a deleted organizer's meetings in attendees' calendars, and no one can
cancel them any more), through the sandbox tenant and the production code path."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from service.app import job_context
from service.domain.status import PairingStatus, SeriesStatus
from service.graph.queries import ical_uid_filter
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from service.store.db import make_engine
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BEA, MAX, ROB = "bea@contoso.example", "max@contoso.example", "rob@contoso.example"
PAIR = "Max Lead & Rob Report"


def org() -> SandboxTenant:
    """Bea manages Max, who manages Rob."""
    t = SandboxTenant(seed="deleted-organizer", now=lambda: NOW)
    bea = t.add_user("Bea Boss", BEA, hire_date=date(2015, 1, 1))
    max_ = t.add_user("Max Lead", MAX, manager=bea, hire_date=date(2019, 1, 1))
    t.add_user("Rob Report", ROB, manager=max_, hire_date=date(2021, 3, 1))
    return t


async def no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def run(settings, tenant: SandboxTenant, now: datetime):
    tenant.now = lambda: now

    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


def rob_copies(tenant: SandboxTenant) -> list[dict]:
    """Rob's copies of Max's 1-2-1 series."""
    return [e for e in tenant.events(ROB) if not e.get("isOrganizer")
            and e.get("type") == "seriesMaster" and "Max Lead" in e.get("subject", "")]


def rob_meetings(tenant: SandboxTenant, start: datetime, end: datetime) -> list[dict]:
    """Rob's meetings with Max between two instants, as his calendar shows them."""
    return [o for e in rob_copies(tenant) for o in sandbox_occurrences(e, start, end)
            if not o.get("isCancelled")]


def store_of(settings) -> Store:
    return Store(make_engine(settings.database.url))


def max_series(settings):
    store = store_of(settings)
    view = next(v for v in store.views() if v.report.email == ROB)
    return view.pairing, store.pairing_series(view.pairing.id)


def requests_about(tenant: SandboxTenant, *who: str) -> list[tuple[str, str]]:
    """Logged requests (batch sub-requests included) to these people's mailboxes."""
    ids = {tenant.user(w)["id"] if tenant.find_user(w) else w for w in who}
    return [(m, p) for m, p, key in tenant.requests if key in ids]


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_deleted_manager_series_leaves_the_reports_calendar(settings) -> None:
    """Max is deleted after meetings were held: Rob keeps the past ones and loses every one
    to come; the store says ended; the run says what it did; the next run asks nothing."""
    tenant = org()
    run(settings, tenant, NOW)
    max_id = tenant.user(MAX)["id"]
    later = NOW + timedelta(days=40)
    assert rob_meetings(tenant, NOW, later), "the series held no meeting before Max left"
    coming = rob_meetings(tenant, later, later + timedelta(days=400))
    assert coming
    tenant.remove_user(MAX)
    tenant.reset_counters()

    result = run(settings, tenant, later)

    assert any(line.startswith(PAIR) for line in result.schedule.ended)
    assert result.schedule.failed == []
    assert any(line.startswith(PAIR) and "removed from Rob Report's calendar" in line
               for line in result.schedule.warnings)
    assert rob_meetings(tenant, later, later + timedelta(days=400)) == []
    assert rob_meetings(tenant, NOW, later), "Rob's past meetings went too"
    assert tenant.meeting_messages(ROB, "cancel") == []  # no one could send one
    pairing, series = max_series(settings)
    assert pairing.status == PairingStatus.ENDED
    assert [s.status for s in series] == [SeriesStatus.ENDED]
    # What it cost in Rob's mailbox: the copy found (1), its meetings to come read (1), and
    # one DELETE per meeting to come; nothing else of his calendar was read.
    rob_calls = requests_about(tenant, ROB)
    assert sorted(m for m, _p in rob_calls) == ["DELETE"] * len(coming) + ["GET", "GET"]

    tenant.reset_counters()
    again = run(settings, tenant, later + timedelta(hours=9))
    assert again.schedule.ended == [] and again.schedule.warnings == []
    assert requests_about(tenant, ROB, max_id) == []


def test_series_not_met_yet_goes_whole(settings) -> None:
    """Max is deleted before the first meeting: Rob's copy is deleted whole (one DELETE)."""
    tenant = org()
    run(settings, tenant, NOW)
    assert len(rob_copies(tenant)) == 1
    tenant.remove_user(MAX)
    tenant.reset_counters()
    result = run(settings, tenant, NOW + timedelta(hours=9))
    assert any(line.startswith(PAIR) for line in result.schedule.ended)
    assert rob_copies(tenant) == []
    assert sorted(m for m, _p in requests_about(tenant, ROB)) == ["DELETE", "GET"]
    assert [s.status for s in max_series(settings)[1]] == [SeriesStatus.ENDED]


def test_a_run_stopped_midway_leaves_the_rest_to_the_next(settings) -> None:
    """The deletes fail after taking effect (the outcome unknown): the series stays live in
    the store, the pair is a failed line; the rerun finds nothing left and ends it."""
    tenant = org()
    run(settings, tenant, NOW)
    later = NOW + timedelta(days=40)
    tenant.remove_user(MAX)
    tenant.inject_fault("DELETE", rf"^/users/{tenant.user(ROB)['id']}/events/", 503,
                        times=1000, apply_first=True)
    first = run(settings, tenant, later)
    assert any(line.startswith(PAIR) for line in first.schedule.failed)
    assert [s.status for s in max_series(settings)[1]] == [SeriesStatus.ACTIVE]
    assert rob_meetings(tenant, later, later + timedelta(days=400)) == []

    tenant.reset_counters()
    second = run(settings, tenant, later + timedelta(minutes=5))
    assert second.schedule.failed == []
    assert any(line.startswith(PAIR) for line in second.schedule.ended)
    assert [s.status for s in max_series(settings)[1]] == [SeriesStatus.ENDED]
    assert [m for m, _p in requests_about(tenant, ROB)] == ["GET", "GET"]  # nothing deleted
    assert rob_meetings(tenant, NOW, later)


def test_a_report_mailbox_out_of_reach_is_a_warning_not_retried(settings) -> None:
    """Rob's mailbox is outside the app's access policy: the run names the pair and says
    what to do, the series ends, and the next run does not try again."""
    tenant = org()
    run(settings, tenant, NOW)
    later = NOW + timedelta(days=40)
    tenant.remove_user(MAX)
    tenant.block_mailbox(ROB)
    result = run(settings, tenant, later)
    assert result.schedule.failed == []
    assert any(line.startswith(PAIR) and "Ask Rob Report to delete the series" in line
               for line in result.schedule.warnings)
    assert [s.status for s in max_series(settings)[1]] == [SeriesStatus.ENDED]
    tenant.reset_counters()
    again = run(settings, tenant, later + timedelta(hours=9))
    assert again.schedule.warnings == []
    assert requests_about(tenant, ROB) == []


def test_a_disabled_manager_is_cancelled_as_before(settings) -> None:
    """A disabled manager keeps their mailbox: the series is cancelled by its organizer, the
    report is told, and nothing is deleted from the report's calendar."""
    tenant = org()
    run(settings, tenant, NOW)
    later = NOW + timedelta(days=40)
    tenant.disable_user(MAX)
    tenant.reset_counters()
    result = run(settings, tenant, later)
    assert any(line.startswith(PAIR) for line in result.schedule.ended)
    assert result.schedule.warnings == [] and result.schedule.failed == []
    assert rob_meetings(tenant, later, later + timedelta(days=400)) == []
    assert rob_meetings(tenant, NOW, later)
    assert tenant.meeting_messages(ROB, "cancel")
    assert not any(m == "DELETE" for m, _p in requests_about(tenant, ROB))
    assert [s.status for s in max_series(settings)[1]] == [SeriesStatus.ENDED]


def test_ical_uid_filter_quotes_the_value() -> None:
    """The iCalUId goes into the $filter as an OData literal, whatever it holds."""
    assert ical_uid_filter("04'00", "id") == {"$filter": "iCalUId eq '04''00'",
                                              "$select": "id"}
