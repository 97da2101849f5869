"""A series with no end date found in a manager's calendar (one an earlier version made, or
one the manager set to "No end date" in Outlook) is adopted as never ending, after a lost
database: it is neither extended (its meetings would be booked twice) nor the end of every
run. Graph gives every recurrence range an ``endDate``, "0001-01-01" when it has none (with
``numberOfOccurrences`` 0): a placeholder, not the day the series ended; read as one, the
schedule step failed on every run for the whole organisation, and a range end of
9999-12-31 stopped the occurrence sync (no agenda for anyone)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from service.domain.model import pairing_key
from service.graph.payloads import PAIRING_PROPERTY
from service.sandbox import SandboxTransport
from service.store.db import make_engine
from service.store.models import OccurrenceRow, SeriesRow
from service.store.repo import Store
from tests.integration.test_adoption_search import BASE, _run
from tests.integration.test_schedule_job import NOW, org, series_in

# The range as Graph returns a series' with no end (and as Graph's own SDKs send it).
AS_GRAPH_GIVES_IT = {"type": "noEnd", "startDate": "2026-11-30", "endDate": "0001-01-01",
                     "numberOfOccurrences": 0, "recurrenceTimeZone": "GMT Standard Time"}
AS_POSTED = {"type": "noEnd", "startDate": "2026-11-30"}


def _seed(rng: dict[str, Any]) -> Any:
    """Mia's series with Rob, tagged by an older version, with the range ``rng``."""
    tenant = org()
    mia = tenant.user("mia@contoso.example")["id"]
    rob = tenant.user("rob@contoso.example")["id"]

    async def seed() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            r = await c.post(f"/users/{mia}/events", json={
                "subject": "1-2-1: Mia Manager & Rob Report",
                "start": {"dateTime": "2026-11-30T15:00:00", "timeZone": "GMT Standard Time"},
                "end": {"dateTime": "2026-11-30T15:30:00", "timeZone": "GMT Standard Time"},
                "recurrence": {"pattern": {"type": "weekly", "interval": 2,
                                           "daysOfWeek": ["monday"],
                                           "firstDayOfWeek": "monday"},
                               "range": rng},
                "attendees": [{"emailAddress": {"address": "rob@contoso.example"},
                               "type": "required"}],
                "transactionId": "made-by-an-older-version",
                "singleValueExtendedProperties": [{"id": PAIRING_PROPERTY,
                                                   "value": pairing_key(mia, rob)}]})
            assert r.status_code == 201, r.text

    asyncio.run(seed())
    return tenant


@pytest.mark.parametrize("rng", [AS_GRAPH_GIVES_IT, AS_POSTED], ids=["graph", "posted"])
def test_a_series_without_end_is_adopted_and_kept_not_extended(
        db_url: str, settings_for: Any, rng: dict[str, Any]) -> None:
    tenant = _seed(rng)
    settings = settings_for(db_url)
    adopted: list[str] = []
    for step in range(16):  # eight days, twice a day: past the first meeting's agenda
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [], result.failed_steps
        assert result.schedule.failed == []
        # (The first run books Ben's follow-on: a new starter's weekly series ends when his
        # weeks do. Rob's adopted series is never extended: see its series below.)
        assert len(result.schedule.extended) == (0 if step else 1)
        adopted += result.schedule.adopted
    assert adopted == ["Mia Manager & Rob Report"]

    store = Store(make_engine(db_url))
    view = next(v for v in store.views(["active"]) if v.report.email == "rob@contoso.example")
    assert view.series is not None and view.series.range_end == date(9999, 12, 31)
    robs = [s for s in series_in(tenant, "mia@contoso.example")
            if s["attendees"][0]["emailAddress"]["address"] == "rob@contoso.example"]
    assert [s["transactionId"] for s in robs] == ["made-by-an-older-version"]
    first = next(o for o in store.pairing_occurrences(view.pairing.id)
                 if o.start.date() == date(2026, 11, 30))
    assert first.agenda_state == "injected"


def test_a_series_without_end_is_ended_as_far_as_graph_lists_it(
        db_url: str, settings_for: Any) -> None:
    """Rob moves to Max after the adopted series has met: its meetings to come are cancelled
    one by one (a new end date would drop its held meetings' exceptions) as far ahead as
    any series runs, the admin is told the later ones are cancelled a stretch at a time
    (test_runs_on), and no run fails (the range end of 9999-12-31 overflowed the listing's
    bound)."""
    tenant = _seed(AS_GRAPH_GIVES_IT)
    settings = settings_for(db_url)
    for step in range(4):
        assert _run(settings, tenant, NOW + timedelta(hours=12 * step)).failed_steps == []
    tenant.set_manager("rob@contoso.example", "max@contoso.example")
    moved_at = NOW + timedelta(days=9)
    result = _run(settings, tenant, moved_at)
    assert result.failed_steps == [] and result.schedule.failed == []
    assert any("no end date" in w and w.startswith("Mia Manager & Rob Report")
               for w in result.schedule.warnings), result.schedule.warnings
    store = Store(make_engine(db_url))
    old = next(v for v in store.views(["ended"]) if v.report.email == "rob@contoso.example")
    with store.session() as s:
        withdrawn = list(s.scalars(select(OccurrenceRow.start).join(
            SeriesRow, SeriesRow.id == OccurrenceRow.series_id).where(
            SeriesRow.pairing_id == old.pairing.id, OccurrenceRow.status == "withdrawn")))
    # Fortnightly for the nine months a series runs (months_ahead + 3): all cancelled.
    assert 19 <= len(withdrawn) <= 20
    assert max(withdrawn).date() <= (moved_at + timedelta(days=9 * 31)).date()
    again = _run(settings, tenant, moved_at + timedelta(hours=12))
    assert again.failed_steps == [] and again.schedule.failed == []
    assert not any("no end date" in w for w in again.schedule.warnings)
