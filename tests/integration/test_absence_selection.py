"""The absence step's selection (the database leaves out what cannot be due, the rest decided
in Python) finds exactly what reading every meeting of the next days and deciding each in
Python found, on SQLite and PostgreSQL: over generated meetings never checked, checked at
all sorts of instants (before, between and after their two checks' days), moving, moved,
skipped or clear, rebooked singles, agendas pending, written or skipped, series active,
superseded or ended, pairings ended, in zones with and without a daylight saving change at
midnight, managers working any days (one a week, none known), and instants around local
midnights and clock changes."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from service.config import default_settings
from service.config.settings import Settings
from service.domain.records import OccurrenceRecord, PersonUpdate, SeriesRecord
from service.domain.status import (
    AbsenceState,
    AgendaState,
    OccurrenceStatus,
    PairingStatus,
    SeriesStatus,
)
from service.domain.timing import agenda_due_at
from service.graph.client import GraphClient
from service.jobs.absence_due import CALLED_OFF, PASSED, eve_of
from service.jobs.absences import MARGIN_WORKING_DAYS, find_due
from service.jobs.context import JobContext
from service.store.db import make_engine, upgrade
from service.store.repo import Store
from tests.integration.test_agenda_selection import (  # the same zones, days and instants
    BUILT,
    NOWS,
    WORKING_DAYS,
    ZONES,
    _series,
    _starts,
    answers,
)

AGENDA_STATES = (AgendaState.PENDING, AgendaState.PENDING, AgendaState.PENDING,
                 AgendaState.INJECTED, AgendaState.SKIPPED, AgendaState.SKIPPED)
ABSENCE_STATES = (None, None, None, AbsenceState.CLEAR, AbsenceState.MOVING,
                  AbsenceState.MOVED, AbsenceState.NO_SLOT, AbsenceState.SKIPPED,
                  AbsenceState.SKIPPED)
STATUSES = (OccurrenceStatus.SCHEDULED,) * 6 + (
    OccurrenceStatus.MOVED, OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN,
    OccurrenceStatus.DECLINED, OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES)
LEADS = (2, 1, 0, 3)  # agenda lead working days


@pytest.fixture
def store(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    return Store(engine)


def _checked(rng: random.Random, at: datetime, zone: ZoneInfo) -> datetime | None:
    """Never checked, checked at one of the instants above, at or just either side of a
    local midnight of the days before the meeting (where its checks fall due), or at some
    hour of those days."""
    pick = rng.randrange(5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice(NOWS)
    day = at.astimezone(zone).date() - timedelta(days=rng.randrange(0, 9))
    midnight = datetime.combine(day, time(0, fold=rng.randrange(2)), tzinfo=zone)
    if pick == 2:
        return (midnight + timedelta(minutes=rng.choice((-1, 0, 1)))).astimezone(UTC)
    return (midnight + timedelta(minutes=rng.randrange(0, 24 * 60))).astimezone(UTC)


def _build(store: Store, rng: random.Random) -> None:
    """Managers with every kind of working week, their pairings (a few ended), each with a
    live series (some still being created) and some with a superseded or ended one, in
    random zones, holding meetings in every state, agenda state and absence state (some
    moved, some rebooked singles), checked at assorted instants or never."""
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
        for role in ("old", "live")[rng.randrange(2):]:
            n += 1
            zone = ZONES[n % len(ZONES)]
            series = store.begin_series(_series(pairing.id, n, zone))
            assert series.id is not None
            if role == "live" and i % 9 == 5:
                pass  # left being created
            else:
                store.activate_series(series.id, event_id=f"evt{n}", ical_uid=None, now=BUILT)
            if role == "old":
                store.update_series(series.id, BUILT, status=rng.choice(
                    (SeriesStatus.SUPERSEDED, SeriesStatus.ENDED)))
            items: list[dict[str, Any]] = []
            for at in _starts(rng, ZoneInfo(zone), ahead=15):
                moved = rng.choice((timedelta(0),) * 8 + (timedelta(hours=-30),
                                                          timedelta(hours=20)))
                items.append(dict(event_id=f"e{n}-{len(items)}", original_start=at,
                                  start=at + moved, end=at + moved + timedelta(minutes=30),
                                  status=rng.choice(STATUSES),
                                  agenda_state=rng.choice(AGENDA_STATES),
                                  absence_state=rng.choice(ABSENCE_STATES),
                                  absence_checked_at=_checked(rng, at + moved,
                                                              ZoneInfo(zone)),
                                  rebook_of=1 if rng.random() < 0.05 else None))
            store.upsert_occurrences(series.id, items, BUILT)
        if i % 7 == 3:
            store.end_pairing(pairing.key, "left", BUILT)


# -- the selection as it was (service/jobs/absences.py before it filtered in SQL), verbatim
# but for taking the lead, the store and the window (read once: the test counts it too) as
# arguments rather than a JobContext.

def _days(person: Any) -> frozenset[int]:
    if person is not None and person.working_days:
        return frozenset(person.working_days)
    return frozenset({0, 1, 2, 3, 4})


def _open(occ: OccurrenceRecord) -> bool:
    held_back = (occ.agenda_state == AgendaState.SKIPPED
                 and occ.absence_state == AbsenceState.SKIPPED)
    if occ.status in PASSED:
        return False
    if occ.status in CALLED_OFF:  # checked once, before its agenda
        return occ.absence_checked_at is None and occ.agenda_state == AgendaState.PENDING
    return occ.agenda_state == AgendaState.PENDING or held_back


def _is_due(lead: int, occ: OccurrenceRecord, series: SeriesRecord, manager: Any,
            now: datetime) -> bool:
    if not _open(occ) or occ.rebook_of is not None:
        return False
    if occ.absence_state == AbsenceState.MOVING:
        return True
    local = occ.start.astimezone(ZoneInfo(series.time_zone))
    days = _days(manager)
    if now < agenda_due_at(local, lead + MARGIN_WORKING_DAYS, days):
        return False
    checked = occ.absence_checked_at
    if checked is None:
        return True
    agenda_due = agenda_due_at(local, lead, days)
    if now >= agenda_due > checked:
        return True
    held_back = (occ.agenda_state == AgendaState.SKIPPED
                 and occ.absence_state == AbsenceState.SKIPPED)
    return (held_back and occ.status not in CALLED_OFF
            and now >= eve_of(occ.start, agenda_due) > checked)


def _window(whole: list[OccurrenceRecord], lead: int, now: datetime
            ) -> list[OccurrenceRecord]:
    """The open meetings of the next days: those of ``whole`` (the meetings of a longer
    window from ``now``, by start) before the lead's horizon."""
    horizon = timedelta(days=(lead + MARGIN_WORKING_DAYS) * 2 + 5)
    return [o for o in whole if o.start < now + horizon and _open(o)]


def _old_selection(store: Store, lead: int, now: datetime,
                   coming: list[OccurrenceRecord]) -> list[int]:
    contexts = store.occurrence_contexts(coming)
    out = []
    for occ in coming:
        context = contexts.get(occ.id)
        if context is None:
            continue
        series, view = context
        if view.pairing.status != PairingStatus.ACTIVE or series.status not in (SeriesStatus.ACTIVE,
                                                                     SeriesStatus.SUPERSEDED):
            continue
        if not _is_due(lead, occ, series, view.manager, now):
            continue
        out.append(occ.id)
    return out


@pytest.mark.slow
def test_the_selection_finds_exactly_what_reading_every_meeting_found(store: Store) -> None:
    _build(store, random.Random(7))
    base = default_settings()
    found = {"never checked": 0, "checked again": 0, "moving": 0, "left out": 0}
    candidates = answers(store, "absence_candidates")
    contexts: dict[int, JobContext] = {}
    for lead in LEADS:
        settings = dataclasses.replace(
            base, agenda=dataclasses.replace(base.agenda, lead_working_days=lead))
        contexts[lead] = JobContext(settings=cast(Settings, settings), store=store,
                                    graph=cast(GraphClient, None))
    for now in NOWS:
        # The window of the longest horizon, read once: each lead's is the part of it before
        # its own end.
        whole = store.occurrences_between(
            now, now + timedelta(days=(max(LEADS) + MARGIN_WORKING_DAYS) * 2 + 5))
        for lead, ctx in contexts.items():
            new = find_due(ctx, now)
            starts = [d.occ.start for d in new]
            assert starts == sorted(starts)
            window = _window(whole, lead, now)
            old = _old_selection(store, lead, now, window)
            assert sorted(d.occ.id for d in new) == sorted(old)
            by_id = {d.occ.id: d.occ for d in new}
            found["moving"] += sum(o.absence_state == AbsenceState.MOVING
                                   for o in by_id.values())
            found["never checked"] += sum(o.absence_checked_at is None
                                          for o in by_id.values())
            found["checked again"] += sum(o.absence_checked_at is not None
                                          and o.absence_state != AbsenceState.MOVING
                                          for o in by_id.values())
            # (What the database returned the step to decide on.)
            found["left out"] += len(window) - len(candidates())
    # Every kind of due check is exercised, and the database leaves open meetings out.
    assert all(found.values()), found
