"""An organisation that holds 1-2-1s Monday to Thursday (``[policy] weekdays``; Outlook's
working days still Monday to Friday, as Exchange sets them) must not have a meeting moved
off an absence onto a Friday while one of its own days is free in the cadence window."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run

LONDON = ZoneInfo("Europe/London")
MON_TO_THU = ("monday", "tuesday", "wednesday", "thursday")


def test_an_absence_move_keeps_to_the_policy_weekdays(tmp_path, settings_for) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'weekdays.db'}", weekdays=MON_TO_THU,
                            default_cadence=CadenceKind.WEEKLY, free_busy_weeks=1)
    tenant = SandboxTenant(seed="rev-weekdays", now=lambda: NOW)
    tenant.add_user("Mia Manager", "mia@o.example", hire_date=date(2015, 1, 1))
    tenant.add_user("Rob Report", "rob@o.example", manager="mia@o.example",
                    hire_date=date(2020, 1, 1))
    # Mia's Monday to Wednesday are full the first week: the series goes on Thursdays.
    for n in range(10):
        d = NOW.date() + timedelta(days=n)
        if d.weekday() < 3:
            tenant.add_event("mia@o.example", "Audit", datetime.combine(d, time(8), LONDON),
                             datetime.combine(d, time(18), LONDON))
    run(settings, tenant, NOW)
    store = Store(make_engine(settings.database.url))
    (view,) = store.views(["active"])
    assert view.series is not None and view.series.weekday == 3
    thursday = view.series.first_date + timedelta(weeks=3)
    # Mia is off that Thursday, and Rob's Wednesday is full: Friday is the nearest day.
    tenant.add_absence("mia@o.example", thursday, thursday)
    wednesday = thursday - timedelta(days=1)
    tenant.add_event("rob@o.example", "Workshop", datetime.combine(wednesday, time(8), LONDON),
                     datetime.combine(wednesday, time(18), LONDON))
    moved: list[str] = []
    at = datetime.combine(thursday - timedelta(days=9), time(0), LONDON)
    while at < datetime.combine(thursday, time(0), LONDON):
        at += timedelta(hours=6)
        result = run(settings, tenant, at)
        moved += result.absences.moved if result.absences else []
    assert len(moved) == 1, moved
    occ = next(o for o in store.pairing_occurrences(view.pairing.id)
               if o.original_start.astimezone(LONDON).date() == thursday)
    day = occ.start.astimezone(LONDON)
    assert day.weekday() < 4, f"moved from Thursday {thursday} to {day:%A %d %b %H:%M}"
