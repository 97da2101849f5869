"""Working days changed in Outlook after a pair's series was booked are the ones a move
honours. Mailbox settings were read only when a series was planned, so a report who
changed their work week afterwards (a compressed week with Thursdays off; an office moving
its weekend, as the UAE did in 2022; a joiner setting up Outlook after their first 1-2-1 was
booked) kept the old one for every move that followed: a meeting moved off a holiday onto
their day off. The absence check's getSchedule answer carries everyone's working hours
as Outlook holds them now, at no extra cost: the move uses them, and they are stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    ROB,
    START,
    absences_at,
    before_christmas_check,
    org,
    run_tick,
    settings_at,
)


def test_a_move_avoids_a_work_day_the_report_dropped_since_booking(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'week.db'}"
    tenant = org()
    settings = settings_at(tmp_path, db)
    run_tick(settings, tenant, START)  # weekly Friday series booked: Rob's week Mon–Fri
    # Rob moves to a compressed week: Thursdays off from now on.
    hours = tenant.user(ROB)["mailboxSettings"]["workingHours"]
    hours["daysOfWeek"] = ["monday", "tuesday", "wednesday", "friday"]
    now = before_christmas_check(settings, tenant)
    report = absences_at(settings, tenant, now)
    assert not report.failed, report.failed
    store = Store(make_engine(db))
    view = next(v for v in store.views() if v.report.email == ROB)
    (christmas,) = [o for o in store.pairing_occurrences(view.pairing.id)
                    if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25)]
    assert christmas.absence_state == "moved"
    moved_to = christmas.start.astimezone(LONDON).date()
    assert moved_to.weekday() != 3, f"moved onto Rob's day off: {moved_to:%a %d %b}"
    # Stored as Outlook says now: agenda lead times and rebooking offers follow it too.
    assert view.report.working_days is not None and 3 not in view.report.working_days
