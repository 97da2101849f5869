"""A pair whose series the manager deleted because she already held a 1-2-1 of her own with
the report (an earlier onetoone, or `own_series = "ignore"`, booked beside it) is not booked
beside it again by `pairs reset`: its own series is looked for, as at a first booking.

The upgrade from the release before own series were adopted leaves exactly such pairs: the
manager deleted the duplicate onetoone made, the pair waits for `pairs reset`, and the admin
resets it once the new version is in."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from service.app import job_context
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_adoption_search import _run
from tests.integration.test_own_series import MIA, ROB, _masters_with, _own, _view
from tests.integration.test_schedule_job import NOW, org


def test_a_reset_pair_adopts_the_managers_own_series_instead_of_booking_beside_it(
        db_url: str, settings_for: Any) -> None:
    tenant = org()
    own_id = _own(tenant, MIA, [ROB])  # Mia's fortnightly 1-2-1 with Rob, made by hand
    # The release before: Rob's pair is booked beside it.
    before = settings_for(db_url, own_series="ignore")
    first = _run(before, tenant, NOW)
    assert "Mia Manager & Rob Report" in first.schedule.created
    assert len(_masters_with(tenant, MIA, ROB)) == 2
    # Mia deletes the duplicate in Outlook; the pair waits for `pairs reset`.
    store = Store(make_engine(db_url))
    view = _view(db_url, ROB)
    assert view.series is not None
    event_id = view.series.event_id

    async def delete() -> None:
        async with job_context(before, NOW, sandbox=tenant) as ctx:
            await ctx.graph.request("DELETE", f"/users/{MIA}/events/{event_id}")

    asyncio.run(delete())
    store.mark_series_deleted(view.series.id, NOW)
    assert _view(db_url, ROB).pairing.status == "series_deleted"
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]

    # Upgraded (own series adopted, the default), the admin resets the pair.
    after = settings_for(db_url)
    assert store.reset_pairing(view.pairing.key, NOW)
    again = _run(after, tenant, NOW + timedelta(hours=1))
    assert again.failed_steps == [] and again.schedule.failed == []
    assert "Mia Manager & Rob Report" not in again.schedule.created
    assert "Mia Manager & Rob Report" in again.schedule.adopted
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]
    adopted = _view(db_url, ROB)
    assert adopted.pairing.status == "active"
    assert adopted.series is not None and adopted.series.event_id == own_id
