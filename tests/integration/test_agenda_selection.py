"""The agenda step's selection (the database leaves out what cannot be due, the rest decided
in Python) finds exactly what reading every meeting of the next days and deciding each in
Python found, on SQLite and PostgreSQL: over generated meetings pending, written and
updated, open topics shown or not, series in zones with and without a daylight saving
change at midnight, managers working any days (one a week, none known), and instants
around local midnights and clock changes."""

from __future__ import annotations

import dataclasses
import random
from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.config import default_settings
from service.config.settings import AgendaSettings
from service.domain.records import PersonUpdate, SeriesRecord
from service.domain.series import agenda_can_update
from service.domain.status import (
    AgendaState,
    OccurrenceStatus,
    PairingStatus,
    SeriesStatus,
)
from service.domain.timing import agenda_due_at, waits_for_previous
from service.jobs.agenda import agenda_cutoff, agendas_due
from service.store.db import make_engine, upgrade
from service.store.repo import Store

BUILT = datetime(2026, 2, 20, 0, 0, tzinfo=UTC)
# America/Havana skips its midnight on 2026-03-08 and has two on 2026-11-01; Santiago skips
# its on 2026-09-06 and repeats the hour before it on 2026-04-05; London and Auckland change
# at night, Lord Howe by half an hour; Kiritimati and Pago Pago are a day apart.
ZONES = ("Europe/London", "America/Santiago", "America/Havana", "Pacific/Auckland",
         "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe", "Asia/Kolkata")
WORKING_DAYS: tuple[tuple[int, ...] | None, ...] = (
    None, (), (0, 1, 2, 3, 4), (0,), (2,), (4, 5, 6), (0, 1, 2, 3, 4, 5, 6), (6,), (1, 3))
STATES = (AgendaState.PENDING, AgendaState.PENDING, AgendaState.INJECTED,
          AgendaState.INJECTED, AgendaState.SKIPPED)
STATUSES = (OccurrenceStatus.SCHEDULED,) * 6 + (
    OccurrenceStatus.MOVED, OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN,
    OccurrenceStatus.DECLINED)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Instants in the days before those clock changes, and around ordinary local midnights.
NOWS = [_utc(2026, 3, 5, 12), _utc(2026, 3, 6, 15), _utc(2026, 3, 7, 4, 30),
        _utc(2026, 3, 27, 23, 30), _utc(2026, 3, 28, 23, 30), _utc(2026, 4, 1, 23, 59),
        _utc(2026, 4, 2, 10, 59), _utc(2026, 4, 2, 11), _utc(2026, 4, 3, 13),
        _utc(2026, 4, 4, 3, 30), _utc(2026, 4, 5, 3, 59), _utc(2026, 9, 3, 4, 30),
        _utc(2026, 9, 4, 12), _utc(2026, 9, 5, 3, 30), _utc(2026, 10, 29, 12),
        _utc(2026, 10, 30, 4, 30), _utc(2026, 10, 31, 4, 30)]
SETTINGS = [(2, 1), (1, 0), (3, 2), (0, 1)]  # lead working days, extra updates


@pytest.fixture
def store(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    return Store(engine)


def _series(pairing_id: int, n: int, zone: str) -> SeriesRecord:
    return SeriesRecord(pairing_id=pairing_id, mailbox=f"m{n}", transaction_id=f"t{n}",
                        status=SeriesStatus.CREATING, cadence="weekly", minutes=30,
                        weekday=1, week_index=None, start_time="10:00", time_zone=zone,
                        first_date=date(2026, 3, 1), range_end=date(2026, 12, 1),
                        online=False, slot_note="", created_at=BUILT, updated_at=BUILT)


def _starts(rng: random.Random, zone: ZoneInfo, ahead: int = 13) -> list[datetime]:
    """Meetings every few hours over the days each instant above looks at (``ahead`` days
    on), and at the local midnights of those days (both readings of one the clocks skip or
    repeat) and a minute before them. (Shared with test_absence_selection.)"""
    days = sorted({now.date() + timedelta(days=d) for now in NOWS for d in range(-1, ahead)})
    out = set()
    for day in days:
        at = datetime.combine(day, time(0), tzinfo=UTC)
        while at.date() == day:
            at += timedelta(minutes=rng.randrange(120, 900))
            out.add(at)
        for fold in (0, 1):
            midnight = datetime.combine(day, time(0, fold=fold), tzinfo=zone).astimezone(UTC)
            out.update(m for m in (midnight, midnight - timedelta(minutes=1))
                       if rng.random() < 0.4)
    return sorted(out)


def _build(store: Store, rng: random.Random) -> None:
    """Managers with every kind of working week, their pairings (a few ended), each with a
    live series and some with a superseded or ended one, in random zones, holding meetings
    in every state and agenda state (some moved), and topics open or discussed."""
    managers = [f"m{i}" for i in range(len(WORKING_DAYS))]
    store.upsert_people([PersonUpdate(m, f"{m}@x.test", m, None, True) for m in managers]
                        + [PersonUpdate(f"r{i}", f"r{i}@x.test", f"Report {i}", None, False)
                           for i in range(18)], BUILT)
    for m, days in zip(managers, WORKING_DAYS, strict=True):
        store.set_mailbox_info(m, time_zone="UTC", days=days, start=None, end=None, now=BUILT)
    n = 0
    for i in range(18):
        pairing = store.upsert_pairing(key=f"p{i}", manager_id=managers[i % len(managers)],
                                       report_id=f"r{i}", cadence="weekly", minutes=30,
                                       reason="default", source="directory", now=BUILT)
        topic_ids = [store.add_topic(pairing.id, f"topic {t}", "report", date(2026, 2, 1),
                                     BUILT) for t in range(rng.randrange(4))]
        discussed = [t for t in topic_ids if rng.random() < 0.3]
        shown_from = [t for t in topic_ids if t is not None] + [10_000 + i]  # never open
        for role in ("old", "live")[rng.randrange(2):]:
            n += 1
            zone = ZONES[n % len(ZONES)]
            series = store.begin_series(_series(pairing.id, n, zone))
            assert series.id is not None
            store.activate_series(series.id, event_id=f"evt{n}", ical_uid=None, now=BUILT)
            if role == "old":
                store.update_series(series.id, BUILT, status=rng.choice(
                    (SeriesStatus.SUPERSEDED, SeriesStatus.ENDED)))
            items: list[dict[str, Any]] = []
            for at in _starts(rng, ZoneInfo(zone)):
                state = rng.choice(STATES)
                updates = 0 if state == AgendaState.PENDING else rng.randrange(1, 4)
                moved = rng.choice((timedelta(0),) * 8 + (timedelta(hours=-30),
                                                          timedelta(hours=20)))
                items.append(dict(event_id=f"e{n}-{len(items)}", original_start=at,
                                  start=at + moved, end=at + moved + timedelta(minutes=30),
                                  status=rng.choice(STATUSES), agenda_state=state,
                                  agenda_updates=updates,
                                  agenda_topics=tuple(t for t in shown_from
                                                      if rng.random() < 0.6)))
            store.upsert_occurrences(series.id, items, BUILT)
        if discussed:  # closed: shown or not, they no longer call for an update
            store.topics_discussed([t for t in discussed if t is not None],
                                   store.pairing_occurrences(pairing.id)[0].id, pairing.id)
        if i % 7 == 3:
            store.end_pairing(pairing.key, "left", BUILT)


def _ends_before(meetings: list[Any]) -> tuple[list[datetime], list[datetime | None]]:
    """A pair's meetings not cancelled, by start, and the latest end among the first k of
    them (k = 0, 1, ...): the latest end of those starting before an instant is found by
    bisecting the starts, not by reading the whole history again for each meeting."""
    kept = sorted((o.start, o.end) for o in meetings
                  if o.status != OccurrenceStatus.CANCELLED)
    latest: list[datetime | None] = [None]
    for _start, end in kept:
        before = latest[-1]
        latest.append(end if before is None else max(before, end))
    return [start for start, _end in kept], latest


def _old_selection(store: Store, cfg: AgendaSettings, now: datetime, window: list[Any],
                   meetings: dict[int, Any] | None = None) -> list[tuple[int, bool]]:
    """The agenda step's selection as it was: every meeting of the next days (``window``,
    ``store.occurrences_between`` of them) and their contexts read, each decided in
    Python."""
    coming = [o for o in window if o.status != OccurrenceStatus.CANCELLED]
    contexts = store.occurrence_contexts(coming)
    open_topics = store.open_topic_ids(view.pairing.id for _s, view in contexts.values())
    # Each pair's whole history, read once for every instant (the store is not changed).
    meetings = {} if meetings is None else meetings
    out = []
    for occ in coming:
        context = contexts.get(occ.id)
        if context is None or context[1].pairing.status != PairingStatus.ACTIVE:
            continue
        series, view = context
        days = frozenset(view.manager.working_days or (0, 1, 2, 3, 4))
        if now < agenda_due_at(occ.start.astimezone(ZoneInfo(series.time_zone)),
                               cfg.lead_working_days, days):
            continue
        first = occ.agenda_state == AgendaState.PENDING
        if not first:
            new_topic = bool(open_topics.get(view.pairing.id, set()) - set(occ.agenda_topics))
            if not new_topic or not agenda_can_update(occ.agenda_updates, cfg.extra_updates):
                continue
        else:
            if view.pairing.id not in meetings:
                meetings[view.pairing.id] = _ends_before(
                    store.pairing_occurrences(view.pairing.id))
            # The latest end of the pair's other meetings (not cancelled) starting earlier.
            starts, latest = meetings[view.pairing.id]
            if waits_for_previous(occ.start, latest[bisect_left(starts, occ.start)],
                                  cfg.grace_minutes, now):
                continue
        out.append((occ.id, first))
    return out


def answers(store: Store, name: str) -> Callable[[], Any]:
    """What ``store.<name>`` returns to the step from now on: the one answer given since
    last asked (the database's candidates as the step read them, not read a second time).
    (Shared with test_absence_selection.)"""
    given: list[Any] = []
    method = getattr(store, name)

    def asked(*args: Any, **kwargs: Any) -> Any:
        given.append(method(*args, **kwargs))
        return given[-1]

    setattr(store, name, asked)

    def last() -> Any:
        [answer] = given
        given.clear()
        return answer

    return last


@pytest.mark.slow
def test_the_selection_finds_exactly_what_reading_every_meeting_found(store: Store) -> None:
    _build(store, random.Random(11))
    base = default_settings().agenda
    found = {"pending": 0, "update": 0, "left out": 0}
    history: dict[int, Any] = {}
    candidates = answers(store, "agenda_candidates")
    for now in NOWS:
        # The window of the longest look ahead, read once: each lead's is the part of it
        # before its own end (meetings by start).
        whole = store.occurrences_between(
            now, now + timedelta(days=max(lead for lead, _e in SETTINGS) * 2 + 5))
        for lead, extra in SETTINGS:
            cfg = dataclasses.replace(base, lead_working_days=lead, extra_updates=extra)
            new = agendas_due(store, cfg, now)
            starts = [occ.start for occ, _s, _v, _f in new]
            assert starts == sorted(starts)
            horizon = now + timedelta(days=lead * 2 + 5)
            window = [o for o in whole if o.start < horizon]
            old = _old_selection(store, cfg, now, window, history)
            assert sorted((occ.id, first) for occ, _s, _v, first in new) == sorted(old)
            found["pending"] += sum(first for _i, first in old)
            found["update"] += sum(not first for _i, first in old)
            found["left out"] += len(window) - len(candidates())
    # The cases exercise both kinds, and the database leaves most of the window out.
    assert all(found.values()), found


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("days", [d for d in WORKING_DAYS if d])
def test_the_cutoff_leaves_out_only_meetings_not_due(zone: str, days: tuple[int, ...]) -> None:
    """Every half hour of the two days from the cutoff: not due from it on, and (the bound is
    tight) due just before its midnight, in zones whose clocks skip or repeat midnight too."""
    tz = ZoneInfo(zone)
    for now in NOWS:
        for lead in (0, 1, 2, 3):
            until = now + timedelta(days=lead * 2 + 5)
            cut = agenda_cutoff(now, lead, tz, frozenset(days), until)
            if cut is None:
                continue
            assert now < agenda_due_at(cut.astimezone(tz), lead, frozenset(days))
            # Tight: a minute before that midnight (its first reading, when repeated), due.
            day = cut.astimezone(tz).date()
            first = min(datetime.combine(day, time(0, fold=fold), tzinfo=tz).astimezone(UTC)
                        for fold in (0, 1))
            assert now >= agenda_due_at((first - timedelta(minutes=1)).astimezone(tz), lead,
                                        frozenset(days))
            at = cut
            while at < min(until, cut + timedelta(days=2)):
                assert now < agenda_due_at(at.astimezone(tz), lead, frozenset(days)), at
                at += timedelta(minutes=30)
