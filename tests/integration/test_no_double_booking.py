"""No person is double-booked by onetoone: every 1-2-1 a person is in (as manager or as
report, in any series, from any run or replica) is checked against the calendars the
sandbox holds, not against the store the scheduler wrote."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from service.app import job_context
from service.domain.model import CadenceKind
from service.domain.timezones import to_iana
from service.graph.client import parse_graph_datetime
from service.graph.payloads import PAIRING_PROPERTY
from service.jobs.tick import tick
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import timed_occurrences
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import POSTGRES_URL, _emptied_postgres, make_settings

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ZONES = ("GMT Standard Time", "Eastern Standard Time", "W. Europe Standard Time")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
LOOK = timedelta(weeks=26)


async def _no_sleep(_seconds: float) -> None:
    """Retries in tests don't wait."""


def _tick(settings_, tenant: SandboxTenant, now: datetime, worker: str, *, own_store=False):
    # Replicas are threads here: each gets its own engine (as a process would), opened on
    # the already-upgraded database (alembic's module state is not for threads).
    store = Store(make_engine(settings_.database.url)) if own_store else None

    async def go():
        async with job_context(settings_, now, sandbox=tenant, store=store,
                               graph_options={"sleep": _no_sleep}) as ctx:
            ctx.worker_id = worker
            return await tick(ctx, now)

    return asyncio.run(go())


def one_to_ones(tenant: SandboxTenant, people: list[str], start: datetime, end: datetime
                ) -> dict[str, list[tuple[datetime, datetime, str]]]:
    """Each person's 1-2-1 occurrences in [start, end), from the organizers' calendars."""
    out: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for mailbox in people:
        for e in tenant.events(mailbox):
            tags = {p["id"]: p["value"] for p in e.get("singleValueExtendedProperties") or []}
            if PAIRING_PROPERTY not in tags or e.get("isCancelled"):
                continue
            who = [mailbox] + [a["emailAddress"]["address"] for a in e.get("attendees") or []]
            zone = ZoneInfo(to_iana(e.get("originalStartTimeZone") or "UTC"))
            first = parse_graph_datetime(e["start"]).astimezone(zone)
            last = parse_graph_datetime(e["end"]).astimezone(zone)
            if e.get("type") == "seriesMaster":
                # As Outlook lists them: cancelled meetings gone, moved ones at their time.
                times = [(t.start.astimezone(zone), t.end.astimezone(zone))
                         for t in timed_occurrences(e, start, end)]
            else:
                times = [(first, last)] if first < end and last > start else []
            for s, f in times:
                for person in who:
                    out[person.lower()].append((s, f, tags[PAIRING_PROPERTY]))
    return out


def overlaps(booked: dict[str, list[tuple[datetime, datetime, str]]]) -> list[str]:
    """'person: pair A at .. overlaps pair B at ..' for every double booking."""
    found = []
    for person, items in booked.items():
        items.sort()
        latest: tuple[datetime, datetime, str] | None = None  # the one ending last so far
        for item in items:
            if latest is not None and item[0] < latest[1]:
                found.append(f"{person}: {latest[2]} at {latest[0]:%a %d %b %H:%M %Z} "
                             f"overlaps {item[2]} at {item[0]:%a %d %b %H:%M %Z}")
            if latest is None or item[1] > latest[1]:
                latest = item
    return found


@st.composite
def org_charts(draw):
    """A tree at least three levels deep where most people above the first level both
    manage and report; mixed zones, part-timers, short days and standing meetings."""
    people = [{"email": "p0@org.example", "manager": None}]
    level = [0]
    depth = draw(st.integers(min_value=3, max_value=4))
    for _ in range(depth - 1):
        nxt = []
        for boss in level:
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                if len(people) >= 16:
                    break
                people.append({"email": f"p{len(people)}@org.example", "manager": boss})
                nxt.append(len(people) - 1)
        level = nxt or level
    for p in people:
        p["zone"] = draw(st.sampled_from(ZONES))
        if draw(st.integers(0, 4)) == 0:  # a part-timer
            p["days"] = sorted(draw(st.sets(st.sampled_from(DAYS), min_size=2, max_size=3)),
                               key=DAYS.index)
        else:
            p["days"] = list(DAYS)
        p["hours"] = draw(st.sampled_from([("09:00", "17:00"), ("08:00", "16:00"),
                                           ("10:00", "15:00")]))
        p["busy"] = draw(st.lists(st.tuples(st.sampled_from(DAYS), st.integers(8, 15)),
                                  max_size=2))
        p["late"] = draw(st.booleans())  # joins after the first run (existing series)
    people[0]["late"] = False
    return people


def add_people(tenant: SandboxTenant, chart: list[dict], *, late: bool) -> None:
    """Add the chart's early (or late) joiners, managers before their reports."""
    for n, p in enumerate(chart):
        if p.get("added") or (p["late"] and not late):
            continue
        boss = p["manager"]
        if boss is not None and not chart[boss].get("added"):
            continue  # their manager joins later; so do they
        tenant.add_user(
            f"Person {n}", p["email"],
            manager=chart[boss]["email"] if boss is not None else None,
            time_zone=p["zone"], hire_date=date(2020, 1, 1),
            working_hours={"daysOfWeek": p["days"], "startTime": p["hours"][0] + ":00.0000000",
                           "endTime": p["hours"][1] + ":00.0000000"})
        p["added"] = True
        zone = ZoneInfo(to_iana(p["zone"]))
        for day, hour in p["busy"]:
            first = NOW.astimezone(zone).date() + timedelta(days=1)
            while DAYS[first.weekday()] != day if first.weekday() < 5 else True:
                first += timedelta(days=1)
            start = datetime(first.year, first.month, first.day, hour, tzinfo=zone)
            tenant.add_event(p["email"], "Standing meeting", start, start + timedelta(hours=1),
                             recurrence={"pattern": {"type": "weekly", "interval": 1,
                                                     "firstDayOfWeek": "monday",
                                                     "daysOfWeek": [day]},
                                         "range": {"type": "noEnd",
                                                   "startDate": first.isoformat()}})


def _db(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / (uuid.uuid4().hex + '.db')}"
    return _emptied_postgres(POSTGRES_URL)


def _check(chart: list[dict], db_kind: str, tmp_path: Path, replicas: int) -> None:
    for p in chart:
        p.pop("added", None)
    tenant = SandboxTenant(seed="no-double-booking", now=lambda: NOW)
    add_people(tenant, chart, late=False)
    cfg = make_settings(tmp_path / uuid.uuid4().hex, _db(db_kind, tmp_path))
    first = _tick(cfg, tenant, NOW, "replica-0")
    # A pair may legitimately have no slot (two part-timers with no working day in common,
    # or every time taken): that is reported, never solved by double-booking.
    assert not [f for f in first.schedule.failed
                if "No time is free" not in f and "No weekday suits" not in f], first
    add_people(tenant, chart, late=True)
    later = NOW + timedelta(days=1)
    results: list[object] = []
    errors: list[BaseException] = []

    def replica(n: int) -> None:
        try:
            results.append(_tick(cfg, tenant, later, f"replica-{n}", own_store=True))
        except BaseException as exc:  # surfaced below with the replica's traceback
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(replicas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    emails = [p["email"] for p in chart]
    booked = one_to_ones(tenant, emails, later, later + LOOK)
    assert overlaps(booked) == []
    # Every pair has exactly one live series (several replicas, never a duplicate).
    keys = [k for items in booked.values() for _s, _e, k in items]
    series_keys = []
    for mailbox in emails:
        for e in tenant.events(mailbox):
            tags = {p["id"]: p["value"] for p in e.get("singleValueExtendedProperties") or []}
            if PAIRING_PROPERTY in tags and e.get("type") == "seriesMaster" and not e.get(
                    "isCancelled"):
                series_keys.append(tags[PAIRING_PROPERTY])
    assert len(series_keys) == len(set(series_keys))
    assert keys or len(chart) == 1


NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
DB_KINDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


@pytest.mark.slow
@pytest.mark.parametrize("db_kind", DB_KINDS)
# No shrinking: each example is a whole scheduling run; a failure prints its org as drawn.
@settings(max_examples=8, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chart=org_charts())
def test_nobody_double_booked_in_generated_orgs(chart, db_kind: str, tmp_path: Path) -> None:
    """Generated org charts (depth >= 3, managers who report, mixed zones and days, busy time,
    joiners after a first run): no person has two overlapping 1-2-1s in six months."""
    _check(chart, db_kind, tmp_path, replicas=1)


@pytest.mark.slow
@pytest.mark.parametrize("db_kind", DB_KINDS)
@settings(max_examples=4, deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chart=org_charts())
def test_nobody_double_booked_with_concurrent_replicas(chart, db_kind: str,
                                                       tmp_path: Path) -> None:
    """Three replicas scheduling the same org at once: still no overlap, no duplicate."""
    _check(chart, db_kind, tmp_path, replicas=3)


def test_middle_manager_is_not_double_booked(db_url, settings_for) -> None:
    """The reported case: a middle manager's 1-2-1 with their own manager never lands on the
    slot of their 1-2-1 with one of their reports (both chosen in the same run)."""
    tenant = SandboxTenant(seed="middle", now=lambda: NOW)
    # One free hour a week for the middle manager: every series wants it.
    tenant.add_user("Top Boss", "top@org.example", hire_date=date(2015, 1, 1))
    tenant.add_user("Mid Manager", "mid@org.example", manager="top@org.example",
                    hire_date=date(2018, 1, 1),
                    working_hours={"daysOfWeek": ["tuesday"], "startTime": "15:00:00.0000000",
                                   "endTime": "17:00:00.0000000"})
    for n in range(3):
        tenant.add_user(f"Report {n}", f"r{n}@org.example", manager="mid@org.example",
                        hire_date=date(2020, 1, 1))
    cfg = settings_for(db_url)
    result = _tick(cfg, tenant, NOW, "w")
    emails = ["top@org.example", "mid@org.example"] + [f"r{n}@org.example" for n in range(3)]
    assert overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK)) == []
    # Mid's four 1-2-1s (one as report, three as manager, fortnightly/monthly) share two hours.
    assert len(result.schedule.created) + len(result.schedule.failed) == 4


def _middle_org() -> SandboxTenant:
    tenant = SandboxTenant(seed="repair", now=lambda: NOW)
    tenant.add_user("Top Boss", "top@org.example", hire_date=date(2015, 1, 1))
    tenant.add_user("Mid Manager", "mid@org.example", manager="top@org.example",
                    hire_date=date(2018, 1, 1))
    tenant.add_user("Rae Report", "rae@org.example", manager="mid@org.example",
                    hire_date=date(2020, 1, 1))
    return tenant


def _collide(cfg, tenant: SandboxTenant, now: datetime) -> tuple[int, int]:
    """Make Mid & Rae's series sit on Top & Mid's slot, as an earlier version could have:
    the same change in the calendar and in the store. Returns (kept id, collided id)."""
    from service.domain.cadence import recurrence_for
    from service.domain.model import CadenceKind
    from service.domain.series import slot_of
    from service.graph.payloads import series_move_patch

    store = Store(make_engine(cfg.database.url))
    views = {v.report.email: v for v in store.views(["active"])}
    keep, move = views["mid@org.example"].series, views["rae@org.example"].series
    assert keep is not None and move is not None
    slot = slot_of(keep)
    patch = series_move_patch(slot=slot, minutes=move.minutes,
                              recurrence=recurrence_for(CadenceKind(move.cadence), slot,
                                                        move.range_end), body_html=None)

    async def go():
        async with job_context(cfg, now, sandbox=tenant) as ctx:
            await ctx.graph.update_event(move.mailbox, move.event_id, patch)

    asyncio.run(go())
    store.update_series(move.id, now, weekday=keep.weekday, week_index=keep.week_index,
                        start_time=keep.start_time, first_date=keep.first_date)
    return keep.id, move.id


def test_existing_overlap_is_moved_with_one_update_saying_why(db_url, settings_for) -> None:
    """Two series that double-book the middle manager (left by an earlier version): the next
    run moves the later one with one PATCH, the report's update says why; no overlap left."""
    tenant = _middle_org()
    cfg = settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    kept, moved = _collide(cfg, tenant, NOW)
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    assert overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK)) != []
    tenant.reset_counters()
    result = _tick(cfg, tenant, NOW, "w")
    assert len(result.schedule.moved) == 1 and "clashed" in result.schedule.moved[0]
    assert overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK)) == []
    assert tenant.count("PATCH", r"/events/") == 1
    assert tenant.count("POST", r"/events$") == 0
    report = "rae@org.example" if "Rae" in result.schedule.moved[0] else "mid@org.example"
    updates = tenant.meeting_messages(report, "update")
    assert any("clashed with another" in u["body"]["content"] for u in updates)
    store = Store(make_engine(cfg.database.url))
    assert store.series(kept).start_time != store.series(moved).start_time or (
        store.series(kept).weekday != store.series(moved).weekday)
    again = _tick(cfg, tenant, NOW, "w")
    assert again.schedule.moved == []


def test_move_killed_around_its_patch_is_finished_not_redone(db_url, settings_for) -> None:
    """A move whose PATCH failed after the intent was stored is finished by the next run
    with one PATCH; when the calendar already shows it, the next run sends none."""
    tenant = _middle_org()
    cfg = settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    _collide(cfg, tenant, NOW)
    tenant.inject_fault("PATCH", r"/events/", 403)  # the move's PATCH is refused once
    failed = _tick(cfg, tenant, NOW, "w")
    assert failed.schedule.failed and not failed.schedule.moved
    store = Store(make_engine(cfg.database.url))
    moving = [v.series for v in store.views(["active"])
              if v.series is not None and v.series.slot_note.startswith("moving: ")]
    assert len(moving) == 1
    tenant.reset_counters()
    _tick(cfg, tenant, NOW, "w")
    assert tenant.count("PATCH", r"/events/") == 1  # finished once
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    assert overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK)) == []
    assert store.series(moving[0].id).slot_note.startswith("moved: ")
    tenant.reset_counters()
    again = _tick(cfg, tenant, NOW, "w")
    assert tenant.count("PATCH", r"/events/") == 0 and again.schedule.moved == []


def test_move_killed_after_its_patch_sends_no_second_update(db_url, settings_for) -> None:
    """Killed after the PATCH but before the move was recorded as done: the next run sees
    the calendar already on the new slot and sends no second update."""
    tenant = _middle_org()
    cfg = settings_for(db_url)
    _tick(cfg, tenant, NOW, "w")
    _collide(cfg, tenant, NOW)
    moved = _tick(cfg, tenant, NOW, "w")
    assert len(moved.schedule.moved) == 1
    store = Store(make_engine(cfg.database.url))
    series = next(v.series for v in store.views(["active"])
                  if v.series is not None and v.series.slot_note.startswith("moved: "))
    # As if the run died right after the PATCH: the intent is still "moving".
    store.update_series(series.id, NOW, slot_note="moving: " + series.slot_note.split(
        "moved: ", 1)[1])
    tenant.reset_counters()
    _tick(cfg, tenant, NOW, "w")
    assert tenant.count("PATCH", r"/events/") == 0
    assert store.series(series.id).slot_note.startswith("moved: ")


def test_overlap_with_a_history_is_ended_and_booked_anew(db_url, settings_for) -> None:
    """A double-booking series that has already met is not re-timed (that would rewrite its
    past): it is ended as of today, its stored history untouched, and a new series booked on
    a free time, the new invite saying why."""
    from service.domain.model import CadenceKind

    tenant = _middle_org()
    # Both pairs monthly, so the collided series meet on the very same days.
    cfg = settings_for(db_url, manager_cadence=CadenceKind.MONTHLY)
    _tick(cfg, tenant, NOW, "w")
    later = NOW + timedelta(days=45)
    for days in range(3, 46, 7):  # weeks pass: meetings are held and mirrored
        _tick(cfg, tenant, NOW + timedelta(days=days), "w")
    store = Store(make_engine(cfg.database.url))
    _collide(cfg, tenant, later)
    before = {v.pairing.id: [(o.id, o.status, o.start) for o in store.occurrences(v.series.id)]
              for v in store.views(["active"]) if v.series is not None}
    result = _tick(cfg, tenant, later, "w")
    assert len(result.schedule.moved) == 1 and len(result.schedule.ended) == 1
    assert len(result.schedule.created) == 1
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    assert overlaps(one_to_ones(tenant, emails, later, later + LOOK)) == []
    moved_label = result.schedule.created[0]
    report = "rae@org.example" if "Rae" in moved_label else "mid@org.example"
    invites = tenant.meeting_messages(report, "invite")
    assert "clashed with another" in invites[-1]["body"]["content"]
    for pairing_id, rows in before.items():  # what had happened stays recorded as it was
        now_rows = {o.id: (o.id, o.status, o.start) for v in store.views()
                    if v.pairing.id == pairing_id
                    for o in store.pairing_occurrences(pairing_id)}
        assert all(now_rows[r[0]] == r for r in rows if r[2] < later)


def test_a_repaired_overlap_keeps_a_joiners_first_day(db_url, settings_for) -> None:
    """A joiner provisioned before their first day whose series clashes with another is
    moved by the overlap repair: to a time on or after that first day, as when it was made."""
    tenant = SandboxTenant(seed="repair", now=lambda: NOW)
    tenant.add_user("Top Boss", "top@org.example", hire_date=date(2015, 1, 1))
    tenant.add_user("Mid Manager", "mid@org.example", manager="top@org.example",
                    hire_date=date(2018, 1, 1))
    # (Mid manages already, so Rae joining does not change Top & Mid's cadence.)
    tenant.add_user("Old Hand", "old@org.example", manager="mid@org.example",
                    hire_date=date(2019, 1, 1))
    # New starters monthly, as everyone: Rae's one series, no follow-on booked with it for
    # when her weeks end (_collide moves the pair's live series).
    cfg = settings_for(db_url, new_starter_cadence=CadenceKind.MONTHLY)
    _tick(cfg, tenant, NOW, "w")  # Top & Mid first: the joiner's series is the later one
    first_day = (NOW + timedelta(days=21)).date()
    tenant.add_user("Rae Joiner", "rae@org.example", manager="mid@org.example",
                    hire_date=first_day)
    _tick(cfg, tenant, NOW, "w")
    _collide(cfg, tenant, NOW)  # Rae's series put on Top & Mid's slot, from its first date
    result = _tick(cfg, tenant, NOW, "w")
    assert len(result.schedule.moved) == 1 and "Rae" in result.schedule.moved[0]
    store = Store(make_engine(cfg.database.url))
    rae = next(v for v in store.views(["active"]) if v.report.email == "rae@org.example")
    assert rae.series is not None and rae.series.first_date >= first_day
    emails = ["top@org.example", "mid@org.example", "rae@org.example"]
    assert overlaps(one_to_ones(tenant, emails, NOW, NOW + LOOK)) == []
