"""The manager edits the whole series in Outlook (a new day and time, or a new length) after
an agenda went in, or drags a meeting onetoone has not listed yet to an earlier day:
onetoone follows the series as Outlook now has it. The meetings on the
old slots are withdrawn, never recorded as cancelled (no rebooking offer), the agenda goes
into the meetings at their new times, a longer series gets back the agenda Exchange
dropped with its exceptions, and the stored pattern is the manager's, so an extension
carries it on; the meeting dragged earlier gets its agenda in time (sandbox, SQLite and
PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.records import OccurrenceRecord
from service.domain.series import occurrences as series_occurrences
from service.sandbox.occurrences import occurrence_id
from tests.integration.test_agenda_loop import START
from tests.integration.test_meeting_changes import HOUR, MIA, ROB, Org

MARK = 'id="onetoone-notes"'


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
        db_url: str, settings_for: Any) -> None:
    """Exchange drops every exception when the series' times change, the agenda written
    into the next meeting with them: it is written again before the meeting."""
    org_ = Org(db_url, settings_for)
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
        db_url: str, settings_for: Any) -> None:
    """The day after Rob's first meeting, Mia drags his next one (weeks away, never listed
    by onetoone yet) to five days after the first: the next calendar read shows it, so it
    is recorded at its new time and its agenda goes in before it starts."""
    org_ = Org(db_url, settings_for)
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
