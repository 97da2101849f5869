"""A new starter's weekly 1-2-1s turn into the role's cadence when their new-starter days
end, planned when the series is booked: the weekly series ends the day before, a follow-on
at the new cadence starts then, and nobody gets a cancellation for it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from service.domain.cadence import add_months
from service.graph.client import parse_graph_datetime
from tests.integration.test_schedule_job import NOW, calendar, org, run, series_in

BEN, MIA = "ben@contoso.example", "mia@contoso.example"
LONDON = ZoneInfo("Europe/London")
# Ben was hired 2026-09-04: new for 90 days after it, so monthly from 2026-12-04 on.
UNTIL = date(2026, 12, 4)
DAYS = (0, 1, 6, 9, 10, 11, 12, 20, 45, 80)


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _meetings(settings, tenant, mailbox: str, with_whom: str, start: datetime,
              end: datetime) -> list[datetime]:
    """The starts of the pair's 1-2-1s in ``mailbox``'s calendar, as Outlook lists them."""
    return sorted(parse_graph_datetime(e["start"]).astimezone(LONDON)
                  for e in calendar(settings, tenant, mailbox, start, end)
                  if with_whom in (e.get("subject") or "") and not e.get("isCancelled"))


def _reach(tenant, tag_part: str) -> date:
    """How far the pair's series are booked (the latest range end of any of them)."""
    return max(date.fromisoformat(s["recurrence"]["range"]["endDate"])
               for s in series_in(tenant, MIA) if tag_part in s["subject"])


def test_new_starter_turns_monthly_without_a_cancellation(settings) -> None:
    tenant = org()
    seen: dict[date, datetime] = {}
    for days in DAYS:
        now = NOW + timedelta(days=days)
        result = run(settings, tenant, now)
        assert result.schedule.failed == [], days
        assert not any(line.startswith("Mia Manager & Ben New")
                       for line in result.schedule.ended), days
        # Nothing cancelled for Ben, on any day (the old way: one mail per weekly meeting).
        assert tenant.meeting_messages(BEN, "cancel") == [], days
        # Booked at least six months ahead throughout.
        assert _reach(tenant, "Ben New") >= add_months(now.date(), 6), days
        for start in _meetings(settings, tenant, BEN, "Ben New", now, now + timedelta(
                days=200)):
            seen.setdefault(start.date(), start)
    # One invitation for the weekly series, one for the follow-on: nothing else.
    assert len(tenant.meeting_messages(BEN, "invite")) == 2
    meetings = sorted(seen.values())
    assert len(seen) == len(meetings)  # (by day: never two of the pair on one day)
    weekly = [m for m in meetings if m.date() < UNTIL]
    monthly = [m for m in meetings if m.date() >= UNTIL]
    assert len(weekly) >= 2 and len(monthly) >= 6
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(weekly))
    # Monthly from the first day Ben is no longer new, no later than a month after the last
    # weekly one, on the same weekday and time (in Mia's zone: the hour moves in UTC).
    assert monthly[0].date() <= add_months(weekly[-1].date(), 1)
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35)
               for a, b in pairwise(monthly))
    assert {(m.weekday(), m.time()) for m in meetings} == {(weekly[0].weekday(),
                                                            weekly[0].time())}
    # Mia's 1-2-1s (with all her reports) never overlap one another.
    mine = [(parse_graph_datetime(e["start"]), parse_graph_datetime(e["end"]))
            for e in calendar(settings, tenant, MIA, NOW, NOW + timedelta(days=300))
            if (e.get("subject") or "").startswith("1-2-1") and not e.get("isCancelled")]
    mine.sort()
    assert all(a[1] <= b[0] for a, b in pairwise(mine))


def test_a_new_starter_manager_of_others_turns_fortnightly(settings) -> None:
    """A new starter who manages others meets fortnightly from the day their weeks end."""
    tenant = org()
    tenant.add_user("Kim Kid", "kim@contoso.example", manager=BEN, hire_date=date(2025, 1, 1))
    for days in (0, 10, 12):
        run(settings, tenant, NOW + timedelta(days=days))
    assert tenant.meeting_messages(BEN, "cancel") == []
    meetings = _meetings(settings, tenant, BEN, "Mia Manager & Ben New", NOW,
                         NOW + timedelta(days=120))
    later = [m for m in meetings if m.date() >= UNTIL]
    assert later and later[0] - max(m for m in meetings if m.date() < UNTIL) <= timedelta(
        weeks=2)
    assert all(b - a == timedelta(weeks=2) for a, b in pairwise(later))


def test_dry_run_lists_the_follow_on_of_a_new_starter(settings) -> None:
    """`schedule --dry-run` lists the follow-on the real run books with the first series."""
    from tests.integration.test_dry_run_agrees import _run

    tenant = org()
    dry = _run(settings, tenant, NOW, dry_run=True).schedule
    real = _run(settings, tenant, NOW, dry_run=False).schedule
    assert len(real.extended) == 1 and "follow-on series from" in real.extended[0]
    tail = real.extended[0].split(" to ", 1)[1]
    assert [line.split(" to ", 1)[1] for line in dry.extended] == [tail]
    assert sorted(dry.planned) == sorted(real.planned)


def test_a_new_starter_who_starts_managing_others_is_recadenced_once(settings) -> None:
    """Ben gets a report of his own before his weeks end: the monthly follow-on booked for
    then is the wrong cadence now. It has not begun, so it is cancelled whole (one mail),
    his weekly meetings stay, and from then on he meets fortnightly."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.add_user("Kim Kid", "kim@contoso.example", manager=BEN, hire_date=date(2025, 1, 1))
    for days in (3, 9, 10, 11, 20):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [], days
    assert len(tenant.meeting_messages(BEN, "cancel")) <= 1
    meetings = _meetings(settings, tenant, BEN, "Mia Manager & Ben New", NOW,
                         NOW + timedelta(days=120))
    weekly = [m for m in meetings if m.date() < UNTIL]
    later = [m for m in meetings if m.date() >= UNTIL]
    assert len(weekly) >= 2 and all(b - a == timedelta(weeks=1) for a, b in pairwise(weekly))
    assert later[0] - weekly[-1] <= timedelta(weeks=2)
    assert all(b - a == timedelta(weeks=2) for a, b in pairwise(later))


def test_the_managers_new_time_carries_to_the_follow_on_at_its_cadence(settings) -> None:
    """Mia moves Ben's weekly 1-2-1s to Fridays 11:00 in Outlook before his weeks end: the
    monthly follow-on takes her day and time (one update), stays monthly, and nothing is
    cancelled when Ben's weeks end."""
    tenant = org()
    run(settings, tenant, NOW)
    (weekly,) = [s for s in series_in(tenant, MIA) if "Ben New" in s["subject"]
                 and s["recurrence"]["pattern"]["type"] == "weekly"]
    friday = datetime(2026, 11, 27, 11, 0, tzinfo=LONDON)
    tenant.person_retime_series(MIA, weekly["id"], friday, friday + timedelta(minutes=30))
    for days in (1, 2, 3, 6, 10, 11, 12):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [] and result.schedule.ended == [], days
    assert tenant.meeting_messages(BEN, "cancel") == []
    meetings = _meetings(settings, tenant, BEN, "Ben New", friday, NOW + timedelta(days=160))
    assert {(m.weekday(), m.time()) for m in meetings} == {(friday.weekday(), friday.time())}
    later = [m for m in meetings if m.date() >= UNTIL]
    assert [m for m in meetings if m.date() < UNTIL] == [friday]
    assert later[0].date() == UNTIL and len(later) >= 4
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35) for a, b in pairwise(later))


def test_a_new_starter_moved_away_and_back_is_booked_through_their_change(settings) -> None:
    """Ben moves to Max and back while still new: his pair with Mia is booked again, weekly
    to the day his weeks end and monthly after, though that follow-on is the very series
    (same slot, so the same transactionId) his first booking's follow-on was, now ended
    (soak seed 21: it was taken for another replica's extension and not booked, and the
    pair had no meeting for six weeks)."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.set_manager(tenant.user(BEN), tenant.user("max@contoso.example"))
    run(settings, tenant, NOW + timedelta(days=1))
    tenant.set_manager(tenant.user(BEN), tenant.user(MIA))
    for days in (3, 4):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [], days
        now = NOW + timedelta(days=days)
        assert _reach(tenant, "Mia Manager & Ben New") >= add_months(now.date(), 6), days
    later = [m for m in _meetings(settings, tenant, BEN, "Mia Manager & Ben New", now,
                                  now + timedelta(days=120)) if m.date() >= UNTIL]
    assert len(later) >= 3
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35) for a, b in pairwise(later))


def test_a_follow_on_the_manager_moves_earlier_takes_over_from_its_new_first_day(
        settings) -> None:
    """Mia opens Ben's monthly follow-on (its first meeting months ahead) and moves the
    whole series to start on a Monday while his weekly ones still run: from that day the
    pair would meet on both. Her later choice stands: the weekly meetings from then are
    cancelled (one mail each), those before stay, and the monthly series goes on as she
    set it (soak seed 21: two series of one pair side by side for months)."""
    tenant = org()
    run(settings, tenant, NOW)
    (follow,) = [s for s in series_in(tenant, MIA) if "Ben New" in s["subject"]
                 and s["recurrence"]["pattern"]["type"] != "weekly"]
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=LONDON)
    rule = {"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"],
                        "index": "last", "firstDayOfWeek": "sunday"},
            "range": {**follow["recurrence"]["range"], "startDate": monday.date().isoformat()}}
    tenant.person_retime_series(MIA, follow["id"], monday, monday + timedelta(minutes=30),
                                rule)
    weekly_before = _meetings(settings, tenant, BEN, "Ben New", NOW, monday)
    for days in (1, 2, 3):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [], days
    meetings = _meetings(settings, tenant, BEN, "Ben New", NOW, NOW + timedelta(days=200))
    assert [m for m in meetings if m < monday] == weekly_before
    later = [m for m in meetings if m >= monday]
    assert later[0] == monday and {(m.weekday(), m.time()) for m in later} == {(0, monday.time())}
    assert len(tenant.meeting_messages(BEN, "cancel")) == 1  # the one weekly left (2 Dec)
    # A second look changes nothing (the older series ends the day before, for good).
    run(settings, tenant, NOW + timedelta(days=4))
    assert len(tenant.meeting_messages(BEN, "cancel")) == 1


def test_a_new_starter_whose_weeks_end_before_the_first_meeting_is_booked_at_the_role_cadence(
        settings) -> None:
    """Hired 89 days ago: new for two more days, but no 1-2-1 can be held before then (the
    first is at least two days away). Booked weekly, their series ran nine months weekly
    with no end planned, and the pairs sync two days later ended it: one cancellation mail
    per weekly meeting to come, then a monthly series. They are monthly from the start."""
    tenant = org()
    joe = "joe@contoso.example"
    # New starter until 2026-11-24 inclusive: no longer new from 2026-11-25, the soonest
    # day NOW's run books a first meeting on.
    tenant.add_user("Joe Recent", joe, manager=MIA, hire_date=date(2026, 8, 26))
    for days in (0, 2, 3, 10):
        result = run(settings, tenant, NOW + timedelta(days=days))
        assert result.schedule.failed == [], days
        assert not any(line.startswith("Mia Manager & Joe Recent")
                       for line in result.schedule.ended), days
    assert tenant.meeting_messages(joe, "cancel") == []
    assert len(tenant.meeting_messages(joe, "invite")) == 1
    meetings = _meetings(settings, tenant, joe, "Joe Recent", NOW, NOW + timedelta(days=200))
    assert len(meetings) >= 6 and meetings[0].date() >= date(2026, 11, 25)
    assert all(timedelta(days=28) <= b - a <= timedelta(days=35)
               for a, b in pairwise(meetings))
