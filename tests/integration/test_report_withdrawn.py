"""A report who moves to another manager after their first 1-2-1 was stored (for its agenda)
but before it happened: onetoone cancels the old series whole, and that meeting is withdrawn,
never read later as cancelled, so the HR report does not count it as a missed 1-2-1."""

from __future__ import annotations

from datetime import date, timedelta

from service.domain.insight import Period
from service.domain.status import OccurrenceStatus
from service.insight.report import build
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.insight import InsightReader
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run


def test_a_meeting_withdrawn_with_its_series_is_not_missed(settings_for, tmp_path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'mover.db'}")
    tenant = SandboxTenant(seed="mover", now=lambda: NOW)
    tenant.add_user("Boss One", "b1@contoso.example", hire_date=date(2019, 1, 1))
    tenant.add_user("Boss Two", "b2@contoso.example", hire_date=date(2019, 1, 1))
    tenant.add_user("New Joiner", "new@contoso.example", manager="b1@contoso.example",
                    hire_date=(NOW + timedelta(days=3)).date())
    store = Store(make_engine(settings.database.url))
    now, moved = NOW, None
    for _ in range(30):
        run(settings, tenant, now)
        stored = [o for v in store.views() for o in store.pairing_occurrences(v.pairing.id)]
        if moved is None and stored and all(o.start > now for o in stored):
            moved = stored  # stored before it happened: the joiner moves now
            tenant.set_manager("new@contoso.example", "b2@contoso.example")
            run(settings, tenant, now)
        now += timedelta(hours=12)
    assert moved, "no meeting was stored ahead of its time"
    for occ in moved:
        assert store.occurrence(occ.id).status == OccurrenceStatus.WITHDRAWN
    report = build(InsightReader(store.engine).histories(store.views()),
                   Period(date(2026, 11, 1), (now + timedelta(days=1)).date(), now), 1)
    old = [p for p in report.pairs if p.view.manager.email == "b1@contoso.example"]
    assert all(p.figures.missed == 0 and p.figures.planned == 0 for p in old)
