"""The demo organisation has what real organisations have: a middle manager, a part-timer
and a week of leave inside the weeks the demo walks through."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from service.demo import WALK
from service.sandbox import demo_tenant, leave_week


def users_by_name(tenant) -> dict[str, dict]:
    return {u["displayName"]: u for u in tenant.state["users"].values()}


def test_there_is_a_middle_manager() -> None:
    """Someone reports to a manager and manages others (Priya and Marcus)."""
    users = demo_tenant(date(2026, 11, 23)).state["users"].values()
    managers = {u["manager_id"] for u in users if u["manager_id"]}
    middle = sorted(u["displayName"] for u in users if u["manager_id"] and u["id"] in managers)
    assert middle == ["Marcus Johnson", "Priya Sharma"]


def test_there_is_a_part_timer() -> None:
    """Daniel works Monday to Thursday (mailboxSettings working hours)."""
    daniel = users_by_name(demo_tenant(date(2026, 11, 23)))["Daniel Hughes"]
    assert daniel["mailboxSettings"]["workingHours"]["daysOfWeek"] == [
        "monday", "tuesday", "wednesday", "thursday"]


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2026, 12, 1), date(2027, 6, 13)])
def test_a_week_of_leave_inside_the_demo_walk(today: date) -> None:
    """Priya has one all-day out-of-office event, Monday to Friday, inside the simulated weeks,
    whatever day the demo starts."""
    tenant = demo_tenant(today)
    leave = [e for e in tenant.events("priya.sharma@contoso.example")
             if e["subject"] == "Annual leave"]
    assert len(leave) == 1
    event = leave[0]
    assert event["isAllDay"] is True and event["showAs"] == "oof"
    first, last = leave_week(today)
    assert (first.weekday(), last.weekday()) == (0, 4)
    assert event["start"]["dateTime"].startswith(f"{first.isoformat()}T00:00:00")
    assert event["end"]["dateTime"].startswith(f"{last + timedelta(days=1)}T00:00:00")
    assert event["start"]["timeZone"] == "Europe/London"  # her own zone: midnight is hers
    assert today < first and last + timedelta(days=1) <= today + WALK


def test_demo_pages_show_the_leave_handled_and_missed_meetings(tmp_path) -> None:
    """A demo walking over Priya's leave shows the 1-2-1 onetoone moved off it (and why),
    Grace's pair flagged for missed meetings, and times in each series' zone."""
    import re
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2026, 11, 23, 9, tzinfo=UTC), Console(file=None,
                                                                          quiet=True))
    index = (tmp_path / "out" / "index.html").read_text()
    first, last = leave_week(date(2026, 11, 23))
    moved = re.findall(r"<td>(\w{3} \d\d \w{3} \d\d:\d\d [\w/]+)</td><td>Priya Sharma &amp; "
                       r"Sophie Turner</td><td>([^<]*moved by onetoone[^<]*)</td>", index)
    assert moved, "Sophie's meeting in Priya's week of leave was not moved"
    for when, why in moved:
        day = datetime.strptime(f"{when[:10]} {first.year}", "%a %d %b %Y").date()
        assert not first <= day <= last and "Europe/London" in when and "(" in why
    assert "active, missed 2 in a row" in index  # Marcus never writes notes for Grace
    assert "America/New_York</td><td>Marcus Johnson &amp;" in index


def test_demo_over_a_bank_holiday_shows_the_meeting_moved_off_it(tmp_path) -> None:
    """A demo walking over Christmas 2027 (Boxing Day observed is Tuesday 28 December)
    shows the 1-2-1s that fell on it moved by onetoone, the holiday named, and the rebooking
    offers and reminders managers got listed with the mail."""
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2027, 12, 1, 8, tzinfo=UTC), Console(file=None,
                                                                         quiet=True))
    index = (tmp_path / "out" / "index.html").read_text()
    assert "moved by onetoone (bank holiday: Boxing Day (observed) (England))" in index
    agendas = index.split("Agendas and notes")[1].split("Mail people received")[0]
    assert "<td>Tue 28 Dec" not in agendas  # no 1-2-1 left on the bank holiday
    assert "Rebook your 1-2-1" in index  # the offer a missed meeting got, in the mail list


def test_demo_agenda_page_never_runs_what_people_typed() -> None:
    """An invite body holding markup typed by a person is shown escaped inside a sandboxed
    frame: no live script or handler reaches the demo page."""
    from service.render import render

    hostile = '<p>ok</p><script>alert(1)</script><img src=x onerror="alert(2)">"</p>'
    page = render("demo_agenda.html.j2", manager="Mia", report="Rob", when="Tue", status="held",
                  body_html=hostile)
    assert "<script>" not in page and "<img" not in page
    assert 'sandbox title="The invite body"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
