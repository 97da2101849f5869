"""A week of one manager's 1-2-1s called off (a conference, a week of sickness, the days
before Christmas): every report's rebooking offer is made in the same run from the same
free/busy. Each must name times no other open offer to the manager names, while the window
has others free: else Mia gets five mails naming the same times, her first pick books one and
every later pick of it is refused as "no longer free" with fresh times (sandbox, SQLite and
PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.rebook import decode_slots
from service.sandbox.routing import SandboxTenant
from service.store.repo import Store
from tests.integration.test_agenda_loop import START
from tests.integration.test_rebook import BOX, MIA, ROB, World, _start, links

REPORTS = [f"report{n}@contoso.example" for n in range(1, 6)]
WEEK = date(2026, 12, 14)
LONDON = ZoneInfo("Europe/London")


def _tenant() -> SandboxTenant:
    t = SandboxTenant(seed="rebook-shared-times", now=lambda: START)
    t.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    mia = t.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1))
    for n, email in enumerate(REPORTS, 1):
        t.add_user(f"Report {n}", email, manager=mia, hire_date=date(2021, 3, 1))
    return t


def _clashes(offers: list[list[tuple[datetime, datetime]]]) -> list[str]:
    """Times one offer names that overlap a time another offer names."""
    return sorted({f"{s:%a %d %H:%M}" for n, mine in enumerate(offers) for s, e in mine
                   for other in offers[n + 1:] for s2, e2 in other if s < e2 and s2 < e})


def _cancelled_week(world: World) -> datetime:
    """Mia's five weekly series booked; she cancels every 1-2-1 of one week in Outlook (the
    days are freed, not blocked). Returns a time when all five are due an offer."""
    world.settings = replace(world.settings, policy=replace(world.settings.policy,
                                                            default_cadence="weekly"))
    world.tenant = _tenant()
    world.tick(START)
    views = [world.view(email) for email in REPORTS]
    starts = []
    for view in views:
        item = next(i for i in world.instances(view.series, START)
                    if WEEK <= _start(i).date() < WEEK + timedelta(days=7))
        world.tenant.person_cancel(MIA, item["id"], "Reorganisation week")
        starts.append(_start(item))
    return max(world.due(v, s) for v, s in zip(views, starts, strict=True))


def test_one_managers_offers_in_one_run_name_different_times(
        tmp_path: Any, settings_for: Any, db_url: str) -> None:
    world = World(tmp_path, settings_for, db_url=db_url)
    now = _cancelled_week(world)
    world.tick(now)
    rows = world.store.rebooks()
    assert len(rows) == len(REPORTS) and all(r.status == "offered" for r in rows)
    offered = [decode_slots(r.slots) for r in rows]
    assert all(offered)
    clashes = _clashes(offered)
    assert not clashes, f"times offered to Mia in two offers at once: {clashes}"

    # Mia picks the first time of every offer: each is booked, none refused.
    for offer in world.offers(MIA):
        world.send(now, MIA, *links(offer)[0])
    world.tick(now + timedelta(minutes=10))
    assert [r.status for r in world.store.rebooks()] == ["booked"] * len(REPORTS)
    assert not [m for m in world.tenant.messages(MIA)
                if (m.get("subject") or "").startswith(("New times", "That time is no"))]


def test_one_reports_two_offers_name_different_times(tmp_path: Any, settings_for: Any,
                                                    db_url: str) -> None:
    """Rob's weekly 1-2-1 on Tuesday 1 December is not written up: the reminder offers times
    to the end of that week (Mia is away on Thursday, so Friday). Rob is on leave all the
    next week, so Mia cancels that Tuesday's too, and its offer can only go before the
    leave: that same Friday. Two open offers for one pair must not name the same times."""
    world = World(tmp_path, settings_for, db_url=db_url)
    world.settings = replace(world.settings, policy=replace(world.settings.policy,
                                                            default_cadence="weekly"))
    world.tick(START)
    rob = world.view(ROB)
    first, second = world.instances(rob.series, START)[:2]
    assert (_start(first).date(), _start(second).date()) == (date(2026, 12, 1),
                                                             date(2026, 12, 8))
    world.tenant.add_event(MIA, "Offsite", datetime(2026, 12, 3, 8, tzinfo=LONDON),
                           datetime(2026, 12, 3, 18, tzinfo=LONDON))
    for n in range(5):
        day = date(2026, 12, 7) + timedelta(days=n)
        world.tenant.add_event(ROB, "Annual leave", datetime.combine(day, time(9), LONDON),
                               datetime.combine(day, time(17), LONDON), show_as="oof")
    world.tenant.person_cancel(MIA, second["id"], "Rob's on leave that week")
    now = START
    while len([r for r in world.store.rebooks() if r.pairing_id == rob.pairing.id]) < 2:
        assert now < datetime(2026, 12, 8, tzinfo=UTC), "both meetings offered by then"
        now += timedelta(hours=6)
        world.tick(now)
    rows = [r for r in world.store.rebooks() if r.pairing_id == rob.pairing.id]
    assert [r.reason for r in rows] == ["not_held", "cancelled"]
    assert all(r.status == "offered" for r in rows)
    offered = [decode_slots(r.slots) for r in rows]
    assert all(offered)
    clashes = _clashes(offered)
    assert not clashes, f"times offered twice for Rob's two missed meetings: {clashes}"


def test_a_run_stopped_between_offers_offers_the_rest_apart(
        tmp_path: Any, settings_for: Any, monkeypatch: Any) -> None:
    """The worker dies after storing two of the five offers: the next run makes the other
    three apart from those two, and the two stored are not changed."""
    world = World(tmp_path, settings_for)
    now = _cancelled_week(world)
    original, made = Store.add_rebook, []

    def dies_after_two(self: Store, rebook: Any, mail: Any) -> bool:
        if len(made) == 2:
            raise SystemExit("killed")
        made.append(rebook)
        return original(self, rebook, mail)

    monkeypatch.setattr(Store, "add_rebook", dies_after_two)
    with pytest.raises(SystemExit):
        world.tick(now)
    monkeypatch.undo()
    first_two = [(r.id, r.slots) for r in world.store.rebooks()]
    assert len(first_two) == 2
    world.tick(now + timedelta(minutes=5))
    rows = world.store.rebooks()
    assert [(r.id, r.slots) for r in rows[:2]] == first_two and len(rows) == len(REPORTS)
    offered = [decode_slots(r.slots) for r in rows]
    assert all(offered) and not _clashes(offered), _clashes(offered)
