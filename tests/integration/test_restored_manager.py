"""A manager deleted and then restored (Entra ID keeps a deleted user 30 days; restoring the
account reconnects their mailbox with everything it held). While they were gone nothing
could cancel the series they organised: its meetings to come left the report's calendar
only. Restored, their calendar holds it again whole, so when the pair meets again it must
not hold it beside the new series: one 1-2-1 series per pair, in both calendars."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.domain.adoption import is_ended_tag
from service.graph.wire import PAIRING_PROPERTY
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from tests.integration.test_deleted_organizer import MAX, NOW, ROB, org, run, store_of


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def series_with_rob(tenant: SandboxTenant, start: datetime, end: datetime
                    ) -> list[tuple[str, int]]:
    """Max's series with Rob that hold meetings between two instants, as his calendar shows
    them: (pairing tag, meetings)."""
    out = []
    for master in tenant.events(MAX):
        if master.get("type") != "seriesMaster" or not master.get("isOrganizer"):
            continue
        if ROB not in [a["emailAddress"]["address"] for a in master.get("attendees") or []]:
            continue
        coming = [o for o in sandbox_occurrences(master, start, end)
                  if not o.get("isCancelled")]
        if coming:
            tag = next(p["value"] for p in master["singleValueExtendedProperties"]
                       if p["id"] == PAIRING_PROPERTY)
            out.append((tag, len(coming)))
    return out


def test_a_restored_manager_holds_one_series_with_their_report(settings) -> None:
    """Max is deleted after meetings were held (the series ends, Rob's copy loses its
    meetings to come), then restored a week later and made Rob's manager again: the pair is
    booked anew, and the old series, back in Max's calendar with all its meetings, is ended
    there (its meetings to come cancelled, its tag marked ended) rather than left to clash
    with the new one for months."""
    tenant = org()
    run(settings, tenant, NOW)
    held = NOW + timedelta(days=40)  # Max and Rob have met by then
    tenant.remove_user(MAX)
    result = run(settings, tenant, held)
    assert any(line.startswith("Max Lead & Rob Report") for line in result.schedule.ended)

    back = held + timedelta(days=7)
    tenant.restore_user(MAX)
    tenant.set_manager(ROB, MAX)
    result = run(settings, tenant, back)
    assert result.schedule.failed == []
    assert "Max Lead & Rob Report" in result.schedule.created

    store = store_of(settings)
    view = next(v for v in store.views(["active"]) if v.report.email == ROB)
    assert view.series is not None
    ahead = (back + timedelta(hours=1), back + timedelta(days=200))
    live = series_with_rob(tenant, *ahead)
    assert [tag for tag, _n in live if not is_ended_tag(tag)] == [view.pairing.key], live
    assert len(live) == 1, live
    # The next run has nothing left to end.
    again = run(settings, tenant, back + timedelta(hours=12))
    assert again.schedule.failed == [] and again.schedule.created == []
    assert len(series_with_rob(tenant, *ahead)) == 1
