"""The manager deletes the 1-2-1 series in Outlook after onetoone has booked its follow-on
(an extension: for most of a series' life a follow-on waits in both calendars, months
ahead). The pair is not scheduled again until `onetoone pairs reset`: the follow-on must
not bring the meetings back at the seam, in either calendar (sandbox and SQLite: months of
ticks; the store query that ends it is the one every ended pair goes through)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import MIA, ROB
from tests.integration.test_retimed_before_follow_on import extending_org


@pytest.mark.slow
def test_a_series_deleted_after_its_follow_on_was_booked_stays_deleted(
        tmp_path: Any, settings_for: Any) -> None:
    org_ = extending_org(f"sqlite:///{tmp_path / 'deleted.db'}", settings_for)
    deleted: list[tuple[datetime, Any]] = []

    def each(now: datetime) -> None:
        view = next((v for v in org_.store.views() if v.report.email == ROB), None)
        if deleted or view is None:
            return
        found = org_.store.pairing_series(view.pairing.id)
        old = [s for s in found if s.status == "superseded"]
        new = [s for s in found if s.status == "active" and s.event_id]
        if old and new:
            org_.tenant.person_cancel(MIA, old[0].event_id)  # the whole series
            deleted.append((now, new[0]))

    # A tick a day (the service runs every 12 to 24 hours): the follow-on is booked on day
    # 40 and the series deleted the next day; the ticks go on past the seam (day 71, where
    # the follow-on would begin), and the calendars are read to day 100 as before.
    org_.hourly(START + timedelta(days=75), each, step=timedelta(days=1))
    until = START + timedelta(days=100)
    assert deleted, "no follow-on series was booked"
    when, follow = deleted[0]
    view = next(v for v in org_.store.views() if v.report.email == ROB)
    assert view.pairing.status == "series_deleted"
    for email in (MIA, ROB):
        back = [f"{start_of(e):%Y-%m-%d %H:%M}" for e in calendar_items(
            org_.tenant, org_.tenant.user(email)["id"], when + timedelta(days=2), until)
            if "Rob" in e["subject"] and not e.get("isCancelled")]
        assert back == [], (f"{email}: the deleted 1-2-1s came back with the follow-on "
                            f"series from {follow.first_date}: {back[:3]}")
