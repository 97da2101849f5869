"""Ivy meets her manager monthly; an account is made for her first report weeks before his
first day (employeeHireDate to come, as Entra documents a future hire). She counts as
managing others, and meets her manager fortnightly, from his first day, not from the day
his account appears; and a hire that falls through before it never changes her cadence
(no vacancy kept for a report who never started). Sandbox, SQLite (and PostgreSQL, for
the store's reading of reports who went)."""

from __future__ import annotations

from datetime import date, timedelta

from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run

CEO, IVY, JO = "ceo@contoso.example", "ivy@contoso.example", "jo@contoso.example"


def _ivy(settings, seed: str, db: str):
    """Ivy under the CEO, booked monthly; Jo's account made, his first day 30 days on."""
    t = SandboxTenant(seed=seed, now=lambda: NOW)
    t.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    t.add_user("Ivy Ic", IVY, manager=CEO, hire_date=date(2018, 1, 1))
    run(settings, t, NOW)
    assert _pair(db).cadence == "monthly"
    first_day = (NOW + timedelta(days=30)).date()
    t.add_user("Jo Joiner", JO, manager=IVY, hire_date=first_day)
    return t, first_day


def _pair(db: str):
    store = Store(make_engine(db))
    return {(v.manager.email, v.report.email): v
            for v in store.views()}[(CEO, IVY)].pairing


def test_a_report_hired_ahead_makes_their_manager_one_from_their_first_day(
        settings_for, tmp_path) -> None:
    """Monthly, and no cancellation, until Jo's first day; fortnightly from it."""
    db = f"sqlite:///{tmp_path / 'ahead.db'}"
    settings = settings_for(db)
    t, first_day = _ivy(settings, "report-hired-ahead", db)
    for day in (1, 15, 29):
        run(settings, t, NOW + timedelta(days=day))
        pairing = _pair(db)
        assert pairing.cadence == "monthly", (day, pairing.cadence_reason)
    assert t.meeting_messages(IVY, "cancel") == []
    start = NOW.replace(year=first_day.year, month=first_day.month, day=first_day.day)
    run(settings, t, start)
    pairing = _pair(db)
    assert (pairing.cadence, pairing.cadence_reason) == ("fortnightly", "manages others")


def test_a_hire_that_falls_through_leaves_the_managers_cadence_alone(settings_for,
                                                                     db_url) -> None:
    """Jo's account deleted before his first day: Ivy never counted as managing others,
    so no vacancy keeps her fortnightly and nothing of hers is cancelled."""
    db = db_url
    settings = settings_for(db)
    t, _first_day = _ivy(settings, "hire-fell-through", db)
    run(settings, t, NOW + timedelta(days=1))
    t.remove_user(JO)
    for day in (10, 11, 40):
        run(settings, t, NOW + timedelta(days=day))
        pairing = _pair(db)
        assert (pairing.cadence, pairing.cadence_reason) == ("monthly", "default"), day
    assert t.meeting_messages(IVY, "cancel") == []
