"""A pair whose cadence becomes rarer is not mailed a cancellation per meeting to come
(deeporg review, finding 2). A lead booked while their vacancy's grace runs (the day it ends
known then) gets a series ending the day before and a monthly follow-on, as a new starter
does; someone coming to report to them before that day keeps the pair fortnightly with no
gap. (A series booked before the grace began is kept to its end: test_lead_between_reports.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest

from service.graph.client import parse_graph_datetime
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, calendar, run

LEE, NEW = "lee@contoso.example", "new@contoso.example"
# Rae, Lee's only report, goes the day Lee moves (NOW + 1): the grace ends 90 days later.
UNTIL = date(2027, 2, 22)


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org() -> SandboxTenant:
    """Lee leads Rae under Old Boss; New Boss leads no one yet (all long in post). (Nobody
    above the two bosses: their own 1-2-1s would only be more meetings to run.)"""
    t = SandboxTenant(seed="step-down", now=lambda: NOW)
    for name, email in (("Old Boss", "old@contoso.example"), ("New Boss", NEW)):
        t.add_user(name, email, hire_date=date(2015, 1, 1))
    t.add_user("Lee Lead", LEE, manager="old@contoso.example", hire_date=date(2018, 1, 1))
    t.add_user("Rae Report", "rae@contoso.example", manager=LEE, hire_date=date(2019, 1, 1))
    return t


def _lee_moves(settings, tenant: SandboxTenant) -> None:
    """Lee moves to New Boss the day Rae (his only report) moves to Old Boss."""
    run(settings, tenant, NOW)
    tenant.set_manager(LEE, NEW)
    tenant.set_manager("rae@contoso.example", "old@contoso.example")
    result = run(settings, tenant, NOW + timedelta(days=1))
    assert "New Boss & Lee Lead" in result.schedule.created
    (view,) = [v for v in Store(make_engine(settings.database.url)).views()
               if v.report.email == LEE and v.manager.email == NEW]
    assert view.pairing.cadence_reason.endswith(f"kept until {UNTIL})")


def _with_new_boss(settings, tenant: SandboxTenant, what: str) -> list[dict]:
    """Lee's meeting mails of ``what`` kind about his 1-2-1 with New Boss."""
    return [m for m in tenant.meeting_messages(LEE, what)
            if "New Boss" in (m.get("subject") or "")]


def _meetings(settings, tenant: SandboxTenant, start: datetime, end: datetime
              ) -> list[datetime]:
    """The starts of Lee's 1-2-1s with New Boss in Lee's calendar, as Outlook lists them."""
    return sorted(parse_graph_datetime(e["start"])
                  for e in calendar(settings, tenant, LEE, start, end)
                  if "New Boss" in (e.get("subject") or "") and not e.get("isCancelled"))


def test_a_lead_booked_during_the_grace_turns_monthly_without_a_cancellation(settings
                                                                             ) -> None:
    """Booked fortnightly to the day before the grace ends, monthly from that day on: no
    cancellation and two invitations, however many runs go by (before: 14 cancellations
    on that day)."""
    tenant = _org()
    _lee_moves(settings, tenant)
    start = NOW + timedelta(days=1)
    seen: set[datetime] = set()
    # A run a week, each looking 60 days ahead (every meeting is seen; a cancellation mailed
    # on any day stays in the mailbox), to two weeks past the grace's end (day 91, run too):
    # the monthly meetings are seen and the runs after the seam cancel nothing.
    for day in range(7, 106, 7):
        now = NOW + timedelta(days=day)
        result = run(settings, tenant, now)
        assert result.schedule.failed == [], day
        assert _with_new_boss(settings, tenant, "cancel") == [], day
        seen.update(_meetings(settings, tenant, now, now + timedelta(days=60)))
    assert len(_with_new_boss(settings, tenant, "invite")) == 2
    meetings = sorted(m for m in seen if m >= start)
    before = [m for m in meetings if m.date() < UNTIL]
    after = [m for m in meetings if m.date() >= UNTIL]
    assert all(b - a == timedelta(weeks=2) for a, b in pairwise(before))
    assert len(after) >= 2 and all(timedelta(days=28) <= b - a <= timedelta(days=35)
                                   for a, b in pairwise(after))
    assert after[0] - before[-1] <= timedelta(days=35)  # no gap at the seam


def test_a_report_arriving_during_the_grace_keeps_it_fortnightly(settings) -> None:
    """Nia comes to report to Lee a month in: the monthly follow-on planned for the grace's
    end, not begun, goes whole (one cancellation) and the pair meets fortnightly on, with
    no gap, and never on two series at once."""
    tenant = _org()
    _lee_moves(settings, tenant)
    for day in (4, 10, 20):
        run(settings, tenant, NOW + timedelta(days=day))
    tenant.add_user("Nia New", "nia@contoso.example", manager=LEE, hire_date=date(2020, 1, 1))
    seen: set[datetime] = set()
    # A run a week, each looking 60 days ahead, to past the day the grace would have ended
    # (day 91): the meetings seen reach a month past it.
    for day in range(30, 101, 7):
        now = NOW + timedelta(days=day)
        result = run(settings, tenant, now)
        assert result.schedule.failed == [], day
        seen.update(_meetings(settings, tenant, now, now + timedelta(days=60)))
    assert len(_with_new_boss(settings, tenant, "cancel")) <= 1
    meetings = sorted(seen)
    assert meetings[-1].date() > UNTIL + timedelta(days=30)
    # Fortnightly throughout, across the day the grace would have ended (an hour either
    # way: the clocks change in March).
    assert all(abs(b - a - timedelta(weeks=2)) <= timedelta(hours=1)
               for a, b in pairwise(meetings)), meetings
    (view,) = [v for v in Store(make_engine(settings.database.url)).views()
               if v.report.email == LEE and v.manager.email == NEW]
    assert (view.pairing.cadence, view.pairing.cadence_reason) == ("fortnightly",
                                                                    "manages others")
    assert view.series is not None and view.series.cadence == "fortnightly"


def test_a_step_down_after_the_follow_on_was_booked_keeps_the_series_running(settings
                                                                             ) -> None:
    """Lee's fortnightly series was extended (a fortnightly follow-on booked months ahead)
    before Ron, his only report, left; when the grace ends the follow-on, not begun, is
    replaced whole by a monthly one from the running series' end: one cancellation, where
    ending both cancelled every fortnightly meeting to come."""
    bea, lee, ron = "bea@contoso.example", LEE, "ron@contoso.example"
    tenant = SandboxTenant(seed="step-down-late", now=lambda: NOW)
    tenant.add_user("Bea Boss", bea, hire_date=date(2019, 1, 1))
    tenant.add_user("Lee Lead", lee, manager=bea, hire_date=date(2019, 1, 1))
    tenant.add_user("Ron Report", ron, manager=lee, hire_date=date(2019, 1, 1))
    for day in (0, 30, 60, 110):
        run(settings, tenant, NOW + timedelta(days=day))
    store = Store(make_engine(settings.database.url))

    def lees() -> list:
        (view,) = [v for v in store.views() if v.report.email == lee]
        return store.pairing_series(view.pairing.id)

    assert [(s.status, s.cadence) for s in lees()] == [("superseded", "fortnightly"),
                                                       ("active", "fortnightly")]
    tenant.disable_user(ron)
    gone = NOW + timedelta(days=111)  # 2027-03-14: the grace runs to 2027-06-12
    for day in (0, 1, 89, 90, 91, 100):
        result = run(settings, tenant, gone + timedelta(days=day))
        assert result.schedule.failed == [], day
    assert len([m for m in tenant.meeting_messages(lee, "cancel")
                if "Bea Boss" in (m.get("subject") or "")]) == 1
    running, ended, monthly = lees()
    assert (running.status, running.cadence) == ("superseded", "fortnightly")
    assert (ended.status, monthly.status, monthly.cadence) == ("ended", "active", "monthly")
    assert running.range_end >= (gone + timedelta(days=100)).date()
    assert running.range_end < monthly.first_date <= running.range_end + timedelta(days=35)
