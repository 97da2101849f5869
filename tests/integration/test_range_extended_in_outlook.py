"""The manager opens the whole series in Outlook and gives it a later end date (or none),
the slots kept. The series then reaches past the end onetoone recorded: onetoone must take
that range, not book a follow-on series on top of it, which would put every 1-2-1 after the
old end in both calendars twice (sandbox and SQLite: months of ticks; the store's side is
one update of the series' end, as everywhere)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import MIA, ROB
from tests.integration.test_retimed_before_follow_on import extending_org


@pytest.mark.slow
@pytest.mark.parametrize("range_type", ["endDate", "noEnd"])
def test_a_series_given_a_later_end_in_outlook_is_not_booked_twice(
        tmp_path: Any, settings_for: Any, range_type: str) -> None:
    org_ = extending_org(f"sqlite:///{tmp_path / 'range.db'}", settings_for)
    edited: list[datetime] = []

    def each(now: datetime) -> None:
        view = next((v for v in org_.store.views() if v.report.email == ROB), None)
        if edited or view is None or view.series is None or view.series.event_id is None:
            return
        series = view.series
        master = org_.tenant.state["events"][org_.tenant.user(MIA)["id"]][series.event_id]
        recurrence = copy.deepcopy(master["recurrence"])
        if range_type == "noEnd":
            recurrence["range"] = {**recurrence["range"], "type": "noEnd"}
            recurrence["range"].pop("endDate", None)
        else:
            recurrence["range"]["endDate"] = (series.range_end + timedelta(days=120)).isoformat()
        first = start_of(master)
        org_.tenant.person_retime_series(MIA, series.event_id, first,
                                         first + timedelta(minutes=series.minutes), recurrence)
        edited.append(now)

    # A tick a day (the service runs every 12 to 24 hours): the range is edited on day 1
    # and read when the extension is due (day 40); the ticks go on past the old end (day
    # 70; a follow-on would begin on day 71), and the calendars are read as far as before.
    org_.hourly(START + timedelta(days=75), each, step=timedelta(days=1))
    until = START + timedelta(days=100)
    assert edited
    for email in (MIA, ROB):
        weeks = Counter(start_of(e).isocalendar()[:2] for e in calendar_items(
            org_.tenant, org_.tenant.user(email)["id"], START, until + timedelta(days=60))
            if "Rob" in e["subject"] and not e.get("isCancelled"))
        twice = sorted(week for week, n in weeks.items() if n > 1)
        assert twice == [], f"{email}: two 1-2-1s with Rob in weeks {twice[:4]}"
