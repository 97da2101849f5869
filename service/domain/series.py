"""A stored series' meetings, computed locally (pure: the window and ``now`` are arguments).

Occurrences are stored only a few days ahead (when their agenda is due), so "the pair's
meetings" are the stored ones (moved anywhere, rebooked) merged with the series' own slots
not stored yet. A stored meeting stands for its slot of the series even when it was moved
far ahead, so it never hides the slots before it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from service.domain.cadence import recurrence_for
from service.domain.events import Recurrence
from service.domain.model import CadenceKind, Slot
from service.domain.recurrence import Rule, expand
from service.domain.status import AgendaState, OccurrenceStatus, SeriesStatus
from service.domain.timing import agenda_due_at, capture_due_at


class StoredSeries(Protocol):
    """What the store keeps of a series (a record or a row: read-only here)."""

    @property
    def id(self) -> int: ...
    @property
    def cadence(self) -> str: ...
    @property
    def minutes(self) -> int: ...
    @property
    def weekday(self) -> int: ...
    @property
    def week_index(self) -> str | None: ...
    @property
    def start_time(self) -> str: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def first_date(self) -> date: ...
    @property
    def range_end(self) -> date: ...


class PairSeries(StoredSeries, Protocol):
    """A stored series with its status."""

    @property
    def status(self) -> str: ...


class StoredMeeting(Protocol):
    """What the store keeps of one meeting of a series."""

    @property
    def series_id(self) -> int: ...
    @property
    def original_start(self) -> datetime: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def status(self) -> str: ...


class AgendaMeeting(StoredMeeting, Protocol):
    """A stored meeting with the state of its agenda."""

    @property
    def agenda_state(self) -> str: ...


M = TypeVar("M", bound=StoredMeeting)
# The smallest step of a stored instant: "strictly after" as an instant.
TICK = timedelta(microseconds=1)
# How much of the pattern is expanded at a time while looking for a meeting still to list.
_SPAN = timedelta(days=70)
# The range end of a series with no end (adopted from a calendar: an older version's, or
# one a manager set to "no end date"), the last date there is.
NO_END = date(9999, 12, 31)
# How far past today the meetings of such a series are listed (to cancel, delete or check
# them): Graph lists a series' meetings only over a window, and this one has no last one.
NO_END_REACH = timedelta(days=371)


def listed_until(range_end: date, today: date) -> date:
    """The last day to list a series' meetings to: its range's end, or for a series with
    no end, ``NO_END_REACH`` past ``today``."""
    return range_end if range_end < NO_END else today + NO_END_REACH


def outlook_range_end(rec: Recurrence) -> date:
    """A series' end as Graph shows it: an end-dated range's end date, or the day of the last
    meeting of a numbered one (Outlook's "End after N occurrences": Graph gives it the
    endDate "0001-01-01", as a range with no end). Taken for no end, such a series would
    never be carried on, and the pair's 1-2-1s would stop after its last meeting."""
    if rec.range_type == "endDate" and rec.end_date:
        return rec.end_date
    if rec.range_type == "numbered":
        return last_numbered_day(rec) or NO_END
    return NO_END


def last_numbered_day(rec: Recurrence) -> date | None:
    """The (local) day of a numbered range's last meeting, counted on its pattern from its
    start; None when the range is not numbered or the pattern cannot be told from ``rec``
    (a day of the month: the day is not kept)."""
    if rec.range_type != "numbered" or not rec.count or rec.start_date is None:
        return None
    try:
        rule = Rule({"pattern": {"type": rec.pattern, "interval": rec.interval,
                                 "daysOfWeek": list(rec.days), "index": rec.index},
                     "range": {"type": "noEnd", "startDate": rec.start_date.isoformat()}})
        return next(islice(rule.dates_from(rec.start_date), rec.count - 1, None), None)
    except ValueError:
        return None


def held_before(pairing_series: Sequence[PairSeries], today: date) -> tuple[date, date] | None:
    """For a pair whose older series (superseded) still holds meetings, so that a series of
    theirs follows on from it: the first day that one may start (the day after the older
    one's last) and the day of the older one's last meeting. None when none holds any."""
    older = [s for s in pairing_series
             if s.status == SeriesStatus.SUPERSEDED and s.range_end >= today]
    if not older:
        return None
    last = max(older, key=lambda s: s.range_end)
    zone = ZoneInfo(last.time_zone)
    end = datetime.combine(last.range_end + timedelta(days=1), time(0), tzinfo=zone)
    held = occurrences(last, end - timedelta(days=40), end)
    last_met = held[-1][0].astimezone(zone).date() if held else last.range_end
    return last.range_end + timedelta(days=1), last_met


# Past the longest cadence's gap (a monthly pattern's five weeks).
_NEXT_REACH = timedelta(days=42)


def slot_of(series: StoredSeries) -> Slot:
    """The series' weekly/monthly slot, in its own zone."""
    return Slot(weekday=series.weekday, start=time.fromisoformat(series.start_time),
                time_zone=series.time_zone, first_date=series.first_date,
                week_index=series.week_index)


def occurrences(series: StoredSeries, start: datetime, end: datetime, *,
                open_ended: bool = False) -> list[tuple[datetime, datetime]]:
    """The series' (UTC start, UTC end) slots overlapping ``[start, end)``, as Outlook lists
    them; no Graph call.

    ``open_ended``: as if the series ran past its range end (live series are extended).
    """
    range_end = series.range_end
    if open_ended:
        range_end = max(range_end, end.date() + timedelta(days=1))
    return list(_pattern_occurrences(series.cadence, series.minutes, series.weekday,
                                     series.week_index, series.start_time, series.time_zone,
                                     series.first_date, range_end, start, end))


# A tick asks for the same window (from its ``now``) of many series sharing a pattern; the
# answers are immutable tuples, so they are kept for the next series with that pattern.
@lru_cache(maxsize=4096)
def _pattern_occurrences(cadence: str, minutes: int, weekday: int, week_index: str | None,
                         start_time: str, time_zone: str, first_date: date, range_end: date,
                         start: datetime, end: datetime
                         ) -> tuple[tuple[datetime, datetime], ...]:
    slot = Slot(weekday=weekday, start=time.fromisoformat(start_time), time_zone=time_zone,
                first_date=first_date, week_index=week_index)
    rec = recurrence_for(CadenceKind(cadence), slot, range_end)
    first = datetime.combine(first_date, slot.start, tzinfo=ZoneInfo(time_zone))
    return tuple(expand(rec, first, first + timedelta(minutes=minutes), start, end))


class WindowOccurrences:
    """Series' ``occurrences`` in one fixed window, each distinct pattern expanded once: an
    organisation's series share few patterns (a weekday, a time, a zone, a first date), and
    expanding one is the costly part of looking at them all. Holds at most ``limit``
    patterns (then starts afresh), so its memory stays bounded however many series pass."""

    def __init__(self, start: datetime, end: datetime, *, limit: int = 20_000) -> None:
        self.start, self.end, self.limit = start, end, limit
        self._known: dict[tuple[object, ...], tuple[tuple[datetime, datetime], ...]] = {}

    def __call__(self, series: StoredSeries, *, open_ended: bool = False
                 ) -> tuple[tuple[datetime, datetime], ...]:
        key = (series.cadence, series.minutes, series.weekday, series.week_index,
               series.start_time, series.time_zone, series.first_date, series.range_end,
               open_ended)
        found = self._known.get(key)
        if found is None:
            if len(self._known) >= self.limit:
                self._known.clear()
            found = self._known[key] = tuple(
                occurrences(series, self.start, self.end, open_ended=open_ended))
        return found


@dataclass(frozen=True)
class Meeting(Generic[M]):
    """One meeting of the pair: ``stored`` when the store has it, else None (a slot of the
    series not stored yet). ``number`` is the one the occurrence sync gives it: how many of
    the listed meetings start no later than it."""

    start: datetime
    end: datetime
    stored: M | None
    number: int


def meetings(series: StoredSeries | Sequence[StoredSeries] | None, stored: Sequence[M],
             since: datetime, until: datetime) -> list[Meeting[M]]:
    """The pair's meetings, by start: every stored one that is not cancelled, and the
    ``series``' slots overlapping ``[since, until)`` that no stored meeting of it stands for.
    ``series`` is one series or several (after an extension the superseded series holds the
    meetings up to its range end, the follow-on the later ones); None for a pair without a
    series (only stored meetings count)."""
    found: list[tuple[datetime, datetime, M | None]] = [
        (o.start, o.end, o) for o in stored if o.status != OccurrenceStatus.CANCELLED]
    for one in _several(series):
        known = {o.original_start for o in stored if o.series_id == one.id}
        found += [(s, e, None) for s, e in occurrences(one, since, until) if s not in known]
    found.sort(key=lambda m: m[0])
    starts = [m[0] for m in found]
    return [Meeting(s, e, row, bisect_right(starts, s)) for s, e, row in found]


def _several(series: StoredSeries | Sequence[StoredSeries] | None) -> list[StoredSeries]:
    if series is None:
        return []
    return list(series) if isinstance(series, Sequence) else [series]


def next_meeting(series: StoredSeries | Sequence[StoredSeries] | None, stored: Sequence[M],
                 after: datetime, *, within: timedelta) -> Meeting[M] | None:
    """The pair's first meeting starting after ``after`` (looking ``within`` ahead for slots
    of the series), or None."""
    return next((m for m in meetings(series, stored, after, after + within) if m.start > after),
                None)


def meeting_on(found: Sequence[Meeting[M]], day: date, zone: ZoneInfo) -> Meeting[M] | None:
    """The first of ``found`` on ``day`` (a local date in ``zone``)."""
    return next((m for m in found if m.start.astimezone(zone).date() == day), None)


def first_day_after(found: Sequence[Meeting[M]], day: date, zone: ZoneInfo) -> date | None:
    """The local date of the first of ``found`` after ``day``: the one to suggest instead."""
    return next((d for m in found if (d := m.start.astimezone(zone).date()) > day), None)


def listing_due_at(series: StoredSeries, stored: Sequence[AgendaMeeting], after: datetime, *,
                   lead_working_days: int, working_days: frozenset[int],
                   ahead: timedelta, grace_minutes: int) -> datetime | None:
    """The first instant from ``after`` on at which a meeting of ``series`` is within
    ``ahead`` of it (or under way) with its agenda due and not written: when the occurrence
    sync must list the series. None when no meeting of it ever will be.

    A slot of the pattern is settled once the store holds it with its agenda written (or
    skipped), cancelled, or moved; a stored meeting moved elsewhere counts at its own start
    while its agenda is pending. An agenda held back for the meeting before it (moved so
    late that its notes are read after the agenda's day: ``timing.waits_for_previous``, with
    ``grace_minutes``) is due once that read is: listed as its day came, the series would be
    listed again on every run of the wait, each listing leaving the agenda pending. The
    answer is exact, not a bound: at any ``now`` from ``after`` on,
    "listing_due_at(..., now) <= now" is whether the sync lists the series now, as long as
    the stored meetings stay as they are.
    """
    zone = ZoneInfo(series.time_zone)
    done = {o.original_start for o in stored if o.agenda_state != AgendaState.PENDING
            or o.status == OccurrenceStatus.CANCELLED or o.start != o.original_start}
    # The latest end of the stored meetings starting before each start (the agenda step's
    # "previous meeting": cancelled and withdrawn ones aside), by bisecting their starts.
    held = sorted((o.start, o.end) for o in stored if o.status not in (
        OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN))
    starts = [s for s, _e in held]
    latest: list[datetime] = []
    for _s, end in held:
        latest.append(max(end, latest[-1]) if latest else end)

    def plain(start: datetime) -> datetime:
        written = agenda_due_at(start.astimezone(zone), lead_working_days, working_days)
        return max(written, start - ahead + TICK, after)

    def due(start: datetime) -> datetime:
        at = plain(start)
        n = bisect_left(starts, start)
        if n:
            read_at = capture_due_at(latest[n - 1], grace_minutes)
            if read_at < start:  # (as waits_for_previous: no wait past the meeting's start)
                at = max(at, read_at)
        return at

    moved = [due(o.start) for o in stored
             if o.start >= after and o.agenda_state == AgendaState.PENDING
             and o.status != OccurrenceStatus.CANCELLED and o.start not in done]
    best = min(moved, default=None)
    # Slots in order until one could not be due sooner than the best so far: a later slot's
    # agenda is never due sooner than an earlier one's without a wait (both bounds grow
    # with the start), so usually the first unsettled slot decides.
    # (A series with no end, adopted from a calendar, has 9999-12-31, the last date there is:
    # the loop then ends at its first unsettled slots, as for any other.)
    last = datetime.combine(min(series.range_end, date.max - timedelta(days=2))
                            + timedelta(days=2), time(0), tzinfo=zone)
    lo = after
    while lo < last:
        for start, _end in occurrences(series, lo, lo + _SPAN):
            if start in done:
                continue
            if best is not None and plain(start) >= best:
                return best
            first = due(start)
            best = first if best is None else min(best, first)
        lo += _SPAN
    return best


def next_agenda_due(series: StoredSeries, after: StoredMeeting, *, lead_working_days: int,
                    working_days: frozenset[int], open_ended: bool = True) -> datetime | None:
    """When the agenda of the series' next meeting after ``after`` falls due, by the
    pattern (a live series is extended, so its range end does not stop it; a superseded
    one, ``open_ended=False``, ends there: its follow-on holds the meetings after). None
    when the pattern has no meeting within ``_NEXT_REACH`` after it.

    By the pattern's slot, not where someone may have moved that meeting: a re-read bounded
    by it that comes after an agenda brought forward feeds the agenda after that one, as an
    edit made after an agenda always does."""
    zone = ZoneInfo(series.time_zone)
    lo = after.original_start
    for start, _end in occurrences(series, lo, lo + _NEXT_REACH, open_ended=open_ended):
        if start > lo:  # (the window's overlap includes the meeting itself)
            return agenda_due_at(start.astimezone(zone), lead_working_days, working_days)
    return None


def agenda_can_update(updates_done: int, extra_updates: int) -> bool:
    """Whether an occurrence's invite may get one more agenda update.

    Every organizer update sends the report a meeting update, so an occurrence gets its one
    agenda update plus at most ``extra_updates`` ([agenda] extra_updates) for new topics.
    """
    return updates_done < 1 + extra_updates


# A series whose listing failed waits before it is listed again, the wait doubling with
# each failure in a row (it is the time since the first), from a quarter of an hour up to
# LISTING_WAIT_MOST: every run would otherwise list it again, about a hundred requests a day
# for as long as it fails. Longer for an answer that lasts until someone acts (the app
# denied the mailbox, the mailbox gone); an agenda that fell due meanwhile is written at
# most that long after the mailbox answers again (a day's lead leaves room for it).
LISTING_WAIT_FIRST = timedelta(minutes=15)
LISTING_WAIT_MOST = timedelta(hours=2)
LISTING_WAIT_MOST_LASTING = timedelta(hours=6)


def listing_retry_at(failing_since: datetime | None, now: datetime, lasting: bool) -> datetime:
    """When a series whose listing failed at ``now`` may be listed again, its failures in a
    row having begun at ``failing_since`` (None: this is the first)."""
    waited = now - failing_since if failing_since is not None else timedelta(0)
    most = LISTING_WAIT_MOST_LASTING if lasting else LISTING_WAIT_MOST
    return now + min(max(waited, LISTING_WAIT_FIRST), most)
