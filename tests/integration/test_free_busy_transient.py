"""A getSchedule that fails for a while (throttled past its retries, a 503 or 504 outage)
books and moves nothing blind: the pairs fail this run and are booked (or moved) around the
busy time by the next one. (Free/busy refused for good, e.g. no access, still books blind,
as documented.)"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.domain.recurrence import expand
from service.graph.client import parse_graph_datetime
from tests.integration.test_no_double_booking import (
    LOOK,
    _collide,
    _middle_org,
    _tick,
    one_to_ones,
    overlaps,
)
from tests.integration.test_no_double_booking import NOW as MID_NOW
from tests.integration.test_schedule_job import NOW, org, run, series_in

MIA = "mia@contoso.example"


@pytest.fixture
def settings(tmp_path, settings_for):
    return settings_for(f"sqlite:///{tmp_path / 'fb.db'}")


def _clashes(tenant) -> list[str]:
    london = ZoneInfo("Europe/London")
    busy = next(e for e in tenant.events(MIA) if e["subject"] == "Ops review")
    window = (NOW, NOW + timedelta(weeks=8))
    blocked = expand(busy["recurrence"], parse_graph_datetime(busy["start"]).astimezone(london),
                     parse_graph_datetime(busy["end"]).astimezone(london), *window)
    out = []
    for s in series_in(tenant, MIA):
        first = parse_graph_datetime(s["start"]).astimezone(london)
        last = parse_graph_datetime(s["end"]).astimezone(london)
        for start, end in expand(s["recurrence"], first, last, *window):
            if any(start < b1 and end > b0 for b0, b1 in blocked):
                out.append(f"{s['subject']} {start:%a %H:%M}")
                break
    return out


@pytest.mark.parametrize("status", [429, 503, 504])
def test_free_busy_outage_books_nothing_blind(settings, status: int) -> None:
    """Mia's getSchedule fails past its retries: her four series are not booked over her
    Tue-Thu "Ops review", but next run, around it."""
    tenant = org()
    mia_id = tenant.user(MIA)["id"]
    tenant.inject_fault("POST", rf"/users/{mia_id}/calendar/getSchedule$", status, times=100,
                        retry_after=1 if status == 429 else None)
    first = run(settings, tenant, NOW)
    assert _clashes(tenant) == []
    assert series_in(tenant, MIA) == []  # nothing booked without her calendar
    assert len([f for f in first.schedule.failed if "Mia Manager &" in f]) == 4
    tenant.reset_counters()  # the outage is over
    second = run(settings, tenant, NOW + timedelta(minutes=15))
    assert second.schedule.failed == []
    # (Four pairs; Ben's, a new starter's, has a follow-on booked with it.)
    assert len(series_in(tenant, MIA)) == 5 and _clashes(tenant) == []


def test_free_busy_refused_still_books(settings) -> None:
    """No access to free/busy is not passing: the documented fallback (a slot chosen within
    the windows and hours, calendars unchecked) still books the pairs."""
    tenant = org()
    mia_id = tenant.user(MIA)["id"]
    tenant.inject_fault("POST", rf"/users/{mia_id}/calendar/getSchedule$", 403, times=100)
    first = run(settings, tenant, NOW)
    assert [f for f in first.schedule.failed if "Mia Manager &" in f] == []
    # (Four pairs; Ben's, a new starter's, has a follow-on booked with it.)
    assert len(series_in(tenant, MIA)) == 5


def test_clash_is_not_moved_blind_while_free_busy_is_throttled(settings) -> None:
    """Moving a series off a clash with another 1-2-1 reads both calendars first; throttled
    past the retries, the series is left where it is for this run (reported), not moved
    blind onto Rae's afternoons, and the next run moves it clear of them. (The later
    series of the two is moved: Mid & Rae's, Top & Mid's being booked first, top-down.)"""
    tenant = _middle_org()
    _tick(settings, tenant, MID_NOW, "w")
    _collide(settings, tenant, MID_NOW)
    london = ZoneInfo("Europe/London")
    tenant.add_event("rae@org.example", "Afternoons on site",
                     datetime(2026, 11, 23, 13, 0, tzinfo=london),
                     datetime(2026, 11, 23, 17, 30, tzinfo=london),
                     recurrence={"pattern": {"type": "weekly", "interval": 1,
                                             "firstDayOfWeek": "monday",
                                             "daysOfWeek": ["monday", "tuesday", "wednesday",
                                                            "thursday", "friday"]},
                                 "range": {"type": "noEnd", "startDate": "2026-11-23"}})
    tenant.reset_counters()
    tenant.inject_fault("POST", r"/getSchedule$", 429, times=100, retry_after=1)
    first = _tick(settings, tenant, MID_NOW, "w")
    assert first.schedule.moved == [] and tenant.count("PATCH", r"/events/") == 0
    assert any("Mid Manager & Rae Report" in f for f in first.schedule.failed), \
        first.schedule.failed
    tenant.reset_counters()
    second = _tick(settings, tenant, MID_NOW + timedelta(minutes=15), "w")
    assert len(second.schedule.moved) == 1
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    assert overlaps(one_to_ones(tenant, emails, MID_NOW, MID_NOW + LOOK)) == []
    for _start, end, _what in one_to_ones(tenant, ["rae@org.example"], MID_NOW,
                                          MID_NOW + timedelta(weeks=6))["rae@org.example"]:
        assert end.astimezone(london).time() <= time(13), end
