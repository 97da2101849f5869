"""Four weeks of leave booked a day at a time (as some HR systems write it into Outlook: one
all-day out-of-office event per working day) is one long absence, and the manager gets one
note about it, naming its real first and last day. Each meeting's check reads the calendar a
couple of weeks each side of it, so a run of day events reaching past that read must be read
whole: otherwise each later meeting sees a later "first day", and its note is another one,
with the wrong dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import LEA, LONDON, START, org, run_tick, settings_at


def test_leave_booked_a_day_at_a_time_is_one_absence_and_one_note(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'by_day.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    day = date(2027, 1, 4)
    while day <= date(2027, 1, 29):  # Mon 4 – Fri 29 Jan: 20 working days, a day each
        if day.weekday() < 5:
            tenant.add_absence(LEA, day, day)
        day += timedelta(days=1)
    now = START
    while now < datetime(2027, 1, 30, tzinfo=UTC):
        run_tick(settings, tenant, now)
        now += timedelta(hours=12)
    store = Store(make_engine(db))
    lea = next(v for v in store.views() if v.report.email == LEA)
    fridays = [o for o in store.pairing_occurrences(lea.pairing.id)
               if date(2027, 1, 8) <= o.original_start.astimezone(LONDON).date()
               <= date(2027, 1, 29)]
    assert len(fridays) == 4 and all(o.absence_state == "skipped" for o in fridays)
    notes = [m for m in store.outbox() if m.kind == "absence_long"]
    assert [m.subject for m in notes] == [
        "1-2-1s during Lea Report's absence (4 Jan 2027 – 29 Jan 2027)"]
    assert "(20 working days)" in notes[0].body_html
