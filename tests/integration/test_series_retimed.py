"""The manager edits the whole series in Outlook (a new day and time, or a new length) after
an agenda went in, or drags a meeting onetoone has not listed yet to an earlier day:
onetoone follows the series as Outlook now has it. The meetings on the
old slots are withdrawn, never recorded as cancelled (no rebooking offer), the agenda goes
into the meetings at their new times, a longer series gets back the agenda Exchange
dropped with its exceptions, and the stored pattern is the manager's, so an extension
carries it on; the meeting dragged earlier gets its agenda in time, on a series its
follow-on has superseded too (sandbox, SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.cadence import week_index_of
from service.domain.model import WEEKDAYS
from service.domain.readback import reach
from service.domain.records import OccurrenceRecord
from service.domain.series import occurrences as series_occurrences
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import occurrence_id
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import HOUR, MIA, NIA, ROB, Org

MARK = 'id="onetoone-notes"'


def _sqlite(tmp_path: Path) -> str:
    """Most cases here are about Outlook and the sync, not the database: SQLite only (the
    store's side, one transaction with a compare-and-set, runs on both in the first case
    and the unread-master case)."""
    return f"sqlite:///{tmp_path / 'retimed.db'}"


def _rob(org_: Org) -> tuple[Any, list[OccurrenceRecord]]:
    view = next(v for v in org_.store.views() if v.report.email == ROB)
    assert view.series is not None
    series = org_.store.series(view.series.id)
    return series, org_.store.occurrences(view.series.id)


def _retime_after_first_agenda(org_: Org, shift: timedelta, longer: timedelta,
                               until: datetime) -> tuple[Any, OccurrenceRecord]:
    """Tick every 3 hours; once Rob's first agenda is in, Mia re-times his whole series
    (``shift`` later, ``longer`` longer) in Outlook. Returns the series as it was then and
    the first meeting as it was then."""
    done: list[tuple[Any, OccurrenceRecord]] = []

    def each(now: datetime) -> None:
        occ = org_.first(ROB)
        if occ is None or done or now < (occ.agenda_at or now) + HOUR:
            return
        series, _stored = _rob(org_)
        zone = ZoneInfo(series.time_zone)
        first = occ.start.astimezone(zone) + shift
        org_.tenant.person_retime_series(MIA, series.event_id, first,
                                         first + timedelta(minutes=series.minutes) + longer)
        done.append((series, occ))

    org_.hourly(until, each, step=3 * HOUR)
    assert done, "Rob's first agenda never went in"
    return done[0]


@pytest.mark.slow
def test_whole_series_moved_in_outlook_is_followed(db_url: str, settings_for: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    org_ = Org(db_url, settings_for)
    caplog.set_level(logging.INFO)
    until = START + timedelta(days=42)
    old, first = _retime_after_first_agenda(org_, timedelta(days=1, hours=2), timedelta(0),
                                            until)
    series, stored = _rob(org_)
    moved = first.start + timedelta(days=1, hours=2)
    # The stored pattern is the manager's now.
    assert series.weekday == (old.weekday + 1) % 7
    assert series.start_time != old.start_time and series.minutes == old.minutes
    assert "re-timed in Outlook" in series.slot_note
    # Nothing on the old slots was recorded as missed, and nobody was offered a rebooking.
    assert [o for o in stored if o.status == "cancelled"] == []
    assert {o.status for o in stored if o.original_start == first.original_start} == {
        "withdrawn"}
    assert [m for m in org_.store.outbox() if m.kind.startswith("rebook")] == []
    # Every meeting that has passed since was at a new slot, had its agenda and was read back.
    held = [o for o in stored if o.status != "withdrawn" and o.end < until - 6 * HOUR]
    assert held and held[0].start == moved
    for occ in held:
        assert occ.start in {s for s, _e in series_occurrences(series, occ.start,
                                                                occ.end)}
        assert occ.agenda_state == "injected" and occ.captured_at is not None
        assert MARK in org_.tenant.person_body(MIA, occ.event_id)
    # Noticed once, not every tick.
    noticed = [r for r in caplog.records if r.getMessage() == "occurrences.series_retimed"]
    assert len(noticed) == 1
    assert not [r for r in caplog.records if r.getMessage() == "occurrences.pattern_changed"]


def test_series_made_longer_in_outlook_gets_its_agenda_back(
        tmp_path: Path, settings_for: Any) -> None:
    """Exchange drops every exception when the series' times change, the agenda written
    into the next meeting with them: it is written again before the meeting."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    until = START + timedelta(days=12)
    old, first = _retime_after_first_agenda(org_, timedelta(0), timedelta(minutes=15), until)
    series, stored = _rob(org_)
    assert series.minutes == old.minutes + 15 and series.start_time == old.start_time
    now_first = next(o for o in stored if o.original_start == first.original_start)
    assert now_first.status != "withdrawn" and now_first.end == first.end + timedelta(
        minutes=15)
    assert now_first.agenda_state == "injected" and now_first.agenda_at is not None
    assert now_first.agenda_at > first.agenda_at
    assert MARK in org_.tenant.person_body(MIA, now_first.event_id)
    assert [o for o in stored if o.status in ("cancelled", "withdrawn")] == []


def test_meeting_moved_earlier_before_it_was_listed_gets_its_agenda(
        tmp_path: Path, settings_for: Any) -> None:
    """The day after Rob's first meeting, Mia drags his next one (weeks away, never listed
    by onetoone yet) to five days after the first: the next calendar read shows it, so it
    is recorded at its new time and its agenda goes in before it starts."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    moved: list[tuple[OccurrenceRecord, datetime, str]] = []

    def each(now: datetime) -> None:
        first = org_.first(ROB)
        if first is None or moved or now < first.end + HOUR:
            return
        series, stored = _rob(org_)
        later = [s for s, _e in series_occurrences(series, first.end, first.end + timedelta(
            days=40)) if s not in {o.original_start for o in stored}]
        assert later, "Rob's next meeting is recorded already: nothing to test"
        slot, to = later[0], first.start + timedelta(days=5)
        event_id = occurrence_id(series.event_id, slot)
        org_.tenant.person_move(MIA, event_id, to, to + timedelta(minutes=series.minutes))
        moved.append((first, to, event_id))

    until = START + timedelta(days=20)
    org_.hourly(until, each, step=3 * HOUR)
    assert moved
    _first, to, event_id = moved[0]
    assert to < until - timedelta(days=2)
    _series, stored = _rob(org_)
    now_there = [o for o in stored if o.event_id == event_id]
    assert len(now_there) == 1
    occ = now_there[0]
    assert (occ.start, occ.status) == (to, "held_no_notes")  # read back at its new end
    assert occ.agenda_state == "injected" and occ.agenda_at is not None and occ.agenda_at < to
    assert occ.captured_at is not None
    assert MARK in org_.tenant.person_body(MIA, event_id)


@pytest.mark.slow
def test_meeting_of_a_superseded_series_moved_earlier_gets_its_agenda(
        tmp_path: Path, settings_for: Any) -> None:
    """Once Rob's follow-on series is booked (extended a month at a time: within weeks),
    the pair still meets on the older, superseded series until its range end (for months
    of every series' life). The day after a meeting of it, Mia drags his next one (a month
    away, never listed yet) two weeks earlier: the next calendar read shows it, so it is
    recorded at its new time and its agenda goes in before it starts, as on a live series."""
    db = _sqlite(tmp_path)
    org_ = Org(db, settings_for)
    org_.settings = settings_for(db, extend_months=1)
    moved: list[tuple[Any, datetime, str]] = []

    def each(now: datetime) -> None:
        view = next((v for v in org_.store.views() if v.report.email == ROB), None)
        if moved or view is None:
            return
        older = [s for s in org_.store.pairing_series(view.pairing.id)
                 if s.status == "superseded"]
        if not older:
            return
        series = older[0]
        stored = org_.store.occurrences(series.id)
        held = [o for o in stored if o.captured_at is not None]
        if not held or now < held[-1].end + HOUR:
            return
        later = [s for s, _e in series_occurrences(series, now, now + timedelta(days=40))
                 if s not in {o.original_start for o in stored}]
        assert later, "Rob's next meeting is recorded already: nothing to test"
        slot = later[0]
        to = slot - timedelta(days=14)
        assert to > now + timedelta(days=7)  # (not the documented drag to before a read)
        event_id = occurrence_id(series.event_id, slot)
        org_.tenant.person_move(MIA, event_id, to, to + timedelta(minutes=series.minutes))
        moved.append((series, to, event_id))

    until = START + timedelta(days=100)
    now = START
    while now <= until and not (moved and now > moved[0][1] + timedelta(days=2)):
        each(now)
        report = org_.tick(now)
        assert report.agenda.failed == [] and report.capture.failed == []
        now += 6 * HOUR
    assert moved, "Rob's series was never superseded"
    series, to, event_id = moved[0]
    assert org_.store.series(series.id).status == "superseded"
    now_there = [o for o in org_.store.occurrences(series.id) if o.event_id == event_id]
    assert len(now_there) == 1
    occ = now_there[0]
    assert (occ.start, occ.status) == (to, "held_no_notes")  # read back at its new end
    assert occ.agenda_state == "injected" and occ.agenda_at is not None and occ.agenda_at < to
    assert MARK in org_.tenant.person_body(MIA, event_id)


@pytest.mark.slow
def test_a_meeting_found_only_long_after_it_ended_is_still_read_back(
        tmp_path: Path, settings_for: Any) -> None:
    """Once Rob's first meeting has had its last re-read, Mia drags his next one (weeks
    away, never listed) to two days on. No read of her calendar comes before it (she has no
    other meeting near): the documented case that goes without an agenda. onetoone first
    finds it when its old slot is listed, longer after it ended than a read-back looks
    back; it is read back then all the same, not left recorded as moved and unread for
    good."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    org_.tenant = SandboxTenant(seed="agenda-loop", now=lambda: START)
    mia = org_.tenant.add_user("Mia Manager", MIA, hire_date=date(2020, 1, 1))
    org_.tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    moved: list[tuple[datetime, datetime, str]] = []

    def each(now: datetime) -> None:
        first = org_.first(ROB)
        if (moved or first is None or first.captured_at is None
                or first.read_back_at is not None or now < first.end + timedelta(days=10)):
            return
        series, stored = _rob(org_)
        slot = next(s for s, _e in series_occurrences(series, now, now + timedelta(days=40))
                    if s not in {o.original_start for o in stored})
        to = datetime.combine((now + timedelta(days=2)).date(), slot.time(), tzinfo=slot.tzinfo)
        event_id = occurrence_id(series.event_id, slot)
        org_.tenant.person_move(MIA, event_id, to, to + timedelta(minutes=series.minutes))
        moved.append((slot, to, event_id))

    until = START + timedelta(days=100)
    now = START
    while now <= until and not (moved and now > moved[0][0] + timedelta(days=1)):
        each(now)
        report = org_.tick(now)
        assert report.agenda.failed == [] and report.capture.failed == []
        now += 6 * HOUR
    assert moved, "Rob's first meeting was never read back"
    _slot, to, event_id = moved[0]
    _series, stored = _rob(org_)
    occ = next(o for o in stored if o.event_id == event_id)
    assert occ.start == to and occ.agenda_state == "pending"  # (never listed before it)
    recapture = timedelta(days=org_.settings.agenda.recapture_days)
    assert occ.captured_at is not None, f"never read back: {occ.status}"
    assert occ.captured_at > occ.end + reach(recapture)  # found after the read-back's reach
    assert occ.status == "held_no_notes" and occ.read_back_at is None  # settled


def _tick(org_: Org, start: datetime, until: datetime, each: Callable[[datetime], bool],
          step: timedelta = 3 * HOUR) -> datetime:
    """Tick every ``step`` from ``start`` until ``until``, or until ``each(now)`` (called
    before each tick) says stop; returns the first instant not ticked."""
    now = start
    while now <= until:
        if each(now):
            return now
        report = org_.tick(now)
        assert report.agenda.failed == [] and report.capture.failed == []
        now += step
    return now


def _first_agenda(org_: Org) -> tuple[OccurrenceRecord, datetime]:
    """Tick until Rob's first agenda is in: that meeting, and the next instant to tick."""
    now = _tick(org_, START, START + timedelta(days=14),
                lambda _now: org_.first(ROB) is not None)
    occ = org_.first(ROB)
    assert occ is not None
    return occ, now


def test_a_series_edit_keeping_its_slots_gets_the_agenda_written_again(
        tmp_path: Path, settings_for: Any) -> None:
    """Mia gives the series a later end date in Outlook after Rob's first agenda went in:
    the slots are the same, but Exchange dropped every exception and the agenda with them.
    The calendar read on the eve of the meeting sees the meeting is a plain occurrence
    again, and the agenda is written again before it starts."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    first, now = _first_agenda(org_)
    series, _stored = _rob(org_)
    master = org_.tenant.state["events"][org_.tenant.user(MIA)["id"]][series.event_id]
    recurrence = copy.deepcopy(master["recurrence"])
    recurrence["range"]["endDate"] = (series.range_end + timedelta(days=60)).isoformat()
    zone = ZoneInfo(series.time_zone)
    start = datetime.combine(series.first_date, time.fromisoformat(series.start_time),
                             tzinfo=zone)
    org_.tenant.person_retime_series(MIA, series.event_id, start,
                                     start + timedelta(minutes=series.minutes), recurrence)
    assert MARK not in org_.tenant.person_body(MIA, first.event_id)
    _tick(org_, now, first.end + 6 * HOUR, lambda _now: False)
    again = org_.store.occurrence(first.id)
    assert again is not None and again.agenda_at is not None
    assert first.agenda_at is not None and first.agenda_at < again.agenda_at < first.start
    assert MARK in org_.tenant.person_body(MIA, first.event_id)
    assert again.captured_at is not None and again.status != "withdrawn"


def test_a_series_moved_onto_another_one_to_one_keeps_the_managers_slot(
        tmp_path: Path, settings_for: Any) -> None:
    """Mia moves Rob's whole series onto the slot of Nia's 1-2-1s: onetoone keeps Mia's
    choice for Rob and moves Nia's series (its own booking) off it instead."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    org_.tick(START)
    nia = next(v for v in org_.store.views() if v.report.email == NIA)
    assert nia.series is not None
    nia_series = org_.store.series(nia.series.id)
    assert nia_series is not None
    taken = series_occurrences(nia_series, START, START + timedelta(days=70))
    series, _stored = _rob(org_)
    start = taken[0][0].astimezone(ZoneInfo(series.time_zone))
    recurrence = copy.deepcopy(org_.tenant.state["events"][org_.tenant.user(MIA)["id"]][
        series.event_id]["recurrence"])
    recurrence["pattern"] = {"type": "relativeMonthly", "interval": 1,
                             "daysOfWeek": [WEEKDAYS[start.weekday()]],
                             "index": nia_series.week_index or week_index_of(start.date()),
                             "firstDayOfWeek": "monday"}
    recurrence["range"]["startDate"] = start.date().isoformat()
    org_.tenant.person_retime_series(MIA, series.event_id, start,
                                     start + timedelta(minutes=series.minutes), recurrence)
    _tick(org_, START + 3 * HOUR, START + timedelta(days=20), lambda _now: False)
    rob_series, _stored = _rob(org_)
    assert "re-timed in Outlook" in rob_series.slot_note  # still the series Mia chose
    rob_slots = {s for s, _e in series_occurrences(rob_series, START, START + timedelta(
        days=70))}
    assert taken[0][0] in rob_slots
    nia_now = next(v for v in org_.store.views() if v.report.email == NIA).series
    assert nia_now is not None
    nia_slots = {s for s, _e in series_occurrences(nia_now, START, START + timedelta(days=70))}
    assert not rob_slots & nia_slots


def test_a_series_changed_to_a_pattern_onetoone_cannot_book_offers_no_rebooking(
        tmp_path: Path, settings_for: Any) -> None:
    """Mia makes Rob's series daily in Outlook: the meetings recorded on the old slot are
    withdrawn, never recorded as cancelled, and Mia is offered no rebooking."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    first, now = _first_agenda(org_)
    series, _stored = _rob(org_)
    zone = ZoneInfo(series.time_zone)
    start = first.start.astimezone(zone) + timedelta(days=1, hours=1)
    daily = {"pattern": {"type": "daily", "interval": 1},
             "range": {"type": "endDate", "startDate": start.date().isoformat(),
                       "endDate": (start.date() + timedelta(days=90)).isoformat(),
                       "recurrenceTimeZone": series.time_zone}}
    org_.tenant.person_retime_series(MIA, series.event_id, start,
                                     start + timedelta(minutes=series.minutes), daily)
    _tick(org_, now, first.end + timedelta(days=4), lambda _now: False)
    _series, stored = _rob(org_)
    assert [o for o in stored if o.status == "cancelled"] == []
    assert {o.status for o in stored if o.original_start == first.original_start} == {
        "withdrawn"}
    assert [m for m in org_.store.outbox() if m.kind.startswith("rebook")] == []


def test_a_master_that_cannot_be_read_leaves_the_meetings_as_they_were(
        db_url: str, settings_for: Any) -> None:
    """Mia re-times the series, and Graph fails the reads of its master for a while: the
    meetings on the old slots are not taken for deleted meanwhile (no cancellation, no
    rebooking offer); once the master is read, the series is followed."""
    org_ = Org(db_url, settings_for)
    first, now = _first_agenda(org_)
    series, _stored = _rob(org_)
    start = first.start.astimezone(ZoneInfo(series.time_zone)) + timedelta(days=1, hours=2)
    org_.tenant.person_retime_series(MIA, series.event_id, start,
                                     start + timedelta(minutes=series.minutes))
    org_.tenant.inject_fault("GET", rf"^/users/[^/]+/events/{re.escape(series.event_id)}$",
                             503, times=12)
    failures: list[str] = []
    while now <= first.end + timedelta(days=2):
        report = org_.tick(now)
        failures += [f for f in report.occurrences.failed if f"{MIA}'s calendar" in f]
        _series, stored = _rob(org_)
        assert [o for o in stored if o.status == "cancelled"] == [], now
        now += 3 * HOUR
    assert failures  # the fault was met
    followed, stored = _rob(org_)
    assert "re-timed in Outlook" in followed.slot_note
    assert {o.status for o in stored if o.original_start == first.original_start} == {
        "withdrawn"}
    assert [m for m in org_.store.outbox() if m.kind.startswith("rebook")] == []


def test_a_held_meeting_deleted_from_outlook_afterwards_stays_held(
        tmp_path: Path, settings_for: Any) -> None:
    """Rob's first meeting is held and read back; Mia edits it (a calendar read sees the
    change, so it is to be read again) and then deletes it from her calendar (tidying up)
    before that read. The read finds it gone: it stays held, with its notes, and is not
    taken for a missed meeting."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    first, now = _first_agenda(org_)
    org_.type_note(first, "Agreed the Q1 plan")

    def held(_now: datetime) -> bool:
        occ = org_.store.occurrence(first.id)
        return occ is not None and occ.captured_at is not None

    now = _tick(org_, now, first.end + timedelta(days=1), held, step=HOUR)
    read = org_.store.occurrence(first.id)
    assert read is not None and read.status == "held"
    notes = org_.store.notes(first.id)
    org_.tenant.person_cancel(MIA, first.event_id)
    org_.store.mark_changed([first.id], now)  # as the calendar read that saw the edit does
    _tick(org_, now, first.end + timedelta(days=4), lambda _now: False)
    after = org_.store.occurrence(first.id)
    assert after is not None and after.status == "held"
    assert org_.store.notes(first.id) == notes != []
    assert [m for m in org_.store.outbox() if m.kind.startswith("rebook")] == []


def test_a_series_retimed_in_outlook_survives_a_lost_database(tmp_path: Path,
                                                              settings_for: Any) -> None:
    """Mia made Rob's series longer in Outlook (her choice stands); then the database is
    lost. The next runs adopt the series as Outlook has it and leave it be (no meeting
    cancelled, no second series, nobody mailed a cancellation), and a later change of the
    pairing's length still applies to it."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    until = START + timedelta(days=12)
    old, _first = _retime_after_first_agenda(org_, timedelta(0), timedelta(minutes=15), until)
    series, _stored = _rob(org_)
    assert series.minutes == old.minutes + 15 and series.policy_minutes == old.minutes
    masters = sorted(e["id"] for e in org_.tenant.events(MIA)
                     if e.get("type") == "seriesMaster")

    # The database is lost: the worker starts again on a new, empty one.
    org_.settings = settings_for(f"sqlite:///{tmp_path / 'lost.db'}")
    org_.store = Store(make_engine(org_.settings.database.url))
    when = until + HOUR
    adopted = org_.tick(when).schedule
    assert any("Rob" in label for label in adopted.adopted), adopted
    for later in (when + timedelta(days=1), when + timedelta(days=8)):
        report = org_.tick(later).schedule
        assert report.ended == [] and report.created == [], report
    assert adopted.ended == [] and adopted.created == []
    kept, _stored = _rob(org_)
    assert kept.event_id == series.event_id and kept.minutes == old.minutes + 15
    assert kept.policy_minutes == old.minutes
    assert sorted(e["id"] for e in org_.tenant.events(MIA)
                  if e.get("type") == "seriesMaster") == masters
    assert not [e for e in org_.tenant.events(MIA) if e.get("isCancelled")]

    # The pairing's length changes (the policy now says an hour): that applies.
    org_.settings = settings_for(org_.settings.database.url, minutes=60)
    changed = org_.tick(when + timedelta(days=9)).schedule
    assert any("Rob" in line for line in changed.ended), changed
    assert any("Rob" in line for line in changed.created), changed


def test_after_a_lost_database_a_pattern_onetoone_cannot_carry_on_is_rebooked(
        tmp_path: Path, settings_for: Any) -> None:
    """Mia set Rob's series to every three weeks in Outlook, a pattern onetoone cannot carry
    on (read as weekly, an extension would book a weekly series nobody chose); then the
    database is lost. The next run re-books the pair to the policy instead of keeping it."""
    org_ = Org(_sqlite(tmp_path), settings_for)
    org_.tick(START)
    series, _stored = _rob(org_)
    master = org_.tenant.state["events"][org_.tenant.user(MIA)["id"]][series.event_id]
    recurrence = copy.deepcopy(master["recurrence"])
    first = series_occurrences(series, START, START + timedelta(days=70))[0][0].astimezone(
        ZoneInfo(series.time_zone))
    recurrence["pattern"] = {"type": "weekly", "interval": 3,
                             "daysOfWeek": [WEEKDAYS[first.weekday()]],
                             "firstDayOfWeek": "sunday"}
    org_.tenant.person_retime_series(MIA, series.event_id, first,
                                     first + timedelta(minutes=series.minutes), recurrence)

    org_.settings = settings_for(f"sqlite:///{tmp_path / 'lost.db'}")
    org_.store = Store(make_engine(org_.settings.database.url))
    assert any("Rob" in line for line in org_.tick(START + timedelta(days=1)).schedule.adopted)
    report = org_.tick(START + timedelta(days=1, hours=1)).schedule  # the next run
    assert any("Rob" in line for line in report.ended), report
    assert any("Rob" in line for line in report.created), report
    rebooked, _stored = _rob(org_)
    assert rebooked.event_id != series.event_id and rebooked.cadence == series.cadence
    assert rebooked.policy_cadence is None
