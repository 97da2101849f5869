"""A monthly pair whose working hours never meet (a manager in Sydney, a report in London)
gets the same least-bad time whichever week it is booked in, as the docs say. It was weighed
over the offsets its own dates met in the coming 53 weeks: booked in January, the "fourth
Wednesday" met none of the weeks the two clocks are ten hours apart and looked better (Wed
17:30); booked from late March, every pattern met one (Tue 17:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_schedule_job import run


def _booked(folder: Path, now: datetime):
    """The pair's series as a first run at ``now`` books it."""
    folder.mkdir()
    db = f"sqlite:///{folder / 'pair.db'}"
    tenant = SandboxTenant(seed="farapart", now=lambda: now)
    sam = tenant.add_user("Sam Boss", "sam@contoso.example", hire_date=date(2020, 1, 1),
                          time_zone="AUS Eastern Standard Time")
    tenant.add_user("Rob Report", "rob@contoso.example", manager=sam,
                    hire_date=date(2021, 1, 1), time_zone="GMT Standard Time")
    settings = make_settings(folder, db, default_cadence=CadenceKind.MONTHLY)
    result = run(settings, tenant, now)
    assert len(result.schedule.created) == 1 and result.schedule.needs_a_look
    (view,) = Store(make_engine(db)).views()
    assert view.series is not None
    return view.series


def test_the_same_time_whichever_week_the_pair_is_booked(tmp_path: Path) -> None:
    january = _booked(tmp_path / "january", datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    april = _booked(tmp_path / "april", datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    assert january.time_zone == april.time_zone == "Australia/Sydney"
    assert ((january.weekday, january.week_index, january.start_time)
            == (april.weekday, april.week_index, april.start_time))
