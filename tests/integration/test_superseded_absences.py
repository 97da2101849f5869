"""A series that was extended (schedule's follow-on: every series once fewer than
`months_ahead` months remain, so about three months after it was booked) is "superseded"
but still holds its meetings up to its range end — months of them. Their agendas are
written (agenda_candidates takes HOLDING_SERIES); they must be moved off bank holidays
too, as the active series' are."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from service.jobs.schedule import follow_on
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_absences import (
    LONDON,
    ROB,
    START,
    org,
    run_tick,
    settings_at,
)


def test_a_superseded_series_meeting_on_christmas_day_is_moved(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'absences.db'}"
    settings = settings_at(tmp_path, db)
    tenant = org()
    run_tick(settings, tenant, START)  # books the series, Fridays
    store = Store(make_engine(db))
    view = next(v for v in store.views() if v.report.email == ROB)
    old = view.series
    assert old is not None and old.range_end > date(2027, 1, 1)
    # The schedule step's extension, as it records it: the old series is superseded and
    # keeps every meeting up to its range end (Christmas Day among them).
    pol = settings.series_policy()
    assert store.begin_follow_on(old.id, follow_on(old, START, pol.months_ahead,
                                                   pol.extend_months, view.pairing.key))
    for step in range(1, 2 * 23):  # to 24 Dec: Christmas' agenda is written by then
        run_tick(settings, tenant, START + timedelta(hours=12 * step))
    xmas = next(o for o in store.pairing_occurrences(view.pairing.id)
                if o.original_start.astimezone(LONDON).date() == date(2026, 12, 25))
    assert xmas.series_id == old.id
    assert xmas.absence_state == "moved", (xmas.absence_state, xmas.agenda_state)
    assert xmas.start.astimezone(LONDON).date() == date(2026, 12, 24)
