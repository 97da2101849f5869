"""People's time zone and working hours come from the getSchedule answers the rollout asks
for anyway (scheduleInformation carries each schedule's workingHours), so a rollout reads
no mailboxSettings (issue 11: a 1,000-person rollout read them 1,179 times). mailboxSettings
is read only for what getSchedule could not tell (an error for that address, a custom zone,
the whole call refused), and then again only when the stored ones are a week old or the
directory reported a change to the person."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from service.app import job_context
from service.jobs.pairs import sync_pairs
from service.jobs.schedule import schedule
from service.jobs.tick import tick
from service.sandbox import SandboxTenant, freebusy
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_directory_delta import NOW, org

CUSTOM_ZONE = {  # Graph's own getSchedule example: a customTimeZone (Pacific-like offsets)
    "@odata.type": "#microsoft.graph.customTimeZone", "bias": 480,
    "name": "Customized Time Zone",
    "standardOffset": {"time": "02:00:00.0000000", "dayOccurrence": 1, "dayOfWeek": "sunday",
                       "month": 11, "year": 0},
    "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000", "dayOccurrence": 2,
                       "dayOfWeek": "sunday", "month": 3, "year": 0},
}
ROB_HOURS = {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday"],
             "startTime": "07:30:00.0000000", "endTime": "15:30:00.0000000"}


def _tick(settings: Any, tenant: SandboxTenant, now: datetime) -> list[tuple[str, str, str]]:
    """One tick; the requests it made (method, path, mailbox key) after its pairs sync,
    which reads a new person's mailbox settings once for what the mailbox is for
    (test_shared_mailbox.py), not for their hours."""
    tenant.now = lambda: now
    before = 0

    async def go() -> None:
        nonlocal before
        async with job_context(settings, now, sandbox=tenant) as ctx:
            await sync_pairs(ctx, now)
            before = len(tenant.requests)
            report = await tick(ctx, now, sync=False)
            assert report.schedule.failed == [], report.schedule.failed

    asyncio.run(go())
    return [(m, p, who or "") for m, p, who in tenant.requests[before:]]


def _settings_reads(requests: list[tuple[str, str, str]]) -> list[str]:
    """Whose mailbox settings were read (user ids, in order)."""
    return [who for method, path, who in requests
            if method == "GET" and path.endswith("/mailboxSettings")]


def _hours_org() -> SandboxTenant:
    """Ceo manages Mia; Mia manages Rob (London, Monday-Thursday 07:30-15:30) and Nia (New
    York)."""
    t = SandboxTenant(seed="hours-org", now=lambda: NOW)
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", "mia@contoso.example", manager="ceo@contoso.example",
                     hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1),
               working_hours=ROB_HOURS)
    t.add_user("Nia York", "nia@contoso.example", manager=mia, hire_date=date(2022, 5, 1),
               time_zone="Eastern Standard Time")
    return t


def _failing_schedule(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Graph answers getSchedule with an error for ``address`` alone (the shape it gives
    for an address it cannot tell about: no items, no working hours)."""
    real = freebusy._schedule_for

    def answer(tenant: Any, who: str, *args: Any) -> dict[str, Any]:
        if who.lower() != address:
            return real(tenant, who, *args)
        return {"scheduleId": who, "availabilityView": "", "scheduleItems": [],
                "error": {"message": f"Free/busy information for '{who}' could not be "
                                     "retrieved.",
                          "responseCode": "ErrorProxyRequestProcessingFailed"}}

    monkeypatch.setattr(freebusy, "_schedule_for", answer)


def _stored(db_url: str, tenant: SandboxTenant, email: str) -> Any:
    uid = tenant.user(email)["id"]
    return Store(make_engine(db_url)).people([uid])[uid]


def test_rollout_takes_zone_and_hours_from_free_busy(db_url: str, settings_for: Any) -> None:
    """No mailboxSettings read at all; Rob's days and hours and Nia's zone are stored as
    getSchedule gave them, and Rob's meeting keeps to them."""
    settings = settings_for(db_url)
    tenant = _hours_org()
    requests = _tick(settings, tenant, NOW)
    assert _settings_reads(requests) == []
    rob = _stored(db_url, tenant, "rob@contoso.example")
    assert (rob.time_zone, rob.working_days, rob.working_start, rob.working_end) == (
        "Europe/London", (0, 1, 2, 3), "07:30", "15:30")
    assert _stored(db_url, tenant, "nia@contoso.example").time_zone == "America/New_York"
    series = [e for e in tenant.events("mia@contoso.example")
              if e.get("type") == "seriesMaster"
              and any(a["emailAddress"]["address"] == "rob@contoso.example"
                      for a in e.get("attendees") or [])]
    assert len(series) == 1
    days = series[0]["recurrence"]["pattern"]["daysOfWeek"]
    start = datetime.fromisoformat(series[0]["start"]["dateTime"][:19]).time()
    end = datetime.fromisoformat(series[0]["end"]["dateTime"][:19]).time()
    assert series[0]["start"]["timeZone"] in ("GMT Standard Time", "Europe/London")
    assert set(days) <= set(ROB_HOURS["daysOfWeek"])
    assert start.strftime("%H:%M") >= "09:00" and end.strftime("%H:%M") <= "15:30"

    # A newcomer later: the run reads free/busy for Mia and Ben, and still no settings.
    tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example",
                    working_hours={"startTime": "10:00:00.0000000"})
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(hours=1))) == []
    assert _stored(db_url, tenant, "ben@contoso.example").working_start == "10:00"


def test_a_schedule_error_falls_back_to_mailbox_settings(db_url: str, settings_for: Any,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Graph cannot tell Rob's free/busy: his settings are read (once), the others' are
    not; and read again only when the stored ones are a week old."""
    settings = settings_for(db_url)
    tenant = _hours_org()
    _failing_schedule(monkeypatch, "rob@contoso.example")
    rob_id = tenant.user("rob@contoso.example")["id"]
    assert _settings_reads(_tick(settings, tenant, NOW)) == [rob_id]
    rob = _stored(db_url, tenant, "rob@contoso.example")
    assert (rob.working_days, rob.working_start, rob.working_end) == (
        (0, 1, 2, 3), "07:30", "15:30")

    # Rob's pair exists; a newcomer's run asks about Mia and Ben only.
    tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example")
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(hours=1))) == []

    # Rob moves to Ceo: the directory reported a change to him, so his run reads his
    # settings again; a day on, his first report's run does not (read a day ago)...
    tenant.user("rob@contoso.example")["manager_id"] = tenant.user("ceo@contoso.example")["id"]
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(hours=2))) == [rob_id]
    tenant.add_user("Zoe New", "zoe@contoso.example", manager="rob@contoso.example")
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(days=1))) == []
    # ...but a week on, his next report's run does.
    tenant.add_user("Ola New", "ola@contoso.example", manager="rob@contoso.example")
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(days=8))) == [rob_id]


def test_a_custom_zone_is_read_from_mailbox_settings(db_url: str, settings_for: Any) -> None:
    """A customTimeZone names no zone: that person's settings are read, as before this
    change, and stored as mailboxSettings gives them."""
    settings = settings_for(db_url)
    tenant = _hours_org()
    nia = tenant.user("nia@contoso.example")
    nia["mailboxSettings"]["workingHours"]["timeZone"] = CUSTOM_ZONE
    assert _settings_reads(_tick(settings, tenant, NOW)) == [nia["id"]]
    stored = _stored(db_url, tenant, "nia@contoso.example")
    assert stored.working_days == (0, 1, 2, 3, 4) and stored.working_start == "09:00"


def test_free_busy_refused_reads_everyones_settings(db_url: str, settings_for: Any) -> None:
    """Both getSchedule calls fail as a whole: everyone is read from mailboxSettings, once
    (Mia is in both managers' runs), and the series are still created."""
    settings = settings_for(db_url)
    tenant = _hours_org()
    tenant.inject_fault("POST", r"/calendar/getSchedule$", 403, times=2)
    reads = _settings_reads(_tick(settings, tenant, NOW))
    assert sorted(reads) == sorted(tenant.user(e)["id"] for e in (
        "ceo@contoso.example", "mia@contoso.example", "rob@contoso.example",
        "nia@contoso.example"))
    assert _stored(db_url, tenant, "rob@contoso.example").working_start == "07:30"
    assert len([e for e in tenant.events("mia@contoso.example")
                if e.get("type") == "seriesMaster" and e.get("isOrganizer", True)]) == 2


def test_rollout_request_counts(db_url: str, settings_for: Any) -> None:
    """What a first rollout's schedule step asks Graph, per kind: per manager one
    getSchedule, one Teams check and one tag search; per pair one create; no
    mailboxSettings (each $batch step counted, as Graph meters them)."""
    settings = settings_for(db_url)
    tenant = org()  # Ceo manages Mia; Mia manages Rob and Nia (and a guest, not paired)

    async def go() -> None:
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            await sync_pairs(ctx, NOW)
            before = len(tenant.requests)
            report = await schedule(ctx, NOW)
            assert len(report.created) == 3 and report.failed == []
            kinds.update(_kind(m, p) for m, p, _ in tenant.requests[before:])

    kinds: Counter[str] = Counter()
    asyncio.run(go())
    assert kinds == {"getSchedule": 2, "create": 3, "teams check": 2, "tag search": 2,
                     "$batch": 2}


def _kind(method: str, path: str) -> str:
    for kind, want, pattern in (("getSchedule", "POST", r"/calendar/getSchedule$"),
                                ("create", "POST", r"/events$"),
                                ("tag search", "GET", r"/events$"),
                                ("teams check", "GET", r"/calendar$"),
                                ("$batch", "POST", r"^/\$batch$")):
        if method == want and re.search(pattern, path):
            return kind
    return f"{method} {path}"


def test_each_person_is_read_once_and_again_only_when_stale_or_changed(
        db_url: str, settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where getSchedule cannot tell (here: for no one), Mia, a report of the chief and the
    manager of two, is read once in the rollout. A new report of hers costs one read (the
    newcomer's); after the directory reports a change to Mia, she is read again with the
    next newcomer; a week on, the chief too."""
    settings = settings_for(db_url)
    tenant = org()
    monkeypatch.setattr(freebusy, "_schedule_for", lambda _t, who, *_a: {
        "scheduleId": who, "availabilityView": "", "scheduleItems": [],
        "error": {"message": "no free/busy", "responseCode": "ErrorAccessDenied"}})
    ids = {email: tenant.user(email)["id"] for email in
           ("ceo@contoso.example", "mia@contoso.example", "rob@contoso.example",
            "nia@contoso.example")}
    first = _settings_reads(_tick(settings, tenant, NOW))
    assert sorted(first) == sorted(ids.values())

    ben = tenant.add_user("Ben New", "ben@contoso.example", manager="mia@contoso.example")
    assert _settings_reads(_tick(settings, tenant, NOW + timedelta(hours=1))) == [ben["id"]]

    tenant.user("mia@contoso.example")["displayName"] = "Mia Moved"  # users/delta tells
    zoe = tenant.add_user("Zoe New", "zoe@contoso.example", manager="mia@contoso.example")
    assert sorted(_settings_reads(_tick(settings, tenant, NOW + timedelta(hours=2)))) == sorted(
        [ids["mia@contoso.example"], zoe["id"]])

    ola = tenant.add_user("Ola New", "ola@contoso.example", manager="ceo@contoso.example")
    assert sorted(_settings_reads(_tick(settings, tenant, NOW + timedelta(days=8)))) == sorted(
        [ids["ceo@contoso.example"], ola["id"]])
    people = Store(make_engine(db_url)).people([ola["id"], zoe["id"]])
    assert all(p.working_days for p in people.values())  # read and stored
