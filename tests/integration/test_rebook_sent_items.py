"""Without a service mailbox, rebooking picks are read from the manager's Sent Items only when
a pick can matter, at most once a day (issue 11): the last run before the day's first pick
deadline, else from their midday, and once to close an offer; each read asks only for mail
sent since the last one, every page of it. A pick the manager sent is never left unanswered."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.domain.status import RebookStatus
from service.jobs.rebook_reads import CLOSE_WAIT
from service.sandbox.mail import compose
from service.sandbox.transport import SandboxTransport
from service.sandbox.wire import iso_utc
from tests.integration.test_rebook import BOX, MIA, ROB, World, cancelled_rob, links

SENT = r"/mailFolders/sentitems/messages$"
HOUR = timedelta(hours=1)
NOTICE = timedelta(minutes=30)


def world_with(tmp_path: Any, settings_for: Any, minutes: int = 60,
               db_url: str | None = None) -> World:
    """No service mailbox; the worker runs every ``minutes``."""
    world = World(tmp_path, settings_for, box="", db_url=db_url)
    world.settings = dataclasses.replace(world.settings, worker=dataclasses.replace(
        world.settings.worker, interval_minutes=minutes))
    return world


def deadlines(world: World) -> list[datetime]:
    (rebook,) = world.store.rebooks()
    return sorted(datetime.fromisoformat(s) - NOTICE for s, _e in json.loads(rebook.slots))


def reads(world: World) -> int:
    return world.tenant.count("GET", SENT)


def test_reads_follow_the_offer_not_the_runs(tmp_path, settings_for) -> None:
    """Runs every 12 hours from the offer until well after its last time: Sent Items is read
    at most once a day (Mia's day), and not at all once the offer has closed (nothing
    picked: after the read that follows its last time)."""
    world = world_with(tmp_path, settings_for, minutes=720)
    rob, _first, now = cancelled_rob(world)
    zone = ZoneInfo(rob.series.time_zone)
    last = deadlines(world)[-1]
    per_day: Counter[date] = Counter()
    runs, at = 0, now + 12 * HOUR
    while at <= last + timedelta(days=6):
        world.tenant.reset_counters()
        world.tick(at)
        per_day[at.astimezone(zone).date()] += reads(world)
        runs += 1
        at += 12 * HOUR
    assert 2 <= sum(per_day.values()) < runs / 2
    assert max(per_day.values()) == 1
    assert world.store.rebooks()[0].status == "expired"
    world.tenant.reset_counters()
    world.tick(at + timedelta(days=1))
    assert reads(world) == 0


def test_a_pick_after_the_days_read_is_answered_before_the_offer_closes(
        tmp_path, settings_for) -> None:
    """Mia picks the last time after the day's read, the last run before it: the closing
    read finds it (a day on: nothing else to read for), too late to book, and she gets
    fresh times or a short note (never silence); the offer did not close unread before."""
    world = world_with(tmp_path, settings_for)
    _rob, _first, _now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    slots = links(offer)
    last = deadlines(world)[-1]
    world.tenant.reset_counters()
    world.tick(last - timedelta(minutes=50))  # the last run before it: the day's read
    assert reads(world) == 1
    world.send(last - timedelta(minutes=10), MIA, *slots[-1])
    world.tenant.reset_counters()
    world.tick(last + timedelta(minutes=10))
    assert reads(world) == 0  # once a day
    assert world.store.rebooks()[0].status == "offered"
    # The closing read waits for the manager's next read (none: no other offer), CLOSE_WAIT,
    # then comes with her next daily read (from her midday, on a working day).
    world.tick(last + CLOSE_WAIT - timedelta(hours=1))
    assert reads(world) == 0 and world.store.rebooks()[0].status == "offered"
    now = last + CLOSE_WAIT
    while not reads(world):
        assert now < last + CLOSE_WAIT + timedelta(days=4), "the offer was never closed"
        now += timedelta(hours=3)
        world.tick(now)
    assert reads(world) == 1
    answers = [m for m in world.tenant.messages(MIA)
               if m["subject"].startswith(("New times", "That time is no longer free"))]
    assert len(answers) == 1
    assert not world.rebook_events()


def test_a_busy_managers_pick_is_found_past_the_first_page(tmp_path, settings_for) -> None:
    """Mia picks, then sends 70 other mails before the read: every page since the last read
    is read, so the pick is booked (a fixed newest-25 read would have missed it)."""
    world = world_with(tmp_path, settings_for)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    world.tenant.now = lambda: now + timedelta(minutes=1)
    for n in range(70):
        compose(world.tenant, MIA, [ROB], f"Other mail {n}", "<p>hello</p>")
    world.tenant.reset_counters()
    result = world.tick(deadlines(world)[0] - timedelta(minutes=50))
    assert reads(world) == 2  # 50 a page
    assert len(world.rebook_events()) == 1
    assert world.store.rebooks()[0].status == "booked"
    assert result.rebook.booked


def test_an_unreadable_sent_items_is_read_again_and_the_pick_still_books(
        tmp_path, settings_for, db_url) -> None:
    """The due read fails (403): nothing is marked read, the next run reads again from the
    same point and books the pick; the mark where reads ended only moves forward."""
    world = world_with(tmp_path, settings_for, minutes=15, db_url=db_url)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    last_call = deadlines(world)[0] - timedelta(minutes=14)
    world.tenant.inject_fault("GET", SENT, 403, times=1)
    result = world.tick(last_call)
    assert any("Sent Items unreadable" in f for f in result.rebook.failed)
    assert not world.rebook_events()
    world.tenant.reset_counters()
    world.tick(last_call + timedelta(minutes=9))
    assert reads(world) == 1 and len(world.rebook_events()) == 1
    mia = world.tenant.user(MIA)["id"]
    store = world.store
    assert store.sent_items_read([mia]) == {mia.lower(): last_call + timedelta(minutes=9)}
    store.save_sent_items_read(mia, last_call, last_call)  # an older read, finishing late
    assert store.sent_items_read([mia.upper()]) == {
        mia.lower(): last_call + timedelta(minutes=9)}
    store.save_sent_items_read("other@contoso.example", last_call, last_call)
    assert len(store.sent_items_read([mia, "OTHER@contoso.example"])) == 2


def _sandbox_get(world: World, url: str) -> httpx.Response:
    with httpx.Client(transport=SandboxTransport(world.tenant),
                      base_url="https://graph.sandbox.invalid/v1.0",
                      headers={"Authorization": "Bearer t"}) as c:
        return c.get(url)


def test_sandbox_filters_sent_mail_by_time_and_orders_as_graph_requires(
        tmp_path, settings_for) -> None:
    """The sandbox as Graph documents List messages: a sentDateTime range in $filter, and
    $orderby only on a property that leads the $filter (else 400 InefficientFilter)."""
    world = world_with(tmp_path, settings_for)
    tenant = world.tenant
    base = datetime.fromisoformat("2026-11-24T09:00:00+00:00")
    for n in range(3):
        tenant.now = lambda n=n: base + n * HOUR
        compose(tenant, MIA, [ROB], f"mail {n}", "<p>x</p>")
    path = "/users/mia@contoso.example/mailFolders/sentitems/messages"
    since = iso_utc(base + HOUR)
    ok = _sandbox_get(world, f"{path}?$filter=sentDateTime ge {since}"
                             "&$orderby=sentDateTime desc")
    assert ok.status_code == 200
    assert [m["subject"] for m in ok.json()["value"]] == ["mail 2", "mail 1"]
    bad = _sandbox_get(world, f"{path}?$filter=isRead eq true&$orderby=sentDateTime desc")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InefficientFilter"


def test_a_pick_is_read_before_an_offer_whose_meeting_was_not_missed_closes(
        tmp_path, settings_for) -> None:
    """Mia picked, then the missed meeting turns out held (notes arrived late): the offer
    closes only after its last read (at her midday), which books her pick (she asked)."""
    world = world_with(tmp_path, settings_for)
    rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    (rebook,) = world.store.rebooks()
    world.send(now, MIA, *links(offer)[0])
    world.store.update_occurrence(rebook.missed_occurrence_id, now, status="held")
    world.tenant.reset_counters()
    local = now.astimezone(ZoneInfo(rob.series.time_zone))
    midday = datetime.combine(local.date(), time(12, 5), tzinfo=local.tzinfo)
    assert now + timedelta(minutes=30) < midday
    world.tick(now + timedelta(minutes=30))
    assert reads(world) == 0 and world.store.rebooks()[0].status == "offered"
    world.tick(midday)
    assert reads(world) == 1
    assert world.store.rebooks()[0].status == "booked" and len(world.rebook_events()) == 1


@pytest.mark.parametrize("box", ["", BOX])
def test_a_run_with_nothing_due_costs_the_same_statements_however_many_offers_are_open(
        tmp_path, settings_for, box) -> None:
    """Open offers pile up (one per missed meeting until picked or closed): a run of the
    rebook step with nothing to read, book or close must not read each of them. Three open
    offers cost the same statements as one (at 100,000 pairs a week left ~15,000 open,
    and each cost five statements a run)."""
    from service.app import job_context
    from service.jobs.rebook import rebook_missed
    from tests.integration.test_agenda_loop import no_sleep
    from tests.integration.test_mail_queue_cost import _statements
    from tests.integration.test_rebook import offer_run, three_cancelled

    world, now = three_cancelled(tmp_path, settings_for, box=box)
    offer_run(world, now)
    offered = world.store.rebooks([RebookStatus.OFFERED])
    assert len(offered) == 3
    quiet = now + timedelta(minutes=5)  # (no pick deadline, midday or closing read due)

    def statements() -> int:
        async def run() -> Any:  # on the world's own store, whose statements are counted
            async with job_context(world.settings, quiet, sandbox=world.tenant,
                                   store=world.store, graph_options={"sleep": no_sleep}) as ctx:
                return await rebook_missed(ctx, quiet)

        world.tenant.now = lambda: quiet
        world.tenant.reset_counters()
        with _statements(world.store) as seen:
            report = asyncio.run(run())
        assert not (report.booked or report.expired or report.failed or report.offered)
        assert reads(world) == 0
        return len(seen)

    with_three = statements()
    for rebook in offered[1:]:
        world.store.update_rebook(rebook.id, quiet, status=RebookStatus.EXPIRED)
    assert statements() == with_three


def test_a_pick_that_breaks_fails_only_itself_and_is_read_again(tmp_path, settings_for) -> None:
    """An unforeseen error handling one mail in Sent Items (a defect, a mail no one foresaw)
    is named in the run, not raised through every manager's read; nothing is marked read, so
    the next run reads the pick again and books it."""
    from service.app import job_context
    from service.jobs.rebook_reads import read_sent_items
    from tests.integration.test_agenda_loop import no_sleep

    world = world_with(tmp_path, settings_for, minutes=15)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    at = deadlines(world)[0] - timedelta(minutes=14)

    async def broken(ctx: Any, message: Any, when: datetime) -> tuple[str, bool]:
        raise KeyError("slots")

    async def run() -> Any:
        async with job_context(world.settings, at, sandbox=world.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await read_sent_items(ctx, at, broken)

    world.tenant.now = lambda: at
    result = asyncio.run(run())
    assert any("a pick could not be read" in f and "KeyError" in f for f in result.failed)
    assert not world.rebook_events() and world.store.sent_items_read(
        [world.tenant.user(MIA)["id"]]) == {}
    world.tick(at + timedelta(minutes=9))
    assert len(world.rebook_events()) == 1


def test_an_unreadable_sent_items_is_named_by_the_managers_address(
        tmp_path, settings_for) -> None:
    """Refused (403: no Mail.Read, or an access policy leaving the mailbox out), the read is
    said in `tick`'s output by the manager's address: Graph's path and message carry the
    directory id the request used, which tells an admin nothing."""
    world = world_with(tmp_path, settings_for, minutes=15)
    _rob, _first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    world.tenant.inject_fault("GET", SENT, 403, times=1, code="ErrorAccessDenied",
                              message="Access to OData is disabled.")
    result = world.tick(deadlines(world)[0] - timedelta(minutes=14))
    (line,) = [f for f in result.rebook.failed if "Sent Items unreadable" in f]
    assert line.startswith(MIA) and world.tenant.user(MIA)["id"] not in line, line
