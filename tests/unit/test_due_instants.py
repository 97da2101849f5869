"""When the occurrence sync must next list a series (the instant stored per series, so a tick
finds the few that are due by index instead of looking at every series)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.records import SeriesRecord
from service.domain.series import TICK, listing_due_at, occurrences

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
AHEAD = timedelta(days=9)  # the sync's window with the default lead of two working days


def _series(cadence: str = "weekly", weekday: int = 0, start_time: str = "10:00",
            zone: str = "Europe/London", first: date = date(2026, 11, 30),
            range_end: date = date(2027, 6, 1), week_index: str | None = None
            ) -> SeriesRecord:
    return SeriesRecord(id=1, pairing_id=1, mailbox="m", transaction_id="t", cadence=cadence,
                        minutes=30, weekday=weekday, week_index=week_index,
                        start_time=start_time, time_zone=zone, first_date=first,
                        range_end=range_end, created_at=NOW, updated_at=NOW)


@dataclass(frozen=True)
class Stored:
    original_start: datetime
    start: datetime
    end: datetime
    status: str = "scheduled"
    agenda_state: str = "pending"
    series_id: int = 1


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(UTC)


def _due(series: SeriesRecord, stored: list[Stored], after: datetime, *,
         days: frozenset[int] = WEEKDAYS, lead: int = 2) -> datetime | None:
    return listing_due_at(series, stored, after, lead_working_days=lead, working_days=days,
                          ahead=AHEAD, grace_minutes=30)


def test_a_monday_meeting_is_listed_from_the_thursday_before() -> None:
    """Two working days before a Monday is Thursday: from its start, in the series' zone."""
    assert _due(_series(), [], NOW) == datetime(2026, 11, 26, tzinfo=LONDON)


def test_a_slot_whose_agenda_is_written_hands_over_to_the_next() -> None:
    """Once the first meeting is stored with its agenda in, the next one sets the time."""
    first = _at(date(2026, 11, 30))
    done = Stored(first, first, first + timedelta(minutes=30), agenda_state="injected")
    assert _due(_series(), [done], NOW) == datetime(2026, 12, 3, tzinfo=LONDON)
    cancelled = Stored(first, first, first + timedelta(minutes=30), status="cancelled")
    assert _due(_series(), [cancelled], NOW) == datetime(2026, 12, 3, tzinfo=LONDON)


def test_a_meeting_moved_earlier_counts_at_its_new_time() -> None:
    """Its slot is settled; the moved meeting's own start (a Wednesday) decides."""
    slot = _at(date(2026, 11, 30))
    moved = _at(date(2026, 11, 25))
    assert _due(_series(), [Stored(slot, moved, moved + timedelta(minutes=30))], NOW) == NOW
    later = _at(date(2026, 12, 9))
    assert _due(_series(), [Stored(slot, later, later + timedelta(minutes=30))], NOW) == (
        datetime(2026, 12, 3, tzinfo=LONDON))  # the next slot (7 Dec) comes first


def test_an_agenda_held_back_for_the_meeting_before_is_listed_when_that_is_read() -> None:
    """Monday's meeting pushed to Thursday 10:00, the day next Monday's agenda is due: the
    agenda waits for it to be read back (its end and the grace), and so does the listing
    (listed at midnight, the series would be listed again on every run until then). A
    meeting read back before the next one starts holds nothing back past that start."""
    slot = _at(date(2026, 11, 30))
    pushed = _at(date(2026, 12, 3))
    held = Stored(slot, pushed, pushed + timedelta(minutes=30), agenda_state="injected")
    assert _due(_series(), [held], NOW) == _at(date(2026, 12, 3), 11)
    assert _due(_series(), [held], _at(date(2026, 12, 3), 11)) == _at(date(2026, 12, 3), 11)
    late = _at(date(2026, 12, 7), 9) + timedelta(minutes=45)  # read back after 10:00
    last = Stored(slot, late, late + timedelta(minutes=30), agenda_state="injected")
    assert _due(_series(), [last], NOW) == datetime(2026, 12, 3, tzinfo=LONDON)


def test_few_working_days_wait_for_the_window() -> None:
    """A manager working Mondays only: the agenda is due two Mondays ahead, but the sync
    looks only AHEAD ahead, so the series is listed once the meeting is that close."""
    start = _at(date(2026, 12, 14))
    due = _due(_series(first=date(2026, 12, 14)), [], NOW, days=frozenset({0}))
    assert due == start - AHEAD + TICK


def test_a_meeting_under_way_is_listed_at_once_and_an_ended_series_never() -> None:
    """A slot that started but has not ended is still in the window; past the range end
    there is nothing to list."""
    under_way = _at(date(2026, 11, 30)) + timedelta(minutes=10)
    assert _due(_series(), [], under_way) == under_way
    assert _due(_series(first=date(2026, 10, 5), range_end=date(2026, 11, 20)), [],
                NOW) is None


@st.composite
def _cases(draw: st.DrawFn) -> tuple[SeriesRecord, list[Stored], datetime, frozenset[int],
                                      int]:
    cadence = draw(st.sampled_from(["weekly", "fortnightly", "monthly"]))
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata",
                                 "Pacific/Auckland"]))
    first = date(2026, 11, 23) + timedelta(days=draw(st.integers(-60, 40)))
    series = _series(cadence=cadence, weekday=draw(st.integers(0, 4)),
                     start_time=draw(st.sampled_from(["00:30", "09:00", "13:45", "23:30"])),
                     zone=zone, first=first,
                     range_end=first + timedelta(days=draw(st.integers(0, 200))),
                     week_index="second" if cadence == "monthly" else None)
    slots = occurrences(series, NOW - timedelta(days=7), NOW + timedelta(days=120))
    stored = []
    for start, end in slots:
        kind = draw(st.sampled_from(["none", "none", "pending", "written", "cancelled",
                                     "moved"]))
        if kind == "none":
            continue
        if kind == "moved":
            shift = timedelta(hours=draw(st.integers(-72, 72)))
            stored.append(Stored(start, start + shift, end + shift))
        else:
            stored.append(Stored(start, start, end,
                                 status="cancelled" if kind == "cancelled" else "scheduled",
                                 agenda_state="injected" if kind == "written" else "pending"))
    after = NOW + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    return series, stored, after, days, draw(st.integers(1, 4))


@settings(max_examples=300, deadline=None)
@given(_cases(), st.lists(st.integers(1, 10 ** 6), min_size=3, max_size=3))
def test_the_instant_is_exact_due_at_it_and_not_before(case, steps: list[int]) -> None:
    """Asked again at any later instant (nothing stored changing), the series is due then
    exactly when that instant has come: never early (a wasted look) nor late (an agenda
    left unlisted)."""
    series, stored, after, days, lead = case
    due = _due(series, stored, after, days=days, lead=lead)
    if due is None:
        for step in steps:
            later = after + timedelta(minutes=step)
            assert (_due(series, stored, later, days=days, lead=lead) or later + TICK) > later
        return
    assert due >= after
    assert _due(series, stored, due, days=days, lead=lead) == due
    for step in steps:
        earlier = after + (due - after) * step // 10 ** 6
        if earlier < due:
            answer = _due(series, stored, earlier, days=days, lead=lead)
            assert answer is not None and answer > earlier
