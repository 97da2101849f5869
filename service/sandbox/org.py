"""The demo organisation the sandbox tenant starts with (``onetoone demo``, CLI sandbox mode).

Twelve people at a small company with offices in London and New York:

* Eleanor Whitfield, CEO (London), manages two managers and the People Partner;
* Priya Sharma, Head of Engineering (London), with four reports, one of them a new starter
  (Sophie Turner, hired ten days before ``today``) and one who works Monday-Thursday
  (Daniel Hughes);
* Marcus Johnson, Head of Sales (New York, Eastern time), with three reports, plus a
  former salesperson whose account is disabled; the New York staff's Outlook writes dates
  month first (mailboxSettings' dateFormat "M/d/yyyy"), so Marcus's "by 12/10" is 10 Dec;
* existing busy time so free/busy matters: two weekly team meetings, a fortnightly
  leadership meeting, a daily focus block, and some one-off meetings in the coming weeks;
* a week of leave: Priya is out of office (one all-day ``oof`` event, Monday to Friday) in
  the week two weeks after the week of ``today``, inside the six weeks ``onetoone demo``
  walks through, so her weekly 1-2-1 with Sophie (and any other that week) has to move.

What real organisations have, on purpose: middle managers (Priya and Marcus are Eleanor's
reports and managers of others), a part-timer (Daniel, Monday-Thursday in his
mailboxSettings working hours), two time zones, a new starter and a week of leave. Public
holidays come from the holidays library, not from this data (the New York staff get New
York's through the sandbox's built-in settings, ``SANDBOX_HOLIDAY_PEOPLE`` in
service/config/keys.py: a new one there goes there too): a demo started on
2026-11-23 walks over Thanksgiving (US, Thu 26 Nov), Christmas Day (Fri 25 Dec), Boxing
Day observed (Mon 28 Dec, England and Scotland) and New Year's Day (Fri 1 Jan 2027).

Everything is derived from ``today``, so the same date gives the same tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.sandbox.routing import SandboxTenant

LONDON = "GMT Standard Time"
NEW_YORK = "Eastern Standard Time"
US_DATES = "M/d/yyyy"  # Outlook's short date for English (United States)
DOMAIN = "contoso.example"
_ZONES = {LONDON: ZoneInfo("Europe/London"), NEW_YORK: ZoneInfo("America/New_York")}
MON_THU = {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday"]}
# Priya's week of leave starts this many weeks after the Monday of the demo's first week.
LEAVE_WEEKS_AHEAD = 2


def _email(name: str) -> str:
    return name.lower().replace(" ", ".").replace("'", "") + "@" + DOMAIN


def _weekly(days: list[str], start: date, *, interval: int = 1, until: date | None = None
            ) -> dict[str, Any]:
    """A weekly patternedRecurrence from ``start`` (no end unless ``until``)."""
    rng: dict[str, Any] = {"type": "noEnd", "startDate": start.isoformat()}
    if until is not None:
        rng = {"type": "endDate", "startDate": start.isoformat(), "endDate": until.isoformat()}
    return {"pattern": {"type": "weekly", "interval": interval, "daysOfWeek": days,
                        "firstDayOfWeek": "monday"},
            "range": rng}


def demo_tenant(today: date) -> SandboxTenant:
    """A deterministic demo organisation of twelve people as of ``today``."""
    seeded_at = datetime.combine(today, time(7, 0), tzinfo=UTC)
    tenant = SandboxTenant(seed=f"onetoone-demo-{today.isoformat()}", domain=DOMAIN,
                           now=lambda: seeded_at)
    people = _people(tenant, today)
    _busy_time(tenant, people, today)
    _leave(tenant, people, today)
    tenant.now = lambda: datetime.now(UTC)  # seeding is pinned; use afterwards is live
    return tenant


def _people(tenant: SandboxTenant, today: date) -> dict[str, dict[str, Any]]:
    add: Callable[..., dict[str, Any]] = tenant.add_user

    def person(name: str, title: str, dept: str, **kw: Any) -> dict[str, Any]:
        kw.setdefault("hire_date", today - timedelta(days=400 + 37 * len(people)))
        record = add(name, _email(name), job_title=title, department=dept,
                     groups=["All staff", dept], **kw)
        people[name.split()[0].lower()] = record
        return record

    people: dict[str, dict[str, Any]] = {}
    ceo = person("Eleanor Whitfield", "Chief Executive Officer", "Leadership")
    priya = person("Priya Sharma", "Head of Engineering", "Engineering", manager=ceo)
    marcus = person("Marcus Johnson", "Head of Sales", "Sales", manager=ceo,
                    time_zone=NEW_YORK, date_format=US_DATES)
    person("Hannah Price", "People Partner", "People", manager=ceo)
    person("Tom Fletcher", "Senior Software Engineer", "Engineering", manager=priya)
    person("Aisha Okafor", "Software Engineer", "Engineering", manager=priya)
    person("Daniel Hughes", "QA Engineer", "Engineering", manager=priya,
           working_hours=MON_THU)
    person("Sophie Turner", "Graduate Software Engineer", "Engineering", manager=priya,
           hire_date=today - timedelta(days=10))
    person("Olivia Chen", "Account Executive", "Sales", manager=marcus, time_zone=NEW_YORK,
           date_format=US_DATES)
    person("Jamal Wright", "Account Executive", "Sales", manager=marcus, time_zone=NEW_YORK,
           date_format=US_DATES)
    person("Grace Miller", "Sales Development Representative", "Sales", manager=marcus,
           time_zone=NEW_YORK, date_format=US_DATES)
    person("Ryan Brooks", "Account Executive", "Sales", manager=marcus, time_zone=NEW_YORK,
           enabled=False, date_format=US_DATES)
    return people


def _at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=_ZONES[zone])


def _busy_time(tenant: SandboxTenant, people: dict[str, dict[str, Any]], today: date) -> None:
    monday = today - timedelta(days=today.weekday())
    engineers = [people[n]["mail"] for n in ("tom", "aisha", "daniel", "sophie")]
    sellers = [people[n]["mail"] for n in ("olivia", "jamal", "grace")]
    tenant.add_event(people["priya"], "Engineering weekly", _at(monday, 10, 0, LONDON),
                     _at(monday, 11, 0, LONDON), _weekly(["monday"], monday),
                     attendees=engineers)
    tuesday = monday + timedelta(days=1)
    tenant.add_event(people["marcus"], "Sales pipeline review", _at(tuesday, 11, 0, NEW_YORK),
                     _at(tuesday, 12, 0, NEW_YORK), _weekly(["tuesday"], tuesday),
                     attendees=sellers)
    # Eleanor already holds a 1-2-1 with Hannah, set up by hand in Outlook months ago (every
    # two weeks, Tuesdays): onetoone adopts it as it stands rather than book a second.
    started = tuesday - timedelta(weeks=12)
    tenant.add_event(people["eleanor"], "Hannah / Eleanor catch-up",
                     _at(started, 14, 0, LONDON), _at(started, 14, 30, LONDON),
                     _weekly(["tuesday"], started, interval=2),
                     attendees=[people["hannah"]["mail"]])
    thursday = monday + timedelta(days=3)
    tenant.add_event(people["eleanor"], "Leadership team", _at(thursday, 15, 0, LONDON),
                     _at(thursday, 16, 30, LONDON), _weekly(["thursday"], thursday, interval=2),
                     attendees=[people[n]["mail"] for n in ("priya", "marcus", "hannah")])
    tenant.add_event(people["tom"], "Focus time", _at(monday, 14, 0, LONDON),
                     _at(monday, 16, 0, LONDON),
                     _weekly(["monday", "tuesday", "wednesday", "thursday", "friday"], monday,
                             until=monday + timedelta(weeks=26)),
                     show_as="busy")
    one_offs = [
        ("eleanor", "Board meeting", 9, 9, 30, 13, 0),
        ("marcus", "Client visit: Northwind", 3, 13, 0, 15, 0),
        ("priya", "Architecture review", 8, 13, 0, 14, 30),
        ("olivia", "Customer call: Fabrikam", 2, 10, 0, 11, 0),
        ("hannah", "Training: coaching conversations", 15, 9, 30, 12, 30),
        ("sophie", "Induction: security and IT", 1, 9, 30, 11, 0),
        ("daniel", "Dentist", 4, 9, 0, 10, 0),
    ]
    for who, subject, offset, h1, m1, h2, m2 in one_offs:
        zone = tenant.state["users"][people[who]["id"]]["mailboxSettings"]["timeZone"]
        day = today + timedelta(days=offset)
        tenant.add_event(people[who], subject, _at(day, h1, m1, zone), _at(day, h2, m2, zone),
                         sensitivity="private" if subject == "Dentist" else "normal",
                         show_as="oof" if subject == "Dentist" else "busy")


def leave_week(today: date) -> tuple[date, date]:
    """The Monday and Friday of Priya's week of leave in the demo that starts ``today``."""
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=LEAVE_WEEKS_AHEAD)
    return monday, monday + timedelta(days=4)


def _leave(tenant: SandboxTenant, people: dict[str, dict[str, Any]], today: date) -> None:
    """Priya books a week of annual leave: all day, shown as out of office, as Outlook does."""
    first, last = leave_week(today)
    tenant.add_absence(people["priya"], first, last, "Annual leave")
