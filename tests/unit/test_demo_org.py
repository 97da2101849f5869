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


def test_a_manager_already_holds_a_1_2_1_made_by_hand() -> None:
    """Eleanor and Hannah meet every two weeks in a series Eleanor made in Outlook (no tag):
    the demo shows onetoone adopting it instead of booking a second."""
    tenant = demo_tenant(date(2026, 11, 23))
    own = [e for e in tenant.events("eleanor.whitfield@contoso.example")
           if e["subject"] == "Hannah / Eleanor catch-up"]
    assert len(own) == 1 and own[0]["type"] == "seriesMaster"
    assert [a["emailAddress"]["address"] for a in own[0]["attendees"]] == [
        "hannah.price@contoso.example"]
    assert not own[0].get("singleValueExtendedProperties")


def test_the_sandboxs_holidays_cover_the_new_york_office() -> None:
    """Everyone in the demo organisation whose mailbox is in New York gets New York's
    holidays in the sandbox's settings, and no one else: else doctor warned of the
    product's own example, and the demo moved their 1-2-1s off England's bank holidays."""
    from service.config import default_settings
    from service.sandbox.org import NEW_YORK

    users = demo_tenant(date(2026, 11, 23)).state["users"].values()
    new_york = sorted(u["mail"] for u in users
                      if u["mailboxSettings"]["timeZone"] == NEW_YORK)
    holidays = default_settings().holidays
    assert new_york and sorted(email for email, _code in holidays.people) == new_york
    assert {holidays.code_for(email) for email in new_york} == {"US-NY"}


def test_the_new_york_staff_write_dates_month_first() -> None:
    """The New York staff's mailboxSettings give a US dateFormat (so Marcus's notes are read
    month first); London's give day first."""
    users = users_by_name(demo_tenant(date(2026, 11, 23)))
    formats = {name: u["mailboxSettings"]["dateFormat"] for name, u in users.items()}
    assert formats["Marcus Johnson"] == formats["Olivia Chen"] == "M/d/yyyy"
    assert formats["Priya Sharma"] == formats["Eleanor Whitfield"] == "dd/MM/yyyy"
    assert users["Marcus Johnson"]["mailboxSettings"]["language"]["locale"] == "en-US"
