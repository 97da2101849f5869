"""The manager re-times the whole series in Outlook after onetoone has booked its follow-on
(an extension: every series once fewer than `months_ahead` months remain, so for most of a
series' life a follow-on waits in both calendars). The manager's new time must carry on
past the seam: the follow-on, not started yet, takes the manager's slot, and no week at
the seam is lost or doubled (sandbox, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.model import CadenceKind
from service.domain.series import occurrences as series_occurrences
from service.sandbox.occurrences import calendar_items, start_of
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import MIA, ROB, Org


def _series_of(org_: Org, email: str) -> list[Any]:
    view = next((v for v in org_.store.views() if v.report.email == email), None)
    if view is None:
        return []
    return org_.store.pairing_series(view.pairing.id)


def extending_org(db_url: str, settings_for: Any) -> Org:
    """Weekly pairs booked a month ahead and extended a month at a time: a follow-on series
    is booked within days, and waits in both calendars for most of each series' life."""
    org_ = Org(db_url, settings_for)
    org_.settings = settings_for(db_url, default_cadence=CadenceKind.WEEKLY, months_ahead=1,
                                 extend_months=1)
    return org_


@pytest.mark.slow
def test_a_series_retimed_after_its_follow_on_was_booked_keeps_the_managers_slot(
        tmp_path: Any, settings_for: Any) -> None:
    # SQLite only: 75 days of ticks through the loop, whose rows every store reads alike
    # (the PostgreSQL variants of the follow-on's steps are the shorter tests').
    org_ = extending_org(f"sqlite:///{tmp_path / 'retimed.db'}", settings_for)
    retimed: list[tuple[datetime, Any]] = []

    def each(now: datetime) -> None:
        if retimed:
            return
        found = _series_of(org_, ROB)
        old = [s for s in found if s.status == "superseded"]
        new = [s for s in found if s.status == "active"]
        if not old or not new:
            return
        series = old[0]
        zone = ZoneInfo(series.time_zone)
        upcoming = [s for s, _e in series_occurrences(series, now + timedelta(days=2),
                                                      now + timedelta(days=9))]
        first = upcoming[0].astimezone(zone) + timedelta(days=1, hours=2)
        org_.tenant.person_retime_series(MIA, series.event_id, first,
                                         first + timedelta(minutes=series.minutes))
        retimed.append((first, new[0]))

    # A tick a day (the service runs every 12 to 24 hours): the follow-on is booked on day
    # 40, the series re-timed the next day and the follow-on carried on day 44; the ticks go
    # on past the seam (day 72, the follow-on's first meeting, read back the next day), and
    # the calendars are read to day 100 as before.
    org_.hourly(START + timedelta(days=75), each, step=timedelta(days=1))
    until = START + timedelta(days=100)
    assert retimed, "no follow-on series was booked"
    first, follow = retimed[0]
    # Both calendars: every meeting from the manager's first one at the new time on is at
    # the new time, a week apart (none lost or doubled at the seam).
    for email in (MIA, ROB):
        items = [e for e in calendar_items(org_.tenant, org_.tenant.user(email)["id"],
                                           first - timedelta(hours=1), until)
                 if e["subject"].startswith("1-2-1") and "Rob" in e["subject"]
                 and not e.get("isCancelled")]
        starts = [start_of(e).astimezone(first.tzinfo) for e in items]
        assert starts, f"no meetings in {email}'s calendar"
        wrong = [s for s in starts if (s.weekday(), s.time()) != (first.weekday(), first.time())]
        assert wrong == [], (f"{email}'s 1-2-1s went back to the old time at the seam "
                             f"(follow-on from {follow.first_date}): {wrong[:3]}")
        gaps = {b - a for a, b in pairwise(starts)}
        assert gaps == {timedelta(weeks=1)}, f"{email}: {sorted(gaps)}"
    live = [s for s in _series_of(org_, ROB) if s.status == "active"]
    assert len(live) == 1
    assert (live[0].weekday, live[0].start_time) == (first.weekday(), f"{first:%H:%M}")
