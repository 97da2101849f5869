"""A middle manager off for a day: their 1-2-1 with their own manager and the one with their
report are both moved by one run's absence check. The two decisions may be taken on the
answers of different free/busy packs (more than 20 addresses due at once, routine when a
time zone's meetings fall due together); the first move must still count as busy for the
second, or the middle manager is double-booked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

import service.jobs.freebusy_packs as packs
from service.domain.series import occurrences
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_no_double_booking import one_to_ones, overlaps
from tests.integration.test_schedule_job import NOW, run

LONDON = ZoneInfo("Europe/London")
PEOPLE = ["top@o.example", "mid@o.example", "rep@o.example"]


def test_two_moves_for_one_person_in_one_run_never_overlap(
        tmp_path, settings_for, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "SCHEDULE_CHUNK", 2)  # each manager's question its own pack
    settings = settings_for(f"sqlite:///{tmp_path / 'moves.db'}", weekdays=("wednesday",),
                            window_start=time(10), window_end=time(11))
    tenant = SandboxTenant(seed="rev-abs", now=lambda: NOW)
    tenant.add_user("Top", "top@o.example", hire_date=date(2015, 1, 1))
    tenant.add_user("Mid", "mid@o.example", manager="top@o.example", hire_date=date(2016, 1, 1))
    tenant.add_user("Rep", "rep@o.example", manager="mid@o.example", hire_date=date(2020, 1, 1))
    run(settings, tenant, NOW)
    views = {v.report.email: v for v in Store(make_engine(settings.database.url))
             .views(["active"])}
    day = min(
        {s.astimezone(LONDON).date() for s, _e in occurrences(
            views["mid@o.example"].series, NOW, NOW + timedelta(days=120))}
        & {s.astimezone(LONDON).date() for s, _e in occurrences(
            views["rep@o.example"].series, NOW, NOW + timedelta(days=120))}
        - {d for d in (NOW.date() + timedelta(days=n) for n in range(14))})
    tenant.add_absence("mid@o.example", day, day)  # Mid is off the day both meet
    # Rep is busy on the mornings around it: the nearest time that suits Mid and Rep is the
    # one that suits Top and Mid too.
    tue, thu = day - timedelta(days=1), day + timedelta(days=1)
    tenant.add_event("rep@o.example", "Gym", datetime.combine(tue, time(9), LONDON),
                     datetime.combine(tue, time(10, 30), LONDON))
    tenant.add_event("rep@o.example", "Workshop", datetime.combine(thu, time(9), LONDON),
                     datetime.combine(thu, time(12, 30), LONDON))
    moved: list[str] = []
    at = datetime.combine(day - timedelta(days=7), time(0), LONDON)  # (the check is nearer)
    while at < datetime.combine(day, time(0), LONDON):
        at += timedelta(hours=6)
        result = run(settings, tenant, at)
        moved += result.absences.moved if result.absences else []
    assert len(moved) == 2  # both of Mid's meetings that day
    assert overlaps(one_to_ones(tenant, PEOPLE, NOW, NOW + timedelta(weeks=30))) == []
