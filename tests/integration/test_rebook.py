"""Missed 1-2-1s are rebooked (issue 8, part 4): one offer to the manager, booked by mail
from Outlook, exactly one meeting with the same agenda, and the next agenda says so."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from service.app import job_context
from service.domain.timing import agenda_due_at
from service.graph.client import UTC_TIMES
from service.graph.payloads import REBOOK_PROPERTY
from service.jobs.tick import tick
from service.sandbox.wire import iso_utc
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START, no_sleep, org

BOX = "onetoone@contoso.example"
MIA, ROB, NIA = "mia@contoso.example", "rob@contoso.example", "nia@contoso.example"
_LINK = re.compile(r'href="(mailto:[^"]+)"')


class World:
    """The sandbox tenant, the database and a clock the test moves."""

    def __init__(self, tmp_path: Any, settings_for: Any, box: str = BOX,
                 db_url: str | None = None) -> None:
        base = settings_for(db_url or f"sqlite:///{tmp_path / 'rebook.db'}")
        self.settings = dataclasses.replace(
            base, mail=dataclasses.replace(base.mail, topics_mailbox=box))
        self.tenant = org()
        if box:
            self.tenant.add_user("onetoone service", box, hire_date=date(2020, 1, 1))
        self.store = Store(make_engine(self.settings.database.url))

    def tick(self, now: datetime) -> Any:
        self.tenant.now = lambda: now

        async def go() -> Any:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def instances(self, series: Any, now: datetime) -> list[dict[str, Any]]:
        async def go() -> list[dict[str, Any]]:
            async with job_context(self.settings, now, sandbox=self.tenant) as ctx:
                # Graph's own JSON, as Outlook lists them (the port hands out records).
                query = {"startDateTime": iso_utc(now) + "Z", "$top": "100",
                         "endDateTime": iso_utc(now + timedelta(days=70)) + "Z"}
                return [e async for e in ctx.graph._pages(
                    f"/users/{series.mailbox}/events/{series.event_id}/instances", query,
                    headers=UTC_TIMES)]

        return asyncio.run(go())

    def send(self, now: datetime, sender: str, to: str, subject: str, body: str = "") -> None:
        """A person sends a mail from Outlook (no onetoone header on it)."""
        self.tenant.now = lambda: now
        payload = {"message": {"subject": subject,
                               "body": {"contentType": "text", "content": body},
                               "toRecipients": [{"emailAddress": {"address": to}}]},
                   "saveToSentItems": True}

        async def go() -> None:
            async with job_context(self.settings, now, sandbox=self.tenant) as ctx:
                await ctx.graph.send_mail(sender, payload)

        asyncio.run(go())

    def view(self, email: str) -> Any:
        return next(v for v in self.store.views() if v.report.email == email)

    def due(self, view: Any, start: datetime) -> datetime:
        """When the occurrence starting at ``start`` gets its agenda (plus an hour)."""
        zone = ZoneInfo(view.series.time_zone)
        return agenda_due_at(start.astimezone(zone), self.settings.agenda.lead_working_days,
                             frozenset({0, 1, 2, 3, 4})) + timedelta(hours=1)

    def offers(self, mailbox: str) -> list[dict[str, Any]]:
        return [m for m in self.tenant.messages(mailbox)
                if (m.get("subject") or "").startswith(("Rebook your 1-2-1", "New times"))]

    def rebook_events(self) -> list[dict[str, Any]]:
        return [e for e in self.tenant.events(MIA)
                if any(p.get("id") == REBOOK_PROPERTY
                       for p in e.get("singleValueExtendedProperties") or [])]


def _start(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["start"]["dateTime"][:19]).replace(tzinfo=UTC)


def links(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(address, subject) of each slot's mailto: link in an offer."""
    out = []
    for href in _LINK.findall(message["body"]["content"]):
        address, _, query = html.unescape(href).removeprefix("mailto:").partition("?subject=")
        out.append((address, unquote(query)))
    return out


def decline(world: World, view: Any, item: dict[str, Any]) -> None:
    """The report declines one occurrence in Outlook (the organizer's copy shows it)."""
    tenant = world.tenant
    master = tenant.state["events"][tenant.user(MIA)["id"]][view.series.event_id]
    exceptions = master.setdefault("_exceptions", {})
    exceptions.setdefault(iso_utc(_start(item)), {})["attendees"] = [
        {"emailAddress": {"address": view.report.email, "name": view.report.name},
         "type": "required", "status": {"response": "declined",
                                        "time": "2026-11-24T09:00:00Z"}}]


def declined_nia(world: World) -> tuple[Any, datetime, dict[str, Any], Any]:
    """Series made; Nia declines her first meeting; the run where its offer goes. Returns
    Nia's view, the time, Mia's offer mail and the offer."""
    world.tick(START)
    nia = world.view(NIA)
    first = world.instances(nia.series, START)[0]
    decline(world, nia, first)
    now = world.due(nia, _start(first))
    world.tick(now)
    (offer,) = world.offers(MIA)
    (rebook,) = world.store.rebooks()
    return nia, now, offer, rebook


def cancelled_rob(world: World) -> tuple[Any, dict[str, Any], datetime]:
    """Series made; Mia cancels Rob's first meeting; Rob has a topic and an open action;
    the tick where its agenda falls due runs twice. Returns Rob's view, the cancelled
    instance and the time."""
    world.tick(START)
    rob = world.view(ROB)
    first = world.instances(rob.series, START)[0]
    world.tenant.person_cancel(MIA, first["id"], "Clash")
    world.store.add_topic(rob.pairing.id, "Career chat <b>please</b>", "report",
                          START.date(), START)
    world.store.add_action(pairing_id=rob.pairing.id, occurrence_id=None, owner="Mia Manager",
                           text="send the Q1 plan", due=None, raised_on=START.date(),
                           fingerprint="cli:q1", now=START)
    now = world.due(rob, _start(first))
    world.tenant.reset_counters()
    world.tick(now)
    world.tick(now + timedelta(minutes=5))
    # The offer cost one getSchedule (both people, the whole window), and the meeting's
    # absence check one (called off with nobody away: missed); the second run none.
    assert world.tenant.count("POST", r"/getSchedule$") == 2
    return rob, first, now + timedelta(minutes=5)


def test_cancelled_meeting_offer_sent_once_booked_once_with_carry_over(
        tmp_path, settings_for, db_url, caplog) -> None:
    """A cancelled 1-2-1: one offer to the manager only; the report and a stranger can't
    book; Mia books time 2 and exactly one meeting exists (mail read twice, picked twice),
    with the open action, Rob's topic and a line saying it replaces the missed one."""
    world = World(tmp_path, settings_for, db_url=db_url)
    rob, first, now = cancelled_rob(world)
    store = world.store
    (offer,) = world.offers(MIA)  # ticked twice, one offer
    assert not world.offers(ROB) and not world.offers(NIA)
    (rebook,) = store.rebooks()
    assert rebook.status == "offered" and rebook.reason == "cancelled"
    slots = links(offer)
    assert 1 <= len(slots) <= 3
    assert all(address.startswith("onetoone+book.") for address, _ in slots)

    # Rob (the report) and Nia (a stranger) try to book: ignored, nothing created.
    world.send(now, ROB, *slots[0])
    world.send(now, NIA, *slots[0])
    caplog.set_level(logging.INFO, logger="service.jobs.rebook")
    result = world.tick(now + timedelta(minutes=10))
    ignored = [r for r in caplog.records if r.getMessage() == "rebook.ignored"]
    assert [r.reason for r in ignored] == ["sender is not the pair's manager"] * 2
    assert [b.split(":")[0] for b in result.topics.bookings] == ["ignored", "ignored"]
    assert store.rebooks()[0].status == "offered" and not world.rebook_events()

    # Mia picks time 2: booked, once.
    pick = 1 if len(slots) > 1 else 0
    world.send(now, MIA, *slots[pick])
    world.tenant.reset_counters()
    world.tick(now + timedelta(minutes=15))
    # Booking: the time checked again (one getSchedule), one POST, one GET of the agenda as
    # text, and the mail marked read.
    assert world.tenant.count("POST", r"/getSchedule$") == 1
    assert world.tenant.count("POST", r"/events$") == 1
    assert world.tenant.count("PATCH", r"/messages/") == 1
    (event,) = world.rebook_events()
    (booked,) = [o for o in store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    missed = next(o for o in store.pairing_occurrences(rob.pairing.id)
                  if o.original_start == _start(first))
    assert missed.status == "cancelled" and booked.rebook_of == missed.id
    assert booked.event_id == event["id"] and booked.agenda_state == "injected"
    assert booked.series_id == rob.series.id
    rebook = store.rebooks()[0]
    assert rebook.status == "booked" and rebook.booked_index == pick + 1
    body = world.tenant.person_body(MIA, event["id"])
    assert "send the Q1 plan" in body and "Career chat &lt;b&gt;please" in body
    assert "This 1-2-1 replaces the last one, on " in body and ", missed (cancelled)." in body
    assert [a for a in event["attendees"] if a["emailAddress"]["address"] == ROB]

    # The booking mail read again, and another pick: still one meeting.
    for message in world.tenant.folder(world.tenant.user(BOX)["id"], "inbox"):
        message["isRead"] = False
    world.send(now, MIA, *slots[0])
    posts = world.tenant.count("POST", r"/events$")
    again = world.tick(now + timedelta(minutes=20))
    assert all(b.startswith("ignored") for b in again.topics.bookings)
    assert len(world.rebook_events()) == 1 and world.tenant.count("POST", r"/events$") == posts
    assert len([o for o in store.pairing_occurrences(rob.pairing.id) if o.rebook_of]) == 1

    # The sync leaves the booked meeting alone, and after it notes are read back from it:
    # none were typed, so nothing of the agenda (the missed line included) is a note.
    after = booked.end + timedelta(hours=1)
    world.tick(after)
    booked = store.occurrence(booked.id)
    assert booked.status == "held_no_notes" and store.notes(booked.id) == []
    assert not [r for r in store.rebooks() if r.missed_occurrence_id == booked.id]


def picked_with_answers_lost(world: World, times: int = 10):
    """Rob's meeting cancelled, Mia picks the first time offered, and each of the next
    ``times`` event creations lands in Exchange with its answer lost (504): (rob, the
    missed meeting, when she picked)."""
    rob, first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    world.send(now, MIA, *links(offer)[0])
    world.tenant.inject_fault("POST", r"/users/[^/]+/events$", 504, times=times,
                              apply_first=True)
    return rob, first, now


def test_booking_interrupted_after_the_post_makes_one_event(tmp_path, settings_for) -> None:
    """Exchange creates the event but the answer is lost (504): the pick is stored, the next
    run finds the tagged event and records it; there is never a second event."""
    world = World(tmp_path, settings_for)
    # Every attempt lands in Exchange, and every answer is lost: the booking mail fails
    # after the pick was stored, and the same run's resume step finds the tagged event.
    rob, first, now = picked_with_answers_lost(world)
    result = world.tick(now + timedelta(minutes=10))
    assert result.topics.bookings[0].startswith("failed")
    assert result.rebook.booked == [f"Mia Manager & Rob Report {_start(first):%Y-%m-%d}"]
    assert len(world.rebook_events()) == 1
    assert world.store.rebooks()[0].status == "booked"
    (booked,) = [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]
    assert booked.event_id == world.rebook_events()[0]["id"]
    world.tick(now + timedelta(minutes=15))
    assert len(world.rebook_events()) == 1


def test_stale_pick_gets_fresh_times_once(tmp_path, settings_for) -> None:
    """A declined 1-2-1: Nia fills the picked time before Mia's mail arrives, so Mia gets
    fresh times (the old links stop working) and books one of those."""
    world = World(tmp_path, settings_for)
    _nia, now, offer, rebook = declined_nia(world)
    assert rebook.reason == "declined" and "was declined by Nia" in offer["body"]["content"]
    slots = links(offer)
    start, end = (datetime.fromisoformat(t) for t in json.loads(rebook.slots)[0])
    world.tenant.add_event(NIA, "Dentist", start, end)
    world.send(now, MIA, *slots[0])
    world.tick(now + timedelta(minutes=10))
    assert not world.rebook_events()
    fresh = [m for m in world.offers(MIA) if m["subject"].startswith("New times")]
    assert len(fresh) == 1
    new = links(fresh[0])
    assert new and new[0][0] != slots[0][0]
    world.send(now, MIA, *slots[1 % len(slots)])  # an old link: replaced, ignored
    world.send(now, MIA, *new[0])
    result = world.tick(now + timedelta(minutes=15))
    assert any(b.startswith("ignored") for b in result.topics.bookings)
    (event,) = world.rebook_events()
    assert world.store.rebooks()[0].status == "booked"
    assert _start(event) != start


def test_missed_and_not_rebooked_next_agenda_says_so(tmp_path, settings_for) -> None:
    """Nia declines and Mia never books: the offer lapses with its window, and the next
    agenda says the last 1-2-1 was missed (declined) and not rebooked."""
    world = World(tmp_path, settings_for)
    world.tick(START)
    nia = world.view(NIA)
    first, second = world.instances(nia.series, START)[:2]
    decline(world, nia, first)
    world.tick(world.due(nia, _start(first)))
    assert len(world.offers(MIA)) == 1
    world.tick(_start(first) + timedelta(days=1))
    due = world.due(nia, _start(second))
    world.tick(due)
    assert world.store.rebooks()[0].status == "expired"
    body = world.tenant.person_body(MIA, second["id"])
    assert ", was missed (declined by Nia) and not rebooked." in body
    assert len(world.offers(MIA)) == 1


def test_without_a_service_mailbox_the_managers_sent_items_book(tmp_path, settings_for
                                                                 ) -> None:
    """No [mail] topics_mailbox: the offer comes from Mia's own mailbox to her, its links
    address her own plus-address, and the mail she sends is read from her Sent Items when a
    pick can matter (her midday, or the last run before a time), not on every run."""
    world = World(tmp_path, settings_for, box="")
    _rob, first, now = cancelled_rob(world)
    (offer,) = world.offers(MIA)
    slots = links(offer)
    assert slots[0][0].startswith("mia+book.")
    world.send(now, ROB, slots[0][0], slots[0][1])  # the report: not in Mia's Sent Items
    world.send(now, MIA, *slots[0])
    (rebook,) = world.store.rebooks()
    first_slot = min(datetime.fromisoformat(s) for s, _e in json.loads(rebook.slots))
    zone = ZoneInfo(world.view(ROB).series.time_zone)
    noon = now.astimezone(zone).replace(hour=12, minute=0)
    due = min(noon if noon > now else noon + timedelta(days=1),
              first_slot - timedelta(minutes=45))
    world.tenant.reset_counters()
    result = world.tick(now + timedelta(minutes=10))
    assert due.astimezone(zone).weekday() < 5, (now, due)
    if due > now + timedelta(minutes=10):  # nothing can matter yet: no read
        assert world.tenant.count("GET", r"/sentitems/messages$") == 0
        assert result.rebook.booked == []
        result = world.tick(due)
    assert world.tenant.count("GET", r"/sentitems/messages$") == 1
    assert result.rebook.booked == [f"Mia Manager & Rob Report {_start(first):%Y-%m-%d}"]
    assert len(world.rebook_events()) == 1
    world.tenant.reset_counters()
    world.tick(due + timedelta(minutes=15))
    assert len(world.rebook_events()) == 1
    assert world.store.rebooks()[0].status == "booked"
    # Every offer settled: Sent Items is not read again.
    assert world.tenant.count("GET", r"/sentitems/messages$") == 0


def test_second_stale_pick_gets_a_short_note_and_no_more_offers(tmp_path, settings_for
                                                                 ) -> None:
    """Fresh times are offered once: when the fresh pick is taken too, Mia gets a short
    'no longer free' note, the offer closes, and nothing is booked."""
    world = World(tmp_path, settings_for)
    rob, _first, now = cancelled_rob(world)

    def block_first_and_pick(message: dict[str, Any]) -> None:
        (rebook,) = world.store.rebooks()
        start, end = (datetime.fromisoformat(t) for t in json.loads(rebook.slots)[0])
        world.tenant.add_event(ROB, "Customer visit", start, end)
        world.send(now, MIA, *links(message)[0])

    block_first_and_pick(world.offers(MIA)[0])
    world.tick(now + timedelta(minutes=10))
    fresh = [m for m in world.offers(MIA) if m["subject"].startswith("New times")]
    block_first_and_pick(fresh[0])
    world.tick(now + timedelta(minutes=15))
    notes = [m for m in world.tenant.messages(MIA)
             if m["subject"].startswith("That time is no longer free")]
    assert len(notes) == 1 and len(world.offers(MIA)) == 2
    assert world.store.rebooks()[0].status == "expired" and not world.rebook_events()
    assert not [o for o in world.store.pairing_occurrences(rob.pairing.id) if o.rebook_of]


def test_offered_times_avoid_both_peoples_public_holidays(tmp_path, settings_for) -> None:
    """Bank holidays of either person's region are never offered (free/busy doesn't show
    them): Christmas and Boxing Day's substitute for the default England calendar."""
    from types import SimpleNamespace

    from service.jobs.holiday_groups import public_holidays

    world = World(tmp_path, settings_for)
    world.tick(START)
    days = public_holidays(SimpleNamespace(settings=world.settings), world.view(ROB),
                           date(2026, 12, 20), date(2026, 12, 31), {})
    assert {date(2026, 12, 25), date(2026, 12, 28)} <= days
    assert date(2026, 12, 23) not in days


# -- offers made in one run share free/busy calls ------------------------------------------


def three_cancelled(tmp_path: Any, settings_for: Any, box: str = BOX
                    ) -> tuple[World, datetime]:
    """Three managers (Mia: Rob; Zed: Yan; Kim: Lea; monthly) each cancel their report's
    first meeting (1, 8 and 15 December). Returns the world and a time when all three are
    missed, inside their windows and not yet offered (stored and seen cancelled by the
    occurrence sync, and checked for an absence as a tick would before its rebook step: the
    offer waits for that; nothing was offered before)."""
    from tests.integration import test_absences as three

    world = World(tmp_path, settings_for, box=box)
    world.tenant = three.org()
    world.tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    world.tick(START)
    dues = []
    for manager, report in ((three.MIA, three.ROB), (three.ZED, three.YAN),
                            (three.KIM, three.LEA)):
        view = world.view(report)
        first = world.instances(view.series, START)[0]
        world.tenant.person_cancel(manager, first["id"], "Clash")
        dues.append(world.due(view, _start(first)))

    async def sync(at: datetime) -> None:
        from service.jobs.absences import check_absences
        from service.jobs.occurrences import sync_occurrences

        world.tenant.now = lambda: at
        async with job_context(world.settings, at, sandbox=world.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            await sync_occurrences(ctx, at)
            await check_absences(ctx, at)

    for at in sorted(dues):  # each stored (and seen cancelled) as its agenda falls due
        asyncio.run(sync(at))
    now = max(dues)
    assert len(world.store.missed_without_offer(now - timedelta(days=14),
                                                now + timedelta(days=62))) == 3
    return world, now


def offer_run(world: World, now: datetime) -> Any:
    """The rebook step alone, counted alone."""
    from service.jobs.rebook import rebook_missed

    world.tenant.now = lambda: now

    async def go() -> Any:
        async with job_context(world.settings, now, sandbox=world.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            return await rebook_missed(ctx, now)

    return asyncio.run(go())


def queued_offers(world: World) -> list[str]:
    """Who each queued offer mail is to (the tick's outbox step sends them)."""
    offers = [m for m in world.store.outbox() if m.kind == "rebook_offer"]
    assert all(len(m.to) == 1 and not m.cc for m in offers)  # the manager only
    return [m.to[0].address for m in offers]


def schedule_calls(world: World) -> list[str]:
    return [p for m, p, _ in world.tenant.requests
            if m == "POST" and p.endswith("/getSchedule")]


def test_three_managers_offers_in_one_run_are_one_getschedule_call(
        tmp_path, settings_for, monkeypatch) -> None:
    """Three offers for three managers due in one run: one getSchedule call carries all six
    people; each manager gets one offer of their own, on the times a call of its own finds."""
    from service.graph.client import GraphClient
    from tests.integration import test_absences as three

    world, now = three_cancelled(tmp_path, settings_for)
    asked: list[Any] = []
    original = GraphClient.schedule_items_many

    async def spy(self: GraphClient, queries: Any, **kw: Any) -> Any:
        asked.extend(queries)
        return await original(self, queries, **kw)

    monkeypatch.setattr(GraphClient, "schedule_items_many", spy)
    world.tenant.reset_counters()
    report = offer_run(world, now)
    monkeypatch.undo()
    assert len(report.offered) == 3 and report.failed == []
    assert len(schedule_calls(world)) == 1 and world.tenant.count("POST", r"/\$batch$") == 0
    assert len(asked) == 1 and set(asked[0].emails) == {
        three.MIA, three.ROB, three.ZED, three.YAN, three.KIM, three.LEA}
    assert sorted(queued_offers(world)) == ["kim@contoso.example", "mia@contoso.example",
                                            "zed@contoso.example"]
    # The times are those a call of its own (both people, its window only) finds.
    assert sorted(json.loads(r.slots) for r in world.store.rebooks()) == sorted(
        alone(world, now))
    # The next run asks nothing: every missed meeting has its offer.
    world.tenant.reset_counters()
    offer_run(world, now + timedelta(minutes=5))
    assert schedule_calls(world) == []


def test_a_refused_shared_call_is_asked_per_manager_and_fails_only_that_manager(
        tmp_path, settings_for) -> None:
    """The shared call is refused (403): each manager is asked again through their own
    mailbox. Mia's mailbox is outside the app's scope, so only her offer fails (no row, no
    mail); Zed and Kim get theirs. Back in scope, the next run offers Mia's alone, one call."""
    from tests.integration import test_absences as three

    world, now = three_cancelled(tmp_path, settings_for)
    world.tenant.reset_counters()
    world.tenant.block_mailbox(three.MIA)
    world.tenant.inject_fault("POST", r"/getSchedule$", 403, times=1)
    report = offer_run(world, now)
    assert len(schedule_calls(world)) == 1 + 3
    assert report.offered == [o for o in report.offered if not o.startswith("Mia")]
    assert len(report.offered) == 2
    assert [f.split(":")[0][:8] for f in report.failed] == ["Mia Boss"]
    assert "free/busy not readable" in report.failed[0]
    assert len(world.store.rebooks()) == 2
    assert sorted(queued_offers(world)) == [three.KIM, three.ZED]
    world.tenant.block_mailbox(three.MIA, blocked=False)
    world.tenant.reset_counters()
    later = offer_run(world, now + timedelta(minutes=10))
    assert [o[:8] for o in later.offered] == ["Mia Boss"] and later.failed == []
    mia_id = world.tenant.user(three.MIA)["id"]
    (call,) = schedule_calls(world)
    assert f"/users/{mia_id}/" in call
    assert sorted(queued_offers(world)) == [three.KIM, three.MIA, three.ZED]
    assert len(world.store.rebooks()) == 3


def alone(world: World, now: datetime) -> list[Any]:
    """Each offer's times as the pick check finds them: one getSchedule per missed meeting."""
    from service.domain.rebook import encode_slots
    from service.jobs.rebook import _context, _free_times

    async def go() -> list[Any]:
        out = []
        async with job_context(world.settings, now, sandbox=world.tenant,
                               graph_options={"sleep": no_sleep}) as ctx:
            for rebook in world.store.rebooks():
                occ = world.store.occurrence(rebook.missed_occurrence_id)
                missed = _context(world.store, occ) if occ is not None else None
                # Its own times aside (the others' are avoided, as when offered).
                found = (await _free_times(ctx, missed, now, own=rebook.id)
                         if missed is not None else None)
                assert found is not None
                out.append(json.loads(encode_slots(found[0])))
        return out

    return asyncio.run(go())


def _held_without_notes(world: World) -> tuple[Any, datetime]:
    """Rob's first meeting happens (or not): nothing is typed into it. Returns Rob's view
    and the meeting's end."""
    world.tick(START)
    rob = world.view(ROB)
    first = world.instances(rob.series, START)[0]
    world.tick(world.due(rob, _start(first)))
    end = datetime.fromisoformat(first["end"]["dateTime"][:19]).replace(tzinfo=UTC)
    world.tick(end + timedelta(hours=1))  # read back: nothing typed
    return rob, end


def reminders(world: World) -> list[dict[str, Any]]:
    return [m for m in world.tenant.messages(MIA)
            if (m.get("subject") or "").startswith("No notes yet: your 1-2-1 with Rob")]


def test_a_meeting_without_notes_gets_one_mail_the_reminder_with_times(
        tmp_path, settings_for) -> None:
    """No notes a day after: the reminder to write them carries the offer of times, in case
    it didn't happen: one mail to the manager, not two; a time picked from it books."""
    world = World(tmp_path, settings_for)
    rob, end = _held_without_notes(world)
    world.tick(end + timedelta(hours=25))
    world.tick(end + timedelta(hours=25, minutes=5))  # ticked twice: still one mail
    (reminder,) = reminders(world)
    assert not world.offers(MIA) and not reminders_to(world, ROB)
    (rebook,) = world.store.rebooks()
    assert rebook.reason == "not_held" and rebook.status == "offered"
    slots = links(reminder)
    assert 1 <= len(slots) <= 3 and "If it didn't happen" in reminder["body"]["content"]
    world.send(end + timedelta(hours=26), MIA, *slots[0])
    world.tick(end + timedelta(hours=26, minutes=5))
    assert world.store.rebooks()[0].status == "booked" and len(world.rebook_events()) == 1
    assert rob.pairing.id == world.store.rebooks()[0].pairing_id


def test_without_reminders_the_offer_for_a_meeting_without_notes_is_its_own_mail(
        tmp_path, settings_for) -> None:
    world = World(tmp_path, settings_for)
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, reminders=False))
    _rob, end = _held_without_notes(world)
    world.tick(end + timedelta(hours=25))
    assert not reminders(world)
    (offer,) = world.offers(MIA)
    assert "No notes were recorded" in offer["body"]["content"]


def reminders_to(world: World, mailbox: str) -> list[dict[str, Any]]:
    return [m for m in world.tenant.messages(mailbox)
            if (m.get("subject") or "").startswith("No notes yet: your 1-2-1")]


def test_offered_times_are_listed_in_time_order(tmp_path, settings_for) -> None:
    """Chosen nearest the missed time, but listed as a calendar reads: earliest first, so
    "time 2" is the second in the list."""
    world = World(tmp_path, settings_for)
    cancelled_rob(world)
    (rebook,) = world.store.rebooks()
    starts = [start for start, _end in json.loads(rebook.slots)]
    assert len(starts) >= 2 and starts == sorted(starts)
