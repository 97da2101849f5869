"""A follow-on series moved off a clash (the overlap repair) starts after the series it
follows ends: moved to start sooner, the pair met on both series for weeks, and a new
starter's monthly follow-on, moved into their weekly weeks, was taken for a cadence change
and both series were ended and booked anew (a cancellation per weekly meeting)."""

from __future__ import annotations

from dataclasses import replace
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


def test_a_follow_on_holding_stored_meetings_moves_without_ending_the_weeks_before_it(
        settings) -> None:
    """As above, but the clash comes once Joe's follow-on's first meeting is stored (for
    its agenda): it is not re-timed in place then, but booked anew, still from when his
    weekly weeks end. His weekly series is left as it is (ended with the follow-on, every
    weekly meeting to come was cancelled and both were booked again), one follow-on is
    left, and a second run changes nothing."""
    # Meetings are stored weeks ahead: the follow-on's before the weekly weeks end.
    settings = replace(settings, agenda=replace(settings.agenda, lead_working_days=20))
    tenant = _org()
    run(settings, tenant, NOW)
    store = Store(make_engine(settings.database.url))
    (joe,) = [v for v in store.views(["active"]) if v.report.email == JOE]
    follow = store.live_series(joe.pairing.id)
    day = NOW
    while follow is not None and not store.occurrences(follow.id):
        day += timedelta(days=1)
        run(settings, tenant, day)
    assert follow is not None and follow.first_date == UNTIL
    assert day.date() < UNTIL - timedelta(days=10)
    weekly_before = [m for m in _meetings(settings, tenant, JOE, "Joe New", day,
                                          NOW + timedelta(days=150)) if m.date() < UNTIL]
    (rob,) = [s for s in series_in(tenant, MIA) if "Rob Report" in s["subject"]]
    start = datetime.combine(follow.first_date, time.fromisoformat(follow.start_time), LONDON)
    rule = recurrence_for(CadenceKind.MONTHLY, slot_of(follow), follow.range_end)
    rule["range"] = {**rob["recurrence"]["range"], "startDate": start.date().isoformat()}
    tenant.person_retime_series(MIA, rob["id"], start, start + timedelta(minutes=30), rule)
    moved: list[str] = []
    for _ in range(8):
        day += timedelta(days=1)
        result = run(settings, tenant, day)
        assert result.schedule.failed == [], day
        moved += [line for line in result.schedule.ended + result.schedule.moved
                  if "Joe New" in line]
    assert moved  # (the clash was seen and repaired)
    assert day.date() < UNTIL
    meetings = _meetings(settings, tenant, JOE, "Joe New", day, NOW + timedelta(days=150))
    # Joe's weekly meetings are all still there, none cancelled.
    assert [m for m in meetings if m.date() < UNTIL] == [m for m in weekly_before if m >= day]
    # One cancellation: the follow-on's, whole (none of its meetings had begun).
    assert len(tenant.meeting_messages(JOE, "cancel")) == 1
    monthly = [m for m in meetings if m.date() >= UNTIL]
    assert len(monthly) >= 3 and monthly[0].date() <= add_months(weekly_before[-1].date(), 1)
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35)
               for a, b in pairwise(monthly))
    statuses = [s.status for s in store.pairing_series(joe.pairing.id)]
    assert statuses.count("active") == 1 and statuses.count("superseded") == 1
    # Run again: nothing changes.
    series_before = store.pairing_series(joe.pairing.id)
    result = run(settings, tenant, day)
    assert result.schedule.ended == [] and result.schedule.created == []
    assert store.pairing_series(joe.pairing.id) == series_before
    assert _meetings(settings, tenant, JOE, "Joe New", day, NOW + timedelta(days=150)) == meetings
