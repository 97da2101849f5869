"""A whole series re-timed in Outlook: which listings say so, which masters onetoone can
follow, the columns it takes from one (Graph's JSON as Microsoft documents it), what becomes
of the recorded meetings, and when such a series is still stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from service.domain.policy import CadencePolicy
from service.domain.records import (
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    PersonRecord,
    SeriesRecord,
)
from service.domain.retime import (
    adopted_columns,
    after_retime,
    followable,
    looks_retimed,
    withdrawn_unlisted,
)
from service.domain.series import occurrences
from service.domain.stale import ends_alone, stale_reason
from service.graph.wire import calendar_event

POLICY = CadencePolicy()

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _series(**fields: Any) -> SeriesRecord:
    base: dict[str, Any] = dict(
        id=1, pairing_id=1, mailbox="m@x.example", transaction_id="t", status="active",
        cadence="weekly", minutes=30, weekday=1, week_index=None, start_time="10:00",
        time_zone="Europe/London", first_date=date(2026, 12, 1), range_end=date(2027, 6, 1),
        created_at=NOW, updated_at=NOW)
    base.update(fields)
    return SeriesRecord(**base)


def _master(pattern: dict[str, Any], start: str = "2026-12-03T14:00:00.0000000",
            end: str = "2026-12-03T14:45:00.0000000", range_type: str = "endDate",
            **extra: Any) -> Any:
    """A series master as GET /events/{id}?$select=start,end,recurrence,
    originalStartTimeZone returns it (times in UTC, the zone Windows-named)."""
    pattern = {"firstDayOfWeek": "monday", "index": "first", "month": 0, "dayOfMonth": 0,
               "interval": 1, **pattern}
    return calendar_event({
        "id": "AAMk-master", "type": "seriesMaster",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        "originalStartTimeZone": "GMT Standard Time",
        "recurrence": {"pattern": pattern, "range": {
            "type": range_type, "startDate": "2026-12-03",
            "endDate": "2027-06-03" if range_type == "endDate" else "0001-01-01",
            "recurrenceTimeZone": "GMT Standard Time", "numberOfOccurrences": 0}},
        **extra})


def _item(start: datetime, minutes: int = 30, slot: datetime | None = None,
          kind: str = "occurrence") -> Any:
    def stamp(when: datetime) -> dict[str, str]:
        return {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}
    return calendar_event({"id": f"occ-{start:%m%d%H%M}", "type": kind,
                           "start": stamp(start), "end": stamp(start + timedelta(minutes=minutes)),
                           "originalStart": (slot or start).strftime("%Y-%m-%dT%H:%M:%SZ")})


def _meeting(series: SeriesRecord, start: datetime, **fields: Any) -> OccurrenceRecord:
    base: dict[str, Any] = dict(id=int(start.timestamp()) % 100_000, series_id=series.id,
                                event_id=f"old-{start:%m%d}", original_start=start,
                                start=start, end=start + timedelta(minutes=series.minutes),
                                status="scheduled", updated_at=NOW)
    base.update(fields)
    return OccurrenceRecord(**base)


def test_plain_occurrences_off_the_pattern_or_its_length_say_retimed() -> None:
    series = _series()
    lo, hi = NOW, NOW + timedelta(days=14)
    slots = [s for s, _e in occurrences(series, lo, hi)]
    assert not looks_retimed(series, [_item(s) for s in slots], lo, hi)
    # An occurrence the manager moved on its own keeps its slot: not a re-timing.
    assert not looks_retimed(series, [_item(slots[0] + timedelta(hours=3), slot=slots[0],
                                            kind="exception")], lo, hi)
    # ... nor one the manager made longer on its own (an exception keeps the series' length).
    assert not looks_retimed(series, [_item(slots[0], minutes=60, slot=slots[0],
                                            kind="exception")], lo, hi)
    assert looks_retimed(series, [_item(slots[0] + timedelta(days=1))], lo, hi)
    assert looks_retimed(series, [_item(slots[0], minutes=45)], lo, hi)
    # Outside the window nothing is judged.
    assert not looks_retimed(series, [_item(hi + timedelta(days=1))], lo, hi)


@pytest.mark.parametrize(("pattern", "ok"), [
    ({"type": "weekly", "daysOfWeek": ["thursday"]}, True),
    ({"type": "weekly", "interval": 2, "daysOfWeek": ["thursday"]}, True),
    ({"type": "relativeMonthly", "daysOfWeek": ["thursday"], "index": "first"}, True),
    ({"type": "weekly", "interval": 3, "daysOfWeek": ["thursday"]}, False),
    ({"type": "weekly", "daysOfWeek": ["monday", "thursday"]}, False),
    ({"type": "daily", "daysOfWeek": []}, False),
    ({"type": "absoluteMonthly", "dayOfMonth": 3, "daysOfWeek": []}, False),
])
def test_only_patterns_onetoone_books_are_followed(pattern: dict[str, Any], ok: bool) -> None:
    assert followable(_master(pattern)) is ok


def test_the_columns_taken_are_those_the_master_changed() -> None:
    series = _series()
    master = _master({"type": "weekly", "interval": 2, "daysOfWeek": ["thursday"]})
    assert adopted_columns(series, master) == {
        "cadence": "fortnightly", "minutes": 45, "weekday": 3, "start_time": "14:00",
        "first_date": date(2026, 12, 3), "range_end": date(2027, 6, 3)}
    # A range without an end leaves the stored end alone (onetoone extends series itself).
    open_ended = _master({"type": "weekly", "daysOfWeek": ["thursday"]}, range_type="noEnd")
    assert "range_end" not in adopted_columns(series, open_ended)
    same = replace(series, **adopted_columns(series, master))
    assert adopted_columns(same, master) == {}
    # A range cut short (an earlier end date, or Outlook's split of a series) is taken: the
    # meetings after it are gone from Outlook.
    later = replace(same, range_end=date(2027, 12, 1))
    assert adopted_columns(later, master) == {"range_end": date(2027, 6, 3)}
    # So is a numbered range ("End after" fewer meetings): its last meeting's day.
    numbered = _master({"type": "weekly", "interval": 2, "daysOfWeek": ["thursday"]},
                       range_type="numbered")
    numbered = replace(numbered, recurrence=replace(numbered.recurrence, count=4))
    assert adopted_columns(same, numbered) == {"range_end": date(2027, 1, 14)}


def test_old_slots_are_withdrawn_and_kept_slots_get_their_agenda_again() -> None:
    old = _series()
    stored_slots = [s for s, _e in occurrences(old, NOW, NOW + timedelta(days=21))]
    # Only the length changed for the first two weeks' pattern, the rest moved a day on.
    new = replace(old, minutes=45)
    first, second, third = stored_slots[:3]
    stored = [
        _meeting(old, first, agenda_state="injected"),
        _meeting(old, second),
        _meeting(old, third, status="held", captured_at=NOW),  # settled: left alone
        _meeting(old, first - timedelta(days=7), status="scheduled"),  # past: capture's
    ]
    rows = after_retime(new, stored, NOW)
    assert rows == [{"original_start": first, "agenda_state": "pending"}]
    moved = replace(old, weekday=2, first_date=date(2026, 12, 2))
    rows = after_retime(moved, stored, NOW)
    assert [(r["original_start"], r["status"]) for r in rows] == [
        (first, "withdrawn"), (second, "withdrawn")]
    # Put back where it was: the withdrawn meetings are scheduled again, agenda to write.
    withdrawn = [replace(o, status="withdrawn") if o.original_start in (first, second) else o
                 for o in stored]
    assert after_retime(old, withdrawn, NOW) == [
        {"original_start": first, "status": "scheduled", "agenda_state": "pending"},
        {"original_start": second, "status": "scheduled", "agenda_state": "pending"}]
    # ... and a withdrawn meeting still off the pattern stays as it is.
    assert after_retime(moved, withdrawn, NOW) == []


def test_meetings_gone_from_an_unfollowable_series_are_withdrawn_only_from_now_on() -> None:
    """A series changed to a pattern onetoone cannot follow: its recorded meetings to come
    that Outlook no longer lists are withdrawn; a past one is left to the read-back (it may
    have been held), as are rebooked and settled meetings."""
    series = _series(first_date=date(2026, 11, 17))
    slots = [s for s, _e in occurrences(series, NOW - timedelta(days=14),
                                        NOW + timedelta(days=28))]
    past, coming, later = slots[1], slots[2], slots[3]
    assert past < NOW < coming
    stored = [_meeting(series, past), _meeting(series, coming), _meeting(series, later),
              _meeting(series, later + timedelta(hours=1), rebook_of=1),
              _meeting(series, slots[4], status="held", captured_at=NOW)]
    rows = withdrawn_unlisted(stored, [_item(later)], NOW - timedelta(days=14),
                              NOW + timedelta(days=35), NOW)
    assert [(r["original_start"], r["status"]) for r in rows] == [(coming, "withdrawn")]


def test_a_followed_series_is_stale_only_when_the_policy_changes() -> None:
    person = PersonRecord(id="u1", email="a@x.example", name="A")
    pairing = PairingRecord(id=1, key="p-1", manager_id="u1", report_id="u2",
                            status="active", cadence="fortnightly", minutes=30)
    chosen = _series(cadence="weekly", minutes=45, policy_cadence="fortnightly",
                     policy_minutes=30)
    assert stale_reason(PairingView(pairing, person, person, chosen), POLICY, NOW) is None
    monthly = _series(cadence="monthly")
    assert stale_reason(PairingView(pairing, person, person, monthly), POLICY, NOW) is not None
    # The policy turns monthly: her weekly meets it more often, kept (stale.steps_down).
    rarer = replace(pairing, cadence="monthly", cadence_reason="policy")
    assert stale_reason(PairingView(rarer, person, person, chosen), POLICY, NOW) is None
    # The policy turns weekly at 30 minutes: her 45-minute weekly is not what it asks for,
    # and meets no more often: ended.
    recadenced = replace(pairing, cadence="weekly", cadence_reason="policy")
    why = stale_reason(PairingView(recadenced, person, person, chosen), POLICY, NOW)
    assert "weekly" in (why or "")


def test_a_new_starters_follow_on_is_not_a_cadence_change_before_their_weeks_end() -> None:
    """Booked with the weekly series, monthly from the day the new starter's 90 days end:
    while the pair is weekly (the pairs sync says so until that day) it is no change; one
    starting before that day, or of another length, is."""
    hired = date(2026, 9, 4)
    until = hired + timedelta(days=91)
    report = PersonRecord(id="u2", email="b@x.example", name="B",
                          hired_at=datetime(2026, 9, 4, tzinfo=UTC))
    pairing = PairingRecord(id=1, key="p-1", manager_id="u1", report_id="u2",
                            status="active", cadence="weekly", minutes=30,
                            cadence_reason="new starter (hired 2026-09-04, within 90 days)")
    follow = replace(_series(cadence="monthly", minutes=30), first_date=until + timedelta(
        days=5))
    assert stale_reason(PairingView(pairing, report, report, follow), POLICY, NOW) is None
    early = replace(follow, first_date=until - timedelta(days=1))
    assert stale_reason(PairingView(pairing, report, report, early), POLICY, NOW) is not None
    longer = replace(follow, minutes=45)
    assert stale_reason(PairingView(pairing, report, report, longer), POLICY, NOW) is not None
    # Once the 90 days are over the pair is monthly: it matches.
    monthly = replace(pairing, cadence="monthly", cadence_reason="default")
    assert stale_reason(PairingView(monthly, report, report, follow), POLICY, NOW) is None


def test_the_zone_is_the_patterns_own() -> None:
    """The slots are wall-clock times in the range's recurrenceTimeZone; the event's
    originalStartTimeZone is only where it was first created (Graph documents it so)."""
    master = calendar_event({
        "id": "m", "type": "seriesMaster",
        "start": {"dateTime": "2026-12-03T13:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-03T13:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "GMT Standard Time",
        "recurrence": {"pattern": {"type": "weekly", "interval": 1,
                                   "daysOfWeek": ["thursday"], "firstDayOfWeek": "monday"},
                       "range": {"type": "endDate", "startDate": "2026-12-03",
                                 "endDate": "2027-06-03",
                                 "recurrenceTimeZone": "W. Europe Standard Time"}}})
    columns = adopted_columns(_series(), master)
    assert (columns["time_zone"], columns["start_time"]) == ("Europe/Berlin", "14:00")


def test_a_series_meeting_more_often_than_the_new_cadence_is_kept_once_begun() -> None:
    """A begun fortnightly series is kept when the pair turns monthly (the guidance's
    cadences are minimums); one not begun, one of another length, one for a pairs-file line
    and a step up all end."""
    person = PersonRecord(id="u1", email="a@x.example", name="A")
    monthly = PairingRecord(id=1, key="p-1", manager_id="u1", report_id="u2",
                            status="active", cadence="monthly", minutes=30,
                            cadence_reason="default")
    begun = _series(cadence="fortnightly", first_date=date(2026, 11, 3))

    def why(pairing: PairingRecord, series: SeriesRecord) -> str | None:
        return stale_reason(PairingView(pairing, person, person, series), POLICY, NOW)

    assert why(monthly, begun) is None
    assert why(monthly, replace(begun, first_date=date(2026, 12, 15))) is not None
    assert why(replace(monthly, minutes=45), begun) is not None
    assert why(replace(monthly, cadence_reason="pairs file override"), begun) is not None
    assert why(replace(monthly, cadence="weekly", cadence_reason="policy"), begun) is not None


def test_a_follow_on_not_begun_ends_alone_when_the_series_before_it_fits() -> None:
    """Stale before it begins, a follow-on ends by itself when the series it follows still
    holds meetings as often as the pair must meet now; otherwise both end."""
    pairing = PairingRecord(id=1, key="p-1", manager_id="u1", report_id="u2",
                            status="active", cadence="fortnightly", minutes=30)
    running = _series(id=1, status="superseded", cadence="fortnightly",
                      first_date=date(2026, 6, 2), range_end=date(2027, 2, 22))
    follow = _series(id=2, cadence="monthly", first_date=date(2027, 3, 2),
                     range_end=date(2027, 12, 7))
    assert ends_alone(follow, pairing, [running, follow], NOW)
    assert not ends_alone(follow, replace(pairing, cadence="weekly"), [running, follow], NOW)
    assert not ends_alone(follow, pairing, [replace(running, range_end=date(2026, 11, 30)),
                                            follow], NOW)
    assert not ends_alone(replace(follow, first_date=date(2026, 12, 1)), pairing,
                          [running, follow], NOW)
    assert not ends_alone(follow, replace(pairing, status="ended"), [running, follow], NOW)
