"""A report deleted and then restored (Entra ID keeps a deleted user 30 days; restoring the
account reconnects their mailbox with everything it held). When they left, the series was
cancelled from the manager's mailbox, but the cancellation could not reach a deleted
mailbox: restored, their calendar held the old series whole, beside the pair's new one
(whose time was even chosen around the old meetings, read as busy). The report's copy of
the old series loses its meetings to come when the pair is booked again: one 1-2-1 series
per pair, in both calendars. Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from tests.integration.test_deleted_organizer import MAX, NOW, ROB, org, run


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def series_to_come(tenant: SandboxTenant, email: str, start: datetime) -> list[str]:
    """The iCalUIds of the 1-2-1 series with meetings to come in ``email``'s calendar."""
    out = []
    for master in tenant.events(email):
        if master.get("type") != "seriesMaster" or "Rob Report" not in master["subject"]:
            continue
        if [o for o in sandbox_occurrences(master, start, start + timedelta(days=180))
                if not o.get("isCancelled")]:
            out.append(master["iCalUId"])
    return out


def test_a_restored_report_holds_one_series_with_their_manager(settings) -> None:
    tenant = org()
    run(settings, tenant, NOW)
    [first] = series_to_come(tenant, ROB, NOW)
    assert series_to_come(tenant, MAX, NOW) == [first]

    tenant.remove_user(ROB)
    gone = run(settings, tenant, NOW + timedelta(days=3))
    assert gone.schedule.ended, gone.schedule
    assert series_to_come(tenant, MAX, NOW) == []

    tenant.restore_user(ROB)
    tenant.set_manager(ROB, MAX)
    later = NOW + timedelta(days=8)
    back = run(settings, tenant, later)
    assert "Max Lead & Rob Report" in back.schedule.created, back.schedule
    [second] = series_to_come(tenant, MAX, later)
    assert second != first
    assert series_to_come(tenant, ROB, later) == [second]
    assert any("a cancellation that could not reach a deleted mailbox" in w
               for w in back.schedule.warnings), back.schedule.warnings

    # Done once: the next runs read nothing more of Rob's calendar for it.
    tenant.reset_counters()
    again = run(settings, tenant, later + timedelta(hours=12))
    assert again.schedule.warnings == [] and again.failed_steps == []
    assert tenant.count("GET", r"/events$") == 0


@pytest.mark.parametrize("fault", [429, 403])
def test_a_report_calendar_out_of_reach_never_holds_the_booking_up(settings, fault: int
                                                                   ) -> None:
    """Throttled, the pair waits for the next run, as for any read before a booking, which
    looks again; refused (a report outside a scoped app's mailbox access), the look is
    logged and not tried again, and the pair is booked."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.remove_user(ROB)
    run(settings, tenant, NOW + timedelta(days=3))
    tenant.restore_user(ROB)
    tenant.set_manager(ROB, MAX)
    rob = tenant.user(ROB)["id"]
    copies = rf"^/users/{rob}/events$"
    tenant.inject_fault("GET", copies, fault, times=20,
                        code="ApplicationThrottled" if fault == 429 else "ErrorAccessDenied")
    later = NOW + timedelta(days=8)
    back = run(settings, tenant, later)
    booked = "Max Lead & Rob Report" in back.schedule.created
    assert booked == (fault == 403) and back.schedule.warnings == [], back.schedule
    tenant.reset_counters()  # (the faults with it)
    again = run(settings, tenant, later + timedelta(hours=12))
    looked = tenant.count("GET", copies)
    if fault == 429:  # booked now, the copy looked at again and cleared
        assert "Max Lead & Rob Report" in again.schedule.created, again.schedule
        assert looked == 1 and any("could not reach a deleted mailbox" in w
                                   for w in again.schedule.warnings), again.schedule
    else:  # not tried again
        assert looked == 0 and again.schedule.warnings == [], again.schedule
