"""A series whose end was interrupted (Graph failed part-way, or the worker was killed) is
ended by a later run even when its pair is back meanwhile: a report moved away and back
before that run, or a cadence changed and changed back. Its meetings to come may already be
cancelled, so it is never kept as the pair's series: the run finishes ending it and books
the pair anew, rather than leave them a "live" series with no meetings in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from tests.integration.test_deleted_organizer import MAX, NOW, ROB, org, run, store_of


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def meetings(tenant: SandboxTenant, who: str, organizer: str, start: datetime,
             end: datetime) -> list[datetime]:
    """The starts of ``organizer``'s 1-2-1s with Rob in ``who``'s calendar."""
    out = []
    for master in tenant.events(who):
        if (master.get("type") != "seriesMaster"
                or master["organizer"]["emailAddress"]["address"] != organizer
                or ROB not in ({a["emailAddress"]["address"] for a in master["attendees"]}
                               | {master["organizer"]["emailAddress"]["address"]})):
            continue
        out += [datetime.fromisoformat(o["start"]["dateTime"][:19]).replace(tzinfo=UTC)
                for o in sandbox_occurrences(master, start, end) if not o.get("isCancelled")]
    return sorted(out)


def test_a_report_moved_back_after_an_interrupted_end_keeps_meeting(settings) -> None:
    """Rob moves from Max to Ned; the run cancels Max's meetings with Rob to come, but the
    last step (marking the series ended) fails, so the series stays live in the store. HR
    puts Rob back with Max before the next run. That run must leave Max and Rob with
    meetings to come (in both calendars), not with the husk of the old series."""
    tenant = org()
    tenant.add_user("Ned Newboss", "ned@contoso.example", hire_date=date(2018, 1, 1))
    run(settings, tenant, NOW)
    view = next(v for v in store_of(settings).views(["active"]) if v.report.email == ROB)
    later = NOW + timedelta(days=40)  # Max and Rob have met
    run(settings, tenant, later)
    max_id = tenant.user(MAX)["id"]
    tenant.set_manager(ROB, "ned@contoso.example")
    tenant.inject_fault("PATCH", rf"^/users/{max_id}/events/{view.series.event_id}$", 503,
                        times=1000)
    moved = run(settings, tenant, later + timedelta(hours=1))
    assert any(line.startswith("Max Lead & Rob Report") for line in moved.schedule.failed)
    ahead = (later + timedelta(hours=2), later + timedelta(days=120))
    assert meetings(tenant, MAX, MAX, *ahead) == []  # its meetings to come were cancelled
    tenant.reset_counters()

    tenant.set_manager(ROB, MAX)  # back before the next run
    back = run(settings, tenant, later + timedelta(hours=12))
    assert back.schedule.failed == []

    store = store_of(settings)
    now = store.views(["active"])
    assert [v.manager.email for v in now if v.report.email == ROB] == [MAX]
    coming = meetings(tenant, MAX, MAX, *ahead)
    assert coming, "Max and Rob are paired again but have no meeting to come"
    assert meetings(tenant, ROB, MAX, *ahead) == coming
    # One series of theirs is live, in the store and in Max's calendar.
    (series,) = [s for s in store.pairing_series(view.pairing.id) if s.status == "active"]
    assert all(start.date() >= series.first_date for start in coming)
