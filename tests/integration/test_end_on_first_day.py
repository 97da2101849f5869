"""A pair that ends on the day of its first 1-2-1, after that meeting: the meeting held
stays in Outlook with its notes (only what is to come is cancelled), and is read back as
held, not taken for a missed one. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.status import OccurrenceStatus
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_schedule_job import NOW, calendar, org, run


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_leaving_after_the_first_meeting_keeps_it(settings) -> None:
    tenant = org()
    store = Store(make_engine(settings.database.url))
    run(settings, tenant, NOW)
    nia = next(v for v in store.views() if v.report.email == "nia@contoso.example")
    # Ticks until the first meeting's agenda is in (two working days ahead).
    now = NOW
    first = None
    while first is None or not first.event_id:
        now += timedelta(hours=12)
        run(settings, tenant, now)
        first = next(iter(store.pairing_occurrences(nia.pairing.id)), None)
    assert first.start > now
    person_types(tenant, first, ["Nia is settling in well"], ["Nia: book the course"],
                 tick_all=False)
    tenant.disable_user("nia@contoso.example")
    # She leaves that afternoon, minutes after the meeting, before its notes are read.
    result = run(settings, tenant, first.end + timedelta(minutes=5))
    assert result.pairs.counts().get("leave") == 1
    run(settings, tenant, first.end + timedelta(hours=3))
    shown = [e for e in calendar(settings, tenant, "mia@contoso.example",
                                 first.start - timedelta(minutes=1),
                                 first.end + timedelta(minutes=1))
             if "Nia York" in (e.get("subject") or "")]
    assert len(shown) == 1 and not shown[0].get("isCancelled"), shown
    after = store.occurrence(first.id)
    assert after is not None and after.status == OccurrenceStatus.HELD, after
    assert [n.text for n in store.notes(first.id)] == ["Nia is settling in well"]
    # Nothing of the series is to come.
    later = calendar(settings, tenant, "mia@contoso.example", first.end + timedelta(hours=3),
                     first.end + timedelta(days=120))
    assert not [e for e in later if "Nia York" in (e.get("subject") or "")
                and not e.get("isCancelled")]
