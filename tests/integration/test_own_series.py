"""A 1-2-1 series the pair already had in Outlook before onetoone came (made by hand, no tag)
is taken on, never booked beside: the manager's, on a pattern onetoone carries on, is
adopted (its time kept, agendas written into it); one the report organises, or one repeating
in a way onetoone cannot follow, is left alone and the pair not booked until that series is
over or gone (test_own_series_over) or `pairs reset`.
The manager's series are read once per manager at the first booking, never again after."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant, SandboxTransport
from service.store.db import make_engine
from service.store.repo import Store
from tests.cli_env import cli_env
from tests.integration.test_adoption_search import BASE, _run
from tests.integration.test_schedule_job import NOW, calendar, org

LONDON = ZoneInfo("Europe/London")
MIA, ROB, NIA = "mia@contoso.example", "rob@contoso.example", "nia@contoso.example"


def _own(tenant: SandboxTenant, organizer: str, attendees: list[str], *, interval: int = 2,
         day: str = "thursday", subject: str = "Rob / Mia catch-up",
         minutes: int = 45, count: int | None = None, room: str | None = None,
         end: date | None = None, sensitivity: str = "normal") -> str:
    """A recurring meeting made in Outlook (POSTed as Outlook would: no tag); its id.
    ``count``: it ends after that many meetings (Outlook's "End after N occurrences");
    ``end``: it ends by that day (Outlook's "End by");
    ``room``: booked as its location, and invited as Graph's API defaults an attendee
    (type required), as tools that book rooms through it do; ``sensitivity``: "private"
    as Outlook's Private button sets it."""
    span = ({"type": "numbered", "numberOfOccurrences": count} if count
            else {"type": "endDate", "endDate": end.isoformat()} if end
            else {"type": "noEnd"})
    place = ({"displayName": "Room 3.1", "locationEmailAddress": room,
              "locationType": "conferenceRoom"} if room else None)
    async def go() -> str:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            start = datetime(2026, 10, 1, 14, 0)  # a Thursday, weeks before NOW
            r = await c.post(f"/users/{organizer}/events", json={
                "subject": subject, "sensitivity": sensitivity,
                "start": {"dateTime": start.isoformat(), "timeZone": "GMT Standard Time"},
                "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat(),
                        "timeZone": "GMT Standard Time"},
                "recurrence": {"pattern": {"type": "weekly", "interval": interval,
                                           "daysOfWeek": [day], "firstDayOfWeek": "monday"},
                               "range": {**span, "startDate": "2026-10-01"}},
                "attendees": [{"emailAddress": {"address": a}, "type": "required"}
                              for a in attendees + ([room] if room else [])],
                **({"location": place, "locations": [place]} if place else {})})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

    return asyncio.run(go())


def _delete(tenant: SandboxTenant, organizer: str, event_id: str) -> None:
    """The organizer deletes the series in Outlook (the other's copy goes with it)."""
    async def go() -> None:
        async with httpx.AsyncClient(transport=SandboxTransport(tenant), base_url=BASE,
                                     headers={"Authorization": "Bearer t"}) as c:
            r = await c.delete(f"/users/{organizer}/events/{event_id}")
            assert r.status_code == 204, r.text

    asyncio.run(go())


def _masters_with(tenant: SandboxTenant, mailbox: str, who: str) -> list[dict[str, Any]]:
    """The series masters in ``mailbox`` that ``who`` is invited to (or organises)."""
    out = []
    for e in tenant.events(mailbox):
        people = {a["emailAddress"]["address"].lower() for a in e.get("attendees") or []}
        people.add(e["organizer"]["emailAddress"]["address"].lower())
        if e.get("type") == "seriesMaster" and not e.get("isCancelled") and who in people:
            out.append(e)
    return out


def _view(db_url: str, report: str) -> Any:
    return next(v for v in Store(make_engine(db_url)).views() if v.report.email == report)


def _masters_reads(tenant: SandboxTenant, since: int) -> int:
    """GET …/events without a tag filter: the own-series read (tag searches are counted
    apart by test_adoption_search)."""
    return sum(1 for m, p, _ in tenant.requests[since:] if m == "GET" and p.endswith("/events"))


def test_the_managers_own_series_is_adopted_with_its_time_and_gets_agendas(
        db_url: str, settings_for: Any) -> None:
    tenant = org()
    own_id = _own(tenant, MIA, [ROB])
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert "Mia Manager & Rob Report" in first.schedule.adopted
    assert "Mia Manager & Rob Report" not in first.schedule.created
    # Rob's other manager-side pairs (Nia, Ben, Max) are booked as usual.
    assert len(first.schedule.created) >= 3

    view = _view(db_url, ROB)
    assert view.series is not None and view.series.event_id == own_id
    # Outlook's time stands: fortnightly Thursdays at 14:00 London, 45 minutes.
    assert (view.series.cadence, view.series.weekday, view.series.start_time,
            view.series.minutes) == ("fortnightly", 3, "14:00", 45)
    assert "own series" in view.series.slot_note and "Rob / Mia catch-up" in view.series.slot_note
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]
    assert [e["id"] for e in _masters_with(tenant, ROB, MIA)] != []  # Rob's copy, one
    assert len(_masters_with(tenant, ROB, MIA)) == 1

    # Through the next fortnight: the first meeting's agenda goes into the manager's own
    # series, and no run books a second series or reads her series masters again.
    before = len(tenant.requests)
    for step in range(1, 15):
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.schedule.failed == []
        assert result.schedule.created == [] and result.schedule.adopted == []
    assert _masters_reads(tenant, before) == 0
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]
    store = Store(make_engine(db_url))
    met = [o for o in store.pairing_occurrences(view.pairing.id)
           if o.start < NOW + timedelta(days=7)]
    assert met and met[0].start.astimezone(LONDON).strftime("%a %H:%M") == "Thu 14:00"
    assert met[0].agenda_state == "injected"
    occurrence = next(e for e in calendar(settings, tenant, ROB, met[0].start,
                                          met[0].start + timedelta(minutes=45))
                      if e.get("seriesMasterId"))
    assert "Agenda" in occurrence["body"]["content"]  # Rob's copy has it too


@pytest.mark.parametrize("case", ["by_report", "every_three_weeks"])
def test_a_series_onetoone_cannot_take_on_leaves_the_pair_unbooked_until_reset(
        db_url: str, settings_for: Any, case: str, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = org()
    if case == "by_report":
        own_id = _own(tenant, ROB, [MIA], interval=1, subject="Rob's 1:1 with Mia")
    else:
        own_id = _own(tenant, MIA, [ROB], interval=3)
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    left = [line for line in first.schedule.own_series if line.startswith("Mia Manager & Rob")]
    assert len(left) == 1
    assert ("the report organises" if case == "by_report" else "cannot follow") in left[0]
    view = _view(db_url, ROB)
    assert view.pairing.status == "own_series" and view.series is None
    assert "onetoone pairs reset rob@contoso.example" in view.pairing.note
    assert len(_masters_with(tenant, MIA, ROB)) == 1  # theirs, nothing beside it

    # Later runs (pairs sync included) leave it so, and read nothing more for it.
    before = len(tenant.requests)
    for step in range(1, 4):
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.schedule.created == []
    assert _masters_reads(tenant, before) == 0
    assert "onetoone pairs reset" in _view(db_url, ROB).pairing.note

    # `onetoone status` says so; once their series is gone, `pairs reset` books one.
    cli_env(monkeypatch, tmp_path, 250)
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0, status.output
    assert "their own series" in status.output and "pairs reset" in status.output
    _delete(tenant, ROB if case == "by_report" else MIA, own_id)
    reset = CliRunner().invoke(cli, ["pairs", "reset", ROB])
    assert reset.exit_code == 0, reset.output
    again = _run(settings, tenant, NOW + timedelta(days=2, hours=1))
    assert "Mia Manager & Rob Report" in again.schedule.created
    assert _view(db_url, ROB).pairing.status == "active"


def test_a_series_ending_after_a_number_of_meetings_is_carried_on_past_its_last(
        db_url: str, settings_for: Any) -> None:
    """Outlook's "End after 6 occurrences": Graph gives the range no end date (0001-01-01)
    but numberOfOccurrences. Its last meeting is its end: the pair is booked on from there,
    not left without 1-2-1s once the six are over."""
    tenant = org()
    own_id = _own(tenant, MIA, [ROB], count=6)  # fortnightly from 1 Oct: the last 10 Dec
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert "Mia Manager & Rob Report" in first.schedule.adopted
    store = Store(make_engine(db_url))
    pairing = _view(db_url, ROB).pairing
    own = next(s for s in store.pairing_series(pairing.id) if s.event_id == own_id)
    assert own.range_end == date(2026, 12, 10)
    _run(settings, tenant, NOW + timedelta(hours=12))
    # A follow-on from the first slot after it, in both calendars; the own series untouched.
    live = store.live_series(pairing.id)
    assert live is not None and live.event_id != own_id
    assert live.first_date == date(2026, 12, 24)
    assert len(_masters_with(tenant, MIA, ROB)) == 2
    master = next(e for e in tenant.events(MIA) if e["id"] == own_id)
    assert master["recurrence"]["range"]["numberOfOccurrences"] == 6


def test_a_room_invited_as_a_required_attendee_is_still_a_room(
        db_url: str, settings_for: Any) -> None:
    """A room booked as the meeting's location but listed among the attendees as
    "required" (Graph's default type, which tools booking rooms through it leave) is the
    room of the pair's own 1-2-1, not a third person: adopted, not booked beside."""
    tenant = org()
    own_id = _own(tenant, MIA, [ROB], room="room31@contoso.example")
    first = _run(settings_for(db_url), tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert "Mia Manager & Rob Report" in first.schedule.adopted
    assert [e["id"] for e in _masters_with(tenant, MIA, ROB)] == [own_id]


def test_a_recurring_meeting_of_three_is_not_a_1_2_1(db_url: str, settings_for: Any) -> None:
    tenant = org()
    _own(tenant, MIA, [ROB, NIA], subject="Rob, Nia and Mia")
    first = _run(settings_for(db_url), tenant, NOW)
    assert {"Mia Manager & Rob Report", "Mia Manager & Nia York"} <= set(first.schedule.created)
    assert first.schedule.adopted == [] and first.schedule.own_series == []


def test_ignore_books_beside_without_reading_the_managers_series(
        db_url: str, settings_for: Any) -> None:
    tenant = org()
    _own(tenant, MIA, [ROB])
    settings = settings_for(db_url, own_series="ignore")
    first = _run(settings, tenant, NOW)
    assert "Mia Manager & Rob Report" in first.schedule.created
    assert first.schedule.adopted == []
    # One tag search per manager with pairs to book (Ceo, Mia, Max), nothing more.
    assert tenant.count("GET", r"/events$") == 3
    assert len(_masters_with(tenant, MIA, ROB)) == 2


def test_a_refused_read_of_the_series_books_as_before_and_says_so(
        db_url: str, settings_for: Any) -> None:
    """Graph answers the masters read with 400 for Mia's mailbox: her pairs are booked after
    the tag search, as before, and the run says her own series were not looked for."""
    tenant = org()
    _own(tenant, MIA, [ROB])
    mia = tenant.user(MIA)["id"]
    tenant.inject_fault("GET", rf"^/users/{mia}/events$", 400, times=1)
    result = _run(settings_for(db_url), tenant, NOW)
    assert result.failed_steps == [] and result.schedule.failed == []
    assert "Mia Manager & Rob Report" in result.schedule.created
    assert any(w.startswith("Mia Manager <mia@contoso.example>: Graph refused the read")
               for w in result.schedule.warnings), result.schedule.warnings


def test_the_pairs_own_weekly_series_outlives_the_new_starter_window(
        db_url: str, settings_for: Any) -> None:
    """Mia's own weekly 1-2-1 with Ben, a new starter, is adopted. When Ben's new-starter
    weeks end the policy asks for monthly: her weekly series meets that (the guidance's
    cadences are minimums), so it is kept, not cancelled and re-booked monthly."""
    tenant = org()
    own_id = _own(tenant, MIA, ["ben@contoso.example"], interval=1, subject="Ben 1:1",
                  minutes=30)
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert "Mia Manager & Ben New" in first.schedule.adopted
    ben = _view(db_url, "ben@contoso.example")
    assert ben.pairing.cadence == "weekly" and ben.series.event_id == own_id
    later = NOW + timedelta(days=17)  # hired 4 Sep: past the 90 days
    for step in range(4):
        result = _run(settings, tenant, later + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.schedule.ended == []
        assert result.schedule.created == []
    ben = _view(db_url, "ben@contoso.example")
    assert ben.pairing.cadence == "monthly"
    assert ben.series.event_id == own_id and ben.series.status == "active"
    assert (ben.series.cadence, ben.series.policy_cadence) == ("weekly", "monthly")
    masters = _masters_with(tenant, MIA, "ben@contoso.example")
    assert [m["id"] for m in masters] == [own_id]
    store = Store(make_engine(db_url))
    assert not [o for o in store.pairing_occurrences(ben.pairing.id)
                if o.status in ("cancelled", "withdrawn")]
