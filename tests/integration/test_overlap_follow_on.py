"""A follow-on series moved off a clash (the overlap repair) starts after the series it
follows ends: moved to start sooner, the pair met on both series for weeks, and a new
starter's monthly follow-on, moved into their weekly weeks, was taken for a cadence change
and both series were ended and booked anew (a cancellation per weekly meeting)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from service.domain.cadence import add_months, recurrence_for
from service.domain.model import CadenceKind
from service.domain.series import slot_of
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_new_starter_change import _meetings
from tests.integration.test_schedule_job import NOW, run, series_in

LONDON = ZoneInfo("Europe/London")
MIA, ROB, JOE = "mia@contoso.example", "rob@contoso.example", "joe@contoso.example"
# Joe was hired 2026-09-30: new for 90 days after it, so monthly from 2026-12-30 on.
UNTIL = date(2026, 12, 30)


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org() -> SandboxTenant:
    t = SandboxTenant(seed="test-org", now=lambda: NOW)
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    t.add_user("Mia Manager", MIA, manager="ceo@contoso.example", hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", ROB, manager=MIA, hire_date=date(2021, 3, 1))
    t.add_user("Joe New", JOE, manager=MIA, hire_date=date(2026, 9, 30))
    return t


def test_a_new_starters_follow_on_moved_off_a_clash_starts_when_their_weeks_end(
        settings) -> None:
    """Mia re-times Rob's 1-2-1s in Outlook onto the time of Joe's monthly follow-on (booked
    for when his weekly weeks end): the follow-on moves, still from then, and nothing else
    changes: no cancellation, weekly until his weeks end, monthly after with no gap."""
    tenant = _org()
    run(settings, tenant, NOW)
    store = Store(make_engine(settings.database.url))
    (joe,) = [v for v in store.views(["active"]) if v.report.email == JOE]
    follow = store.live_series(joe.pairing.id)
    assert follow is not None and follow.cadence == "monthly" and follow.first_date == UNTIL
    (rob,) = [s for s in series_in(tenant, MIA) if "Rob Report" in s["subject"]]
    start = datetime.combine(follow.first_date, time.fromisoformat(follow.start_time), LONDON)
    rule = recurrence_for(CadenceKind.MONTHLY, slot_of(follow), follow.range_end)
    rule["range"] = {**rob["recurrence"]["range"], "startDate": start.date().isoformat()}
    tenant.person_retime_series(MIA, rob["id"], start, start + timedelta(minutes=30), rule)
    moved = []
    for days in range(1, 9):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [] and result.schedule.ended == [], days
        moved += [line for line in result.schedule.moved if "Joe New" in line]
    assert moved  # (the clash was seen and repaired)
    assert tenant.meeting_messages(JOE, "cancel") == []
    meetings = _meetings(settings, tenant, JOE, "Joe New", NOW, NOW + timedelta(days=150))
    weekly = [m for m in meetings if m.date() < UNTIL]
    monthly = [m for m in meetings if m.date() >= UNTIL]
    assert len(weekly) >= 5 and all(b - a == timedelta(weeks=1) for a, b in pairwise(weekly))
    assert len(monthly) >= 3
    assert monthly[0].date() <= add_months(weekly[-1].date(), 1)
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35)
               for a, b in pairwise(monthly))
