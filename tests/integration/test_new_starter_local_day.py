"""A new starter's weeks end on their own day, as they began on it. The pairs sync judged
"new starter" by the UTC day: for a Sydney report whose 90 days end on 1 December, the
pair stayed weekly ("new starter") in `onetoone pairs` and the sync until 11:00 on 1
December there (midnight UTC); a Los Angeles one's ended at 16:00 the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run

SYDNEY = "AUS Eastern Standard Time"
WEEKS_END = date(2026, 12, 1)  # hired 2 September: 90 days later, no longer new


def test_a_sydney_new_starters_weeks_end_at_midnight_there(settings_for, tmp_path) -> None:
    """Just after midnight on their weeks' end in Sydney (still 30 November in UTC), the
    pair has the role's cadence."""
    settings = settings_for(f"sqlite:///{tmp_path / 'weeks.db'}")
    tenant = SandboxTenant(seed="sydney-weeks", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@contoso.example", time_zone=SYDNEY,
                    hire_date=date(2019, 1, 1))
    hired = WEEKS_END - timedelta(days=settings.policy.new_starter_days + 1)
    tenant.add_user("Sam Starter", "sam@contoso.example", manager="mia@contoso.example",
                    time_zone=SYDNEY, hire_date=f"{hired}T00:00:00+10:00")
    run(settings, tenant, NOW)
    store = Store(make_engine(settings.database.url))
    (view,) = store.views()
    assert view.pairing.cadence == "weekly"
    sydney = ZoneInfo("Australia/Sydney")
    # The evening before there: still new. (A sync of that UTC day with nothing changed in
    # the directory since is quiet: it must not stay so past midnight in Sydney.)
    run(settings, tenant, datetime(2026, 11, 30, 23, tzinfo=sydney).astimezone(UTC))
    (view,) = store.views()
    assert view.pairing.cadence == "weekly"
    after_midnight = datetime(2026, 12, 1, 0, 30, tzinfo=sydney).astimezone(UTC)
    run(settings, tenant, after_midnight)
    (view,) = store.views()
    assert (view.pairing.cadence, view.pairing.cadence_reason) == ("monthly", "default")
