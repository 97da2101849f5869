"""The scheduling loop end to end through the sandbox tenant (production code path)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.app import job_context
from service.domain.recurrence import expand
from service.graph.client import UTC_TIMES, parse_graph_datetime
from service.graph.payloads import PAIRING_PROPERTY
from service.graph.wire import iso_utc
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrences as sandbox_occurrences
from service.store.db import make_engine
from service.store.models import SeriesRow
from service.store.repo import Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LONDON, NEW_YORK = "GMT Standard Time", "Eastern Standard Time"


def org() -> SandboxTenant:
    """Mia (London) manages Rob (London), Nia (New York), Ben (new starter), Max (a manager)."""
    t = SandboxTenant(seed="test-org", now=lambda: NOW)
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", "mia@contoso.example", manager="ceo@contoso.example",
                     hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", "rob@contoso.example", manager=mia, hire_date=date(2021, 3, 1))
    t.add_user("Nia York", "nia@contoso.example", manager=mia, time_zone=NEW_YORK,
               hire_date=date(2022, 5, 1))
    t.add_user("Ben New", "ben@contoso.example", manager=mia, hire_date=date(2026, 9, 4))
    max_ = t.add_user("Max Lead", "max@contoso.example", manager=mia, hire_date=date(2019, 1, 1))
    t.add_user("Zed Junior", "zed@contoso.example", manager=max_, hire_date=date(2023, 1, 1))
    # Mia's standing commitments: Tue-Thu mornings and a daily lunch block.
    t.add_event("mia@contoso.example", "Ops review",
                datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/London")),
                datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/London")),
                recurrence={"pattern": {"type": "weekly", "interval": 1, "firstDayOfWeek":
                                        "monday", "daysOfWeek": ["tuesday", "wednesday",
                                                                 "thursday"]},
                            "range": {"type": "noEnd", "startDate": "2026-11-24"}})
    return t


async def no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def run(settings, tenant: SandboxTenant, now: datetime):
    tenant.now = lambda: now

    async def go():
        async with job_context(settings, now, sandbox=tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await tick(ctx, now)

    return asyncio.run(go())


def series_in(tenant: SandboxTenant, mailbox: str) -> list[dict]:
    """Live 1-2-1 series masters the service created in a mailbox."""
    out = []
    for e in tenant.events(mailbox):
        tags = {p["id"]: p["value"] for p in e.get("singleValueExtendedProperties") or []}
        if e.get("type") == "seriesMaster" and PAIRING_PROPERTY in tags and not e.get(
                "isCancelled"):
            out.append(e)
    return out


def holds_meetings(series: dict, after: datetime) -> bool:
    """Whether a series master still has a meeting (not cancelled) after ``after``: onetoone
    ends and extends series without touching their recurrence, so the range alone says
    nothing."""
    return bool(sandbox_occurrences(series, after, after + timedelta(days=800)))


def tag_of(series: dict) -> str:
    return {p["id"]: p["value"] for p in series["singleValueExtendedProperties"]}[
        PAIRING_PROPERTY]


def calendar(settings, tenant, mailbox: str, start: datetime, end: datetime) -> list[dict]:
    async def go():
        async with job_context(settings, start, sandbox=tenant) as ctx:
            # Graph's own JSON, as Outlook shows the calendar (the port hands out records).
            query = {"startDateTime": iso_utc(start) + "Z", "endDateTime": iso_utc(end) + "Z",
                     "$top": "200"}
            return [e async for e in ctx.graph._pages(
                f"/users/{mailbox}/calendarView", query, headers=UTC_TIMES)]

    return asyncio.run(go())


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def test_first_run_creates_one_series_per_pair(settings) -> None:
    """Every manager-report pair gets exactly one series, the report invited."""
    tenant = org()
    result = run(settings, tenant, NOW)
    assert sorted(result.schedule.created) == sorted([
        "Ceo Boss & Mia Manager", "Mia Manager & Ben New", "Mia Manager & Max Lead",
        "Mia Manager & Nia York", "Mia Manager & Rob Report", "Max Lead & Zed Junior"])
    assert result.schedule.failed == []
    mia = series_in(tenant, "mia@contoso.example")
    assert len(mia) == 5
    invited = sorted(a["emailAddress"]["address"] for s in mia for a in s["attendees"])
    # (Ben, a new starter, twice: his weekly series and its monthly follow-on from the day
    # his weeks end.)
    assert invited == ["ben@contoso.example", "ben@contoso.example", "max@contoso.example",
                       "nia@contoso.example", "rob@contoso.example"]
    assert len(tenant.meeting_messages("rob@contoso.example", "invite")) == 1


def test_cadence_follows_role(settings) -> None:
    """Manager of others fortnightly, new starter weekly, everyone else monthly, 30 min."""
    tenant = org()
    run(settings, tenant, NOW)
    by_report = {s["attendees"][0]["emailAddress"]["address"]: s
                 for s in sorted(series_in(tenant, "mia@contoso.example"), key=lambda s: (
                     s["recurrence"]["range"]["startDate"]), reverse=True)}  # (Ben's first)
    assert by_report["max@contoso.example"]["recurrence"]["pattern"]["interval"] == 2
    assert by_report["ben@contoso.example"]["recurrence"]["pattern"]["type"] == "weekly"
    assert by_report["ben@contoso.example"]["recurrence"]["pattern"]["interval"] == 1
    assert by_report["rob@contoso.example"]["recurrence"]["pattern"]["type"] == "relativeMonthly"
    rng = by_report["rob@contoso.example"]["recurrence"]["range"]
    assert date.fromisoformat(rng["endDate"]) >= date(2027, 5, 23)  # six months ahead at least
    start = parse_graph_datetime(by_report["rob@contoso.example"]["start"])
    end = parse_graph_datetime(by_report["rob@contoso.example"]["end"])
    assert end - start == timedelta(minutes=30)


def test_slots_avoid_busy_time_and_fit_both_time_zones(settings) -> None:
    """No occurrence clashes with the manager's recurring block; New York gets a UK afternoon."""
    tenant = org()
    run(settings, tenant, NOW)
    london = ZoneInfo("Europe/London")
    busy = next(e for e in tenant.events("mia@contoso.example") if e["subject"] == "Ops review")
    window = (NOW, NOW + timedelta(weeks=8))
    blocked = expand(busy["recurrence"], parse_graph_datetime(busy["start"]).astimezone(london),
                     parse_graph_datetime(busy["end"]).astimezone(london), *window)
    for s in series_in(tenant, "mia@contoso.example"):
        first = parse_graph_datetime(s["start"]).astimezone(london)
        last = parse_graph_datetime(s["end"]).astimezone(london)
        for start, end in expand(s["recurrence"], first, last, *window):
            assert all(end <= b0 or start >= b1 for b0, b1 in blocked), s["subject"]
            local = start.astimezone(london)
            assert local.weekday() < 5
        if s["attendees"][0]["emailAddress"]["address"] == "nia@contoso.example":
            ny = first.astimezone(ZoneInfo("America/New_York"))
            assert ny.hour >= 9 and (ny + timedelta(minutes=30)).time() <= datetime.min.replace(
                hour=17).time()


def test_second_run_changes_nothing(settings) -> None:
    """Running again creates, patches and sends nothing."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.reset_counters()
    result = run(settings, tenant, NOW + timedelta(minutes=15))
    assert result.schedule.summary()["created"] == 0
    assert tenant.count("POST", r"/events$") == 0
    assert tenant.count("PATCH") == 0
    assert len(tenant.meeting_messages("rob@contoso.example")) == 1


def test_retried_post_does_not_duplicate(settings) -> None:
    """A 503 after Exchange created the event is retried with the same transactionId: one series."""
    tenant = org()
    tenant.inject_fault("POST", r"/users/[^/]+/events$", 503, times=3, apply_first=True)
    result = run(settings, tenant, NOW)
    assert result.schedule.failed == []
    assert len(series_in(tenant, "mia@contoso.example")) == 5  # (Ben's follow-on too)
    assert len(tenant.meeting_messages("rob@contoso.example", "invite")) == 1
    assert sum(len(series_in(tenant, m)) for m in ("mia@contoso.example", "ceo@contoso.example",
                                                     "max@contoso.example")) == 7


def test_unknown_outcome_is_adopted_next_run(settings) -> None:
    """If every retry fails after the create took effect, the next run adopts it: no duplicate."""
    tenant = org()
    max_id = tenant.user("max@contoso.example")["id"]
    tenant.inject_fault("POST", rf"/users/{max_id}/events$", 504, times=5, apply_first=True)
    first = run(settings, tenant, NOW)
    assert len(first.schedule.failed) == 1
    second = run(settings, tenant, NOW + timedelta(minutes=15))
    assert len(second.schedule.adopted) == 1 and second.schedule.failed == []
    total = sum(len(series_in(tenant, m)) for m in ("mia@contoso.example", "ceo@contoso.example",
                                                      "max@contoso.example"))
    assert total == 7  # (six pairs; Ben's, a new starter's, with its follow-on)


def test_lost_database_adopts_instead_of_duplicating(db_url, settings_for, tmp_path) -> None:
    """With the database deleted, the tagged series are found and adopted, not recreated."""
    tenant = org()
    run(settings_for(db_url), tenant, NOW)
    fresh = settings_for(f"sqlite:///{tmp_path / 'replacement.db'}")
    result = run(fresh, tenant, NOW + timedelta(hours=1))
    assert result.schedule.created == [] and len(result.schedule.adopted) == 6
    assert len(series_in(tenant, "mia@contoso.example")) == 5  # (Ben's follow-on too)
    again = run(fresh, tenant, NOW + timedelta(hours=2))
    assert again.schedule.summary()["adopted"] == 0 and again.schedule.created == []


def test_joiner_gets_a_series(settings) -> None:
    """A new direct report gets a series on the next run."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.add_user("Joe Joiner", "joe@contoso.example", manager="max@contoso.example",
                    hire_date=date(2026, 11, 20))
    result = run(settings, tenant, NOW + timedelta(days=1))
    assert result.schedule.created == ["Max Lead & Joe Joiner"]
    assert result.pairs.counts().get("join") == 1


def test_mover_old_series_ended_new_one_created(settings) -> None:
    """A report who moves manager: old series stops, new manager gets a series."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.set_manager("rob@contoso.example", "max@contoso.example")
    later = NOW + timedelta(days=40)
    result = run(settings, tenant, later)
    assert "Max Lead & Rob Report" in result.schedule.created
    assert any(line.startswith("Mia Manager & Rob Report") for line in result.schedule.ended)
    future = calendar(settings, tenant, "mia@contoso.example", later, later + timedelta(days=180))
    assert not any("Rob Report" in (e.get("subject") or "") for e in future)
    past = calendar(settings, tenant, "mia@contoso.example", NOW, later)
    assert any("Rob Report" in (e.get("subject") or "") for e in past)


def test_leaver_series_ended_history_kept(settings) -> None:
    """A leaver's future occurrences disappear; past ones stay in the calendar."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.disable_user("nia@contoso.example")
    later = NOW + timedelta(days=45)
    result = run(settings, tenant, later)
    assert result.pairs.counts().get("leave") == 1
    future = calendar(settings, tenant, "mia@contoso.example", later, later + timedelta(days=180))
    assert not any("Nia York" in (e.get("subject") or "") for e in future)
    past = calendar(settings, tenant, "mia@contoso.example", NOW, later)
    assert any("Nia York" in (e.get("subject") or "") for e in past)


def test_series_deleted_by_manager_is_not_recreated(settings) -> None:
    """A series the manager deleted is marked and shown, never silently recreated."""
    tenant = org()
    run(settings, tenant, NOW)
    rob = next(s for s in series_in(tenant, "mia@contoso.example")
               if s["attendees"][0]["emailAddress"]["address"] == "rob@contoso.example")

    async def delete():
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            await ctx.graph.request("DELETE", f"/users/mia@contoso.example/events/{rob['id']}")

    asyncio.run(delete())
    # Noticed by the calendar reads (no per-series polling): at the latest when its first
    # meeting's agenda falls due, and nothing is recreated meanwhile or after.
    noticed: list[str] = []
    day = NOW
    while not noticed and day < NOW + timedelta(days=45):
        day += timedelta(hours=12)
        result = run(settings, tenant, day)
        assert result.schedule.created == []
        noticed += result.occurrences.deleted
        assert result.schedule.deleted_by_manager == result.occurrences.deleted
    assert noticed == ["Mia Manager & Rob Report"]  # the pair, not a mailbox id
    again = run(settings, tenant, day + timedelta(days=1))
    assert again.schedule.created == []
    store = Store(make_engine(settings.database.url))
    statuses = {v.report.email: v.pairing.status for v in store.views()}
    assert statuses["rob@contoso.example"] == "series_deleted"


def test_new_starter_changes_cadence_when_window_ends(settings) -> None:
    """Weekly while new; when the 90 days pass the pair meets monthly: planned when the
    weekly series was booked (its follow-on monthly from then), so nothing ends then (see
    test_new_starter_change.py)."""
    tenant = org()
    run(settings, tenant, NOW)
    later = NOW + timedelta(days=20)  # Ben was hired 2026-09-04: 100 days by then
    result = run(settings, tenant, later)
    assert result.schedule.ended == [] and result.schedule.created == []
    ben = [s for s in series_in(tenant, "mia@contoso.example")
           if s["attendees"][0]["emailAddress"]["address"] == "ben@contoso.example"]
    live = [s for s in ben if holds_meetings(s, later)]
    assert len(live) == 1 and live[0]["recurrence"]["pattern"]["type"] == "relativeMonthly"
    assert tenant.meeting_messages("ben@contoso.example", "cancel") == []


def test_series_are_extended_to_stay_six_months_ahead(settings) -> None:
    """As time passes each series is extended so it always reaches six months ahead."""
    tenant = org()
    run(settings, tenant, NOW)
    extended = []
    for days in (60, 120, 200):
        later = NOW + timedelta(days=days)
        result = run(settings, tenant, later)
        assert result.schedule.failed == []
        extended += result.schedule.extended
        for mailbox in ("mia@contoso.example", "max@contoso.example", "ceo@contoso.example"):
            reach: dict[str, date] = {}
            for s in series_in(tenant, mailbox):
                if holds_meetings(s, later):  # live (not a series ended by a cadence change)
                    end = date.fromisoformat(s["recurrence"]["range"]["endDate"])
                    reach[tag_of(s)] = max(end, reach.get(tag_of(s), end))
            # Each pair's newest series (a follow-on, once extended) reaches far enough.
            for tag, end in reach.items():
                assert end >= (later + timedelta(days=181)).date(), tag
    assert extended


def test_pairs_file_with_overrides(db_url, settings_for, tmp_path: Path) -> None:
    """A pairs CSV adds pairs with their own cadence and length."""
    tenant = org()
    csv = tmp_path / "pairs.csv"
    csv.write_text("manager,report,cadence,minutes\nrob@contoso.example,zed@contoso.example,"
                   "weekly,45\n")
    base = settings_for(db_url)
    settings = dataclasses.replace(base, pairs=dataclasses.replace(base.pairs, source="file",
                                                                    file=csv))
    result = run(settings, tenant, NOW)
    assert result.schedule.created == ["Rob Report & Zed Junior"]
    s = series_in(tenant, "rob@contoso.example")[0]
    assert s["recurrence"]["pattern"]["type"] == "weekly"
    assert parse_graph_datetime(s["end"]) - parse_graph_datetime(s["start"]) == timedelta(
        minutes=45)


def test_bad_pairs_file_changes_nothing(db_url, settings_for, tmp_path: Path) -> None:
    """An unknown address in the pairs file is named with its line; nothing is ended."""
    tenant = org()
    csv = tmp_path / "pairs.csv"
    csv.write_text("rob@contoso.example,zed@contoso.example\n")
    base = settings_for(db_url)
    settings = dataclasses.replace(base, pairs=dataclasses.replace(base.pairs, source="file",
                                                                    file=csv))
    run(settings, tenant, NOW)
    csv.write_text("rob@contoso.example,zed@contoso.example\nrob@contoso.example,"
                   "nobody@contoso.example\n")
    # Refused (the tick goes on with the pairs as they were, and reports it).
    (failed,) = run(settings, tenant, NOW + timedelta(days=1)).failed_steps
    assert re.match(r"pairs: .*pairs.csv:2: nobody@contoso.example", failed)
    assert len(series_in(tenant, "rob@contoso.example")) == 1


def file_settings(db_url, settings_for, csv: Path):
    base = settings_for(db_url)
    return dataclasses.replace(base, pairs=dataclasses.replace(base.pairs, source="file",
                                                                file=csv))


def scheduled_from_a_file(db_url, settings_for, tmp_path: Path):
    """Mia's pairs with Rob and Nia, from a pairs file, scheduled as of NOW."""
    tenant = org()
    csv = tmp_path / "pairs.csv"
    csv.write_text("mia@contoso.example,rob@contoso.example\n"
                   "mia@contoso.example,nia@contoso.example\n")
    settings = file_settings(db_url, settings_for, csv)
    run(settings, tenant, NOW)
    return tenant, csv, settings


def test_a_leaver_left_in_the_pairs_file_is_skipped_not_the_whole_file(
        db_url, settings_for, tmp_path: Path) -> None:
    """A line naming a disabled account (a leaver HR has not taken out yet) is skipped with
    a warning naming it, as a leaver is with the directory as the source: their 1-2-1s end,
    and the rest of the file still counts (a joiner added the same day is booked)."""
    tenant, csv, settings = scheduled_from_a_file(db_url, settings_for, tmp_path)
    def nias() -> list[dict]:
        return [s for s in series_in(tenant, "mia@contoso.example")
                if any(a["emailAddress"]["address"] == "nia@contoso.example"
                       for a in s["attendees"])]

    assert len(nias()) == 1
    tenant.disable_user("nia@contoso.example")  # Nia left; her line is still there
    tenant.add_user("Jo Joiner", "jo@contoso.example", manager="mia@contoso.example")
    csv.write_text(csv.read_text() + "mia@contoso.example,jo@contoso.example\n")
    result = run(settings, tenant, NOW + timedelta(days=1))
    assert result.failed_steps == []
    said = result.pairs.warnings
    assert any(w.startswith(f"{csv}:2: nia@contoso.example's account is disabled, so this "
                            "line is skipped") for w in said), said
    store = Store(make_engine(settings.database.url))
    assert sorted(v.report.email for v in store.views(["active"])) == [
        "jo@contoso.example", "rob@contoso.example"]
    assert nias() == []  # her series ended


def test_many_problems_in_a_pairs_file_say_how_many_more(db_url, settings_for,
                                                        tmp_path: Path) -> None:
    tenant = org()
    csv = tmp_path / "pairs.csv"
    csv.write_text("".join(f"mia@contoso.example,nobody{n}@contoso.example\n"
                           for n in range(25)))
    (failed,) = run(file_settings(db_url, settings_for, csv), tenant, NOW).failed_steps
    lines = failed.splitlines()
    assert len(lines) == 21 and lines[19].startswith(f"{csv}:20: nobody19@contoso.example")
    assert lines[0].endswith("is not a user in the directory (by email address, alias or "
                             "user principal name). Fix the address or remove the line.")
    assert lines[20] == f"... and 5 more problems in {csv}."


def test_a_pairs_file_may_name_someone_by_an_alias(db_url, settings_for,
                                                  tmp_path: Path) -> None:
    """HR's export has Ada's alias, in capitals, not her primary address or her UPN: Graph
    does not find a user by an alias (GET /users/{alias} is 404), so she is looked for among
    users' proxyAddresses, and paired under her primary address. An address nobody has is
    still refused, naming the line."""
    tenant = org()
    tenant.add_user("Ada Lovelace", "ada.lovelace@contoso.example", manager=None,
                    upn="alovelace@contoso.onmicrosoft.example",
                    aliases=["ada@contoso.example"])
    csv = tmp_path / "pairs.csv"
    csv.write_text("mia@contoso.example,ADA@contoso.example\n")
    settings = file_settings(db_url, settings_for, csv)
    tenant.reset_counters()
    result = run(settings, tenant, NOW)
    assert result.failed_steps == []
    store = Store(make_engine(settings.database.url))
    (view,) = store.views(["active"])
    assert (view.manager.email, view.report.email) == (
        "mia@contoso.example", "ada.lovelace@contoso.example")
    assert tenant.count("GET", r"^/users/ADA@contoso\.example$") == 1  # 404: not an id/UPN
    assert tenant.count("GET", r"^/users$") >= 1  # the proxyAddresses filter
    csv.write_text("mia@contoso.example,ada@contoso.example\n"
                   "mia@contoso.example,adah@contoso.example\n")
    (failed,) = run(settings, tenant, NOW + timedelta(hours=1)).failed_steps
    assert f"{csv}:2: adah@contoso.example is not a user in the directory" in failed
    assert [v.report.email for v in store.views(["active"])] == [
        "ada.lovelace@contoso.example"]  # nothing changed on a refused file


def test_a_pair_taken_out_of_the_pairs_file_ends_saying_so(db_url, settings_for,
                                                          tmp_path: Path) -> None:
    """With the file as the only source, someone no longer in it was taken out of the file,
    not necessarily gone from the organisation: the reason says so, with their name."""
    tenant, csv, settings = scheduled_from_a_file(db_url, settings_for, tmp_path)
    csv.write_text("mia@contoso.example,nia@contoso.example\n")
    result = run(settings, tenant, NOW + timedelta(hours=1))
    assert result.failed_steps == []
    (ended,) = [a for a in result.pairs.actions if a.kind not in ("keep",)]
    assert ended.kind == "unpaired"
    # The file's name, not its path: the pair may be mailed the reason.
    assert ended.reason == "Mia Manager and Rob Report are no longer paired in " + csv.name


def test_a_pair_a_new_pairs_file_leaves_out_is_said_dropped_by_that_file(
        db_url, settings_for, tmp_path: Path) -> None:
    """[pairs] file pointed at a new file that does not list a pair: the reason (which the
    pair may be mailed) names the new file, the one they are no longer paired in, not the
    old one, which still lists them."""
    tenant, _csv, settings = scheduled_from_a_file(db_url, settings_for, tmp_path)
    new = tmp_path / "pairs-2027.csv"
    new.write_text("mia@contoso.example,nia@contoso.example\n")
    settings = file_settings(db_url, settings_for, new)
    result = run(settings, tenant, NOW + timedelta(hours=1))
    assert result.failed_steps == []
    (ended,) = [a for a in result.pairs.actions if a.kind not in ("keep",)]
    assert ended.kind == "unpaired"
    assert ended.reason == "Mia Manager and Rob Report are no longer paired in pairs-2027.csv"


def test_free_busy_is_asked_through_the_managers_mailbox_id(settings) -> None:
    """getSchedule is addressed as every other call to the manager's mailbox is, by id:
    Graph documents /users/{id | userPrincipalName} (a mail address that is not the UPN is
    not one), and the per-mailbox limit of 4 requests counts one key per mailbox."""
    tenant = org()
    run(settings, tenant, NOW)
    asked = [p for m, p, _ in tenant.requests if p.endswith("/calendar/getSchedule")]
    assert asked and not [p for p in asked if "@" in p]
    mia = tenant.find_user("mia@contoso.example")
    assert any(f"/users/{mia['id']}/" in p for p in asked)


def test_a_mailbox_missing_for_a_while_is_not_a_series_deleted(settings) -> None:
    """A 404 for the mailbox itself (no Exchange licence for now, a mailbox move) says
    nothing about the series in it: the listing fails and is tried again; the series is not
    taken for one the manager deleted (which is never booked again)."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.inject_fault("GET", r"/events/[^/]+/instances$", 404, times=1000,
                        code="MailboxNotEnabledForRESTAPI")
    failed: list[str] = []
    day = NOW
    while not failed and day < NOW + timedelta(days=45):
        day += timedelta(hours=12)
        result = run(settings, tenant, day)
        assert result.occurrences.deleted == []
        failed += result.occurrences.failed
    assert failed and "no Exchange Online mailbox" in failed[0]
    tenant.reset_counters()
    result = run(settings, tenant, day + timedelta(hours=1))
    assert result.occurrences.deleted == [] and result.occurrences.failed == []
    store = Store(make_engine(settings.database.url))
    assert {v.pairing.status for v in store.views()} == {"active"}


def test_a_pair_that_comes_back_is_booked_again_at_once(settings) -> None:
    """Rob moves to Max and back to Mia within the week: the pair he had with Mia comes
    back, plans the very series it had (same slot), and is booked again at once, not
    refused as a repeat of its ended series' transactionId."""
    tenant = org()
    run(settings, tenant, NOW)
    tenant.set_manager("rob@contoso.example", "max@contoso.example")
    moved = run(settings, tenant, NOW + timedelta(hours=1))
    assert "Mia Manager & Rob Report" in " ".join(moved.schedule.ended)
    tenant.set_manager("rob@contoso.example", "mia@contoso.example")
    back = run(settings, tenant, NOW + timedelta(hours=2))
    assert back.schedule.failed == []
    assert "Mia Manager & Rob Report" in back.schedule.created
    store = Store(make_engine(settings.database.url))
    [pairing] = {v.pairing.id for v in store.views() if v.report.email == "rob@contoso.example"
                 and v.manager.email == "mia@contoso.example"}
    with store.session() as s:
        txns = list(s.scalars(select(SeriesRow.transaction_id).where(
            SeriesRow.pairing_id == pairing)))
    assert len(set(txns)) == len(txns) >= 2
    live = [e for e in series_in(tenant, "mia@contoso.example")
            if e["attendees"][0]["emailAddress"]["address"] == "rob@contoso.example"]
    assert len(live) == 1
