"""A person's time zone and working hours come from mailboxSettings when getSchedule could
not tell them (here: a customTimeZone, Graph's own example). That read goes in a $batch, and
Graph answers a sub-request that failed only for now (throttled past its retries, a 503 or
504) inside a 200 reply. Such an answer says nothing about the person's hours: their pair
waits for the next run rather than being booked, for months, in the default zone (for Nia,
in New York, 10:30 London is 05:30)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_adoption_search import _run as _tick
from tests.integration.test_mailbox_settings_reads import CUSTOM_ZONE, NOW, _hours_org

MIA, NIA = "mia@contoso.example", "nia@contoso.example"


def _nia_series(tenant: SandboxTenant) -> list[dict[str, Any]]:
    return [e for e in tenant.events(MIA) if e.get("type") == "seriesMaster"
            and any(a["emailAddress"]["address"] == NIA for a in e.get("attendees") or [])]


@pytest.mark.parametrize("status", [429, 503, 504])
def test_hours_unreadable_for_now_book_nothing_in_the_default_zone(db_url: str,
                                                                   settings_for: Any,
                                                                   status: int) -> None:
    settings = settings_for(db_url)
    tenant = _hours_org()  # Nia works 09:00-17:00 in New York
    nia = tenant.user(NIA)
    nia["mailboxSettings"]["workingHours"]["timeZone"] = CUSTOM_ZONE
    tenant.inject_fault("GET", rf"/users/{nia['id']}/mailboxSettings$", status, times=100,
                        retry_after=1 if status == 429 else None)

    first = _tick(settings, tenant, NOW)
    assert _nia_series(tenant) == [], "booked with hours Graph did not tell"
    # (The pairs step's read of what her mailbox is for failed too: her pair waits.)
    assert any("Nia York" in w and "waiting to read" in w for w in first.pairs.warnings)

    tenant.reset_counters()  # Graph answers again
    second = _tick(settings, tenant, NOW + timedelta(minutes=15))
    assert second.schedule.failed == []
    (series,) = _nia_series(tenant)
    assert series["start"]["timeZone"] == "GMT Standard Time"
    start = datetime.fromisoformat(series["start"]["dateTime"][:19]).replace(
        tzinfo=ZoneInfo("Europe/London")).astimezone(ZoneInfo("America/New_York"))
    assert 9 <= start.hour < 17, f"Nia's 1-2-1 is at {start:%H:%M} in New York"
