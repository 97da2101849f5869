"""Are 1-2-1s happening? The figures behind `onetoone report`, from stored records.

Pure: the caller passes the records, the period and ``now``. A meeting counts in the period
when its (current) start is in ``[start, end)``; "held" means notes were read back (a meeting
that passed with nothing typed is "held without notes" and, as in `status`, counts as missed:
nobody recorded that it took place); a missed meeting that was rebooked counts once, as its
replacement. Figures are kept as counts and raw durations so pairs roll up into managers and
groups by adding, never by averaging averages.

Gaps and "no held 1-2-1" count only while the pair existed (its :class:`Span`): a pair
onetoone started last week is not overdue for the months before it.

A meeting onetoone skipped because either person was on a long absence
(``attendance.skipped_for_absence``) is neither held nor missed: it is counted apart, not
as planned, and breaks no run of misses. The store keeps no dates of the absence itself, so
each such meeting takes one cadence (the time it stood for) off the gap it falls in: a
pair whose only gap is someone's leave is not behind.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.attendance import MISSED, missed_in_a_row, run_history, skipped_for_absence
from service.domain.records import (
    ActionRecord,
    OccurrenceRecord,
    PairingRecord,
    PairingView,
    SeriesRecord,
    TopicRecord,
)
from service.domain.share import attention_words
from service.domain.status import (
    LIVE_PAIRINGS,
    ActionStatus,
    OccurrenceStatus,
    PairingStatus,
)
from service.domain.timezones import is_valid_zone, to_iana

# How long one cadence step is, for gaps. Monthly series fall on "the second Tuesday", so a
# gap of up to five weeks is on time; 31 days keeps 1.5x (46 days) from flagging those.
CADENCE_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 31}
# The guidance's "not habitually cancelled": flag a pair past this many cadences without one.
GAP_FACTOR = 1.5
# Actions still open this many days past their due date need someone's attention.
OVERDUE_FLAG_DAYS = 30
MISSED_FLAG = 2
# A meeting's fates that count as planned. Anything else (a meeting onetoone itself took out
# of the calendar when its series ended) was never a 1-2-1 anyone missed.
PLANNED = frozenset({OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED,
                     OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED,
                     OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES})


# No series' cadence known: each meeting counts at the pair's.
NO_CADENCES: Mapping[int, str] = {}

# How long after its end a meeting may wait for its notes to be read (the grace period and
# the next runs) before the report calls its outcome unknown.
READ_BACK_SLACK = timedelta(days=2)


@dataclass(frozen=True)
class Period:
    """The days a report covers: ``start`` inclusive, ``end`` exclusive, seen at ``now``."""

    start: date
    end: date
    now: datetime

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    def local(self, zone: str) -> tuple[datetime, datetime]:
        """The period's days in ``zone``: from the midnight its first begins there to the
        one its last ends at."""
        tz = ZoneInfo(zone)
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz)

    def so_far(self, zone: str) -> datetime:
        """Where "so far" stops for a pair meeting in ``zone``: the end of the period's last
        day there, or now if that is earlier. (Not UTC's midnight: a Sydney day ends 11 hours
        before it, a Los Angeles one 8 hours after.)"""
        return min(self.local(zone)[1], self.now)

    def months(self) -> list[str]:
        """The months the period touches, as "YYYY-MM"."""
        out: list[str] = []
        day = self.start.replace(day=1)
        while day < self.end:
            out.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return out


def through_today(now: datetime, zones: Iterable[str]) -> date:
    """The day after today where it is latest among ``zones`` (the pairs', ``pair_zone``):
    a period ending there holds today everywhere they meet, as each pair's days are counted
    where it meets (on a Sydney morning UTC is still on yesterday). UTC's with no zone."""
    today = max((now.astimezone(ZoneInfo(zone)).date() for zone in zones),
                default=now.astimezone(UTC).date())
    return today + timedelta(days=1)


def pair_zone(view: PairingView, fallback: str | None = None) -> str:
    """The zone a pair's days are counted in: its series' (where its meetings are dated,
    and the actions and topics raised for them), else ``fallback`` when given (a record
    dates things in the zone of the person it is about), else its manager's; UTC when
    unknown (or not a zone: better UTC, and the times saying so, than no figures)."""
    name = (view.series.time_zone if view.series is not None
            else fallback if fallback is not None else view.manager.time_zone)
    return to_iana(name) if name and is_valid_zone(name) else "UTC"


@dataclass(frozen=True)
class Span:
    """When a pair could have met: from ``began`` until ``ended`` (None: not known, or
    still live). Gaps and the "no held 1-2-1" flag count only inside it."""

    began: datetime | None = None
    ended: datetime | None = None


def pair_span(pairing: PairingRecord, occurrences: Iterable[OccurrenceRecord],
              hire_date: date | None = None, unreadable: datetime | None = None, *,
              zone: str = "UTC") -> Span:
    """When the pairing began and (if it has) ended, from what the store knows.

    It began when onetoone first recorded it (nothing could be booked before), but not
    before the report joined (a directory can list a starter ahead of their first day,
    which begins at midnight where the pair meets, ``zone``);
    a meeting stored from earlier (an adopted series) shows it existed by then, so the
    earliest meeting wins over both. A reactivated pairing keeps its first ``created_at``:
    the store keeps no date for the reactivation, so its ended spell counts as a gap.

    A pair left to a series of its own in Outlook (the report's, or one onetoone cannot
    follow) meets there unseen: what is known of it stops at the last meeting onetoone
    followed (or when it began), so it is not behind for the 1-2-1s it holds there.
    So does what is known of a pair whose calendar onetoone could not read since
    ``unreadable`` (see :func:`unreadable_since`).
    """
    occurrences = list(occurrences)
    began = pairing.created_at
    if began is not None and hire_date is not None:
        began = max(began, datetime.combine(hire_date, time(), ZoneInfo(zone)))
    first = min((o.start for o in occurrences), default=None)
    if first is not None and (began is None or first < began):
        began = first
    ended = pairing.ended_at
    if pairing.status == PairingStatus.OWN_SERIES:
        last = max((o.start for o in occurrences if o.status in PLANNED), default=began)
        if last is not None and (ended is None or last < ended):
            ended = last
    if unreadable is not None and (ended is None or unreadable < ended):
        ended = unreadable
    return Span(began, ended)


def unreadable_since(view: PairingView, period: Period,
                     superseded: Sequence[SeriesRecord] = (), *, zone: str) -> datetime | None:
    """Since when the pair's calendar could not be read, if that began before the period's
    "so far" where the pair meets (``zone``, ``pair_zone``: its days, as its meetings are
    counted on them; by UTC's midnight a Sydney failure on the morning after the period
    marked it, and a Los Angeles one on its last evening did not): its series' listing has
    failed since then (`status`: "calendar unreadable"), so its meetings since were not read
    (not stored, or never read back). The store keeps the current failure only: a period
    over before it began is not affected.

    ``superseded``: the pair's series followed on from. Once a series is extended, the
    coming months' meetings are on the old one (the follow-on starts after its end): that
    is the series listed, and failing, while the live one is not due for months. Its
    failure counts while it still holds meetings, or while the live series fails too (the
    failure went on into it); not once it is over and the live one is read (its mark then
    is only where its last listing left it: it is never listed again)."""
    so_far = period.so_far(zone)
    failing = failing_listing(view.series, superseded, so_far)
    since = failing.listing_failed_at if failing is not None else None
    return since if since is not None and since < so_far else None


def failing_listing(live: SeriesRecord | None, superseded: Sequence[SeriesRecord],
                    as_of: datetime) -> SeriesRecord | None:
    """The pair's series whose listing failure stands at ``as_of`` (the one failing
    longest), of the live series and those it followed on from (``unreadable_since``);
    None if none does. A superseded series' failure stands while it still holds meetings,
    or while the live one fails too."""

    def holds_meetings(s: SeriesRecord) -> bool:  # its range not over by ``as_of``
        return s.range_end >= as_of.astimezone(ZoneInfo(s.time_zone)).date()

    live_fails = live is not None and live.listing_failed_at is not None
    found = [live] if live is not None and live_fails else []
    found += [s for s in superseded if s.listing_failed_at is not None
              and (live is None or s.id != live.id) and (live_fails or holds_meetings(s))]
    return min(found, key=lambda s: s.listing_failed_at or as_of, default=None)


def unreadable_words(since: datetime) -> str:
    return (f"calendar unreadable since {since:%Y-%m-%d %H:%M} UTC: its meetings since then "
            "could not be read, so they are not judged")


@dataclass
class Figures:
    """Counts for one pair, or many rolled up (then ``pairs`` > 1)."""

    pairs: int = 1
    planned: int = 0
    held: int = 0
    held_no_notes: int = 0
    moved: int = 0
    cancelled: int = 0
    declined: int = 0
    upcoming: int = 0  # planned but not yet happened (scheduled or moved, in the future)
    outcome_unknown: int = 0  # planned, its time passed, never read back
    # Skipped by onetoone for a long absence: not planned, neither held nor missed.
    skipped_for_absence: int = 0
    longest_gap_days: int = 0
    actions_opened: int = 0
    actions_closed: int = 0
    actions_overdue: int = 0
    close_days: list[int] = field(default_factory=list)  # per action closed in the period
    topics: int = 0
    topics_by_report: int = 0
    development: int = 0  # held meetings that covered learning and development
    held_by_month: dict[str, int] = field(default_factory=dict)
    missed_by_month: dict[str, int] = field(default_factory=dict)

    @property
    def missed(self) -> int:
        return self.cancelled + self.declined + self.held_no_notes

    @property
    def median_days_to_close(self) -> float | None:
        return statistics.median(self.close_days) if self.close_days else None

    @property
    def report_led_share(self) -> float | None:
        return self.topics_by_report / self.topics if self.topics else None

    @property
    def development_share(self) -> float | None:
        return self.development / self.held if self.held else None

    @property
    def held_share(self) -> float | None:
        """Held of those that should have happened by now (held, or missed)."""
        due = self.held + self.missed
        return self.held / due if due else None

    def add(self, other: Figures) -> None:
        """Roll ``other`` into these figures (gaps: the longest of any pair)."""
        for name in ("pairs", "planned", "held", "held_no_notes", "moved", "cancelled",
                     "declined", "upcoming", "outcome_unknown", "skipped_for_absence",
                     "actions_opened",
                     "actions_closed", "actions_overdue", "topics", "topics_by_report",
                     "development"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.longest_gap_days = max(self.longest_gap_days, other.longest_gap_days)
        self.close_days = [*self.close_days, *other.close_days]
        for mine, theirs in ((self.held_by_month, other.held_by_month),
                             (self.missed_by_month, other.missed_by_month)):
            for month, n in theirs.items():
                mine[month] = mine.get(month, 0) + n


@dataclass(frozen=True)
class PairFigures:
    """One pair's figures with who they are and what needs attention."""

    view: PairingView
    cadence: str
    figures: Figures
    attention: tuple[str, ...]


def cadence_days(cadence: str) -> int:
    return CADENCE_DAYS.get(cadence, CADENCE_DAYS["monthly"])


def meeting_cadence(occurrences: Iterable[OccurrenceRecord], cadences: Mapping[int, str],
                    period: Period, span: Span, fallback: str, zone: str = "UTC") -> str:
    """The cadence a pair is judged by: that of the series its latest meeting up to the
    period's "so far" (or the pair's end) was on, else ``fallback`` (its live series' or the
    pairing's). A new starter meets weekly on the series booked first while the monthly
    follow-on, booked with it for when their weeks end, is already the pair's live series;
    the pair is behind at weekly, not monthly, until the follow-on's meetings begin."""
    until = _until(period, span, zone)
    latest = max((o for o in occurrences if o.status in PLANNED and o.start <= until
                  and o.series_id in cadences), key=lambda o: o.start, default=None)
    return cadences[latest.series_id] if latest is not None else fallback


def _until(period: Period, span: Span, zone: str = "UTC") -> datetime:
    """Where a pair's "so far" stops: the period's last day's end where it meets (``zone``),
    or now, or the pairing's end if earlier. By the UTC end, a Sydney 1-2-1 on the morning
    after the period ended its gap, and a Los Angeles one on its last evening did not."""
    so_far = period.so_far(zone)
    return so_far if span.ended is None else min(so_far, span.ended)


def _day_until(period: Period, span: Span, zone: str) -> date:
    """The day a pair's "so far" stops on where it meets (``zone``), as the due dates it
    writes are: a Sydney morning is still the evening before in UTC, and an action due
    yesterday there is overdue already."""
    moment = period.now if span.ended is None else min(period.now, span.ended)
    # (The period's last day ends at its end, in any zone.)
    return min(period.end, moment.astimezone(ZoneInfo(zone)).date())


def excused_days(absent: Iterable[tuple[datetime, int]], after: datetime,
                 until: datetime) -> int:
    """Days of a gap from ``after`` to ``until`` the pair could not meet: one cadence per
    meeting skipped for a long absence inside it (``absent``: each one's start and the days
    its series' cadence stood for)."""
    return sum(days for s, days in absent if after <= s <= until)


def longest_gap(held_starts: Iterable[datetime], period: Period, span: Span = Span(),
                absent: Iterable[tuple[datetime, int]] = (), zone: str = "UTC") -> int:
    """Longest stretch in days without a held meeting, within the period so far.

    Runs from the last held meeting before the period (or the period's start, or when the
    pair began if later) through each held meeting to the period's end (or now, or when
    the pair ended if earlier): a pair that stopped meeting shows the open gap, and a pair
    is never behind for time before it existed or after it ended. Each meeting skipped for
    a long absence (``absent``: its start and days) takes its days off the stretch it is in.
    The period's days are those where the pair meets (``zone``), as its meetings' are.
    """
    held = list(held_starts)
    absent = list(absent)
    begins, ends = period.local(zone)
    before = [s for s in held if s < begins]
    first = max(before) if before else begins
    if span.began is not None:
        first = max(first, span.began)
    last = _until(period, span, zone)
    if last <= first:
        return 0  # began after the period (or ended before it): no time to be behind in
    inside = sorted(s for s in held if begins <= s < ends and first <= s <= last)
    marks = [first, *inside, last]
    return max(0, *((b - a).days - excused_days(absent, a, b)
                    for a, b in itertools.pairwise(marks)))


def _absent(occurrences: Iterable[OccurrenceRecord], cadence: str,
            cadences: Mapping[int, str]) -> list[tuple[datetime, int]]:
    """When the meetings skipped for a long absence were to be, each with the days it
    stood for: its own series' cadence (``cadences`` by series id), else the pair's. A pair
    whose cadence changed (a new starter's weekly months end) keeps older series, and a
    weekly meeting skipped then is a week without a 1-2-1, not a month."""
    return [(o.start, cadence_days(cadences.get(o.series_id, cadence))) for o in occurrences
            if o.status in PLANNED and skipped_for_absence(o.status, o.absence_state)]


def pair_figures(occurrences: Sequence[OccurrenceRecord], actions: Sequence[ActionRecord],
                 topics: Sequence[TopicRecord], period: Period,
                 span: Span = Span(), *, cadence: str = "monthly",
                 cadences: Mapping[int, str] = NO_CADENCES, zone: str = "UTC") -> Figures:
    """The figures of one pair over the period (every meeting of every series it had);
    its gap counts only within ``span``, less one cadence per meeting skipped for a long
    absence (its series' in ``cadences``, by series id, else ``cadence``). Meetings and
    ticked actions count on their day in ``zone`` (``pair_zone``), as the actions and
    topics raised at them are dated: a Sydney 09:30 on the 1st is the month before in UTC."""
    f = Figures()
    tz = ZoneInfo(zone)
    begins, ends = period.local(zone)
    # "So far" ends where the local period does (a Los Angeles 17:00 on its last day is
    # after the UTC end: cancelled, it would be counted in neither period).
    so_far = period.so_far(zone)
    # A missed meeting that was rebooked counts once, as its replacement (at its own time):
    # held, the pair met; missed too, one miss; to come, still to come.
    replaced = {o.rebook_of for o in occurrences
                if o.rebook_of is not None and o.status in PLANNED}
    for occ in occurrences:
        if occ.status not in PLANNED or not begins <= occ.start < ends or occ.id in replaced:
            continue
        if occ.status in MISSED and occ.start > so_far:
            continue  # cancelled or declined ahead of time: not missed yet, nor to come
        if skipped_for_absence(occ.status, occ.absence_state):
            f.skipped_for_absence += 1
            continue
        month = f"{occ.start.astimezone(tz):%Y-%m}"
        f.planned += 1
        if occ.start != occ.original_start and occ.rebook_of is None:
            f.moved += 1
        status = occ.status
        if status == OccurrenceStatus.HELD:
            f.held += 1
            f.development += occ.covers_development
            f.held_by_month[month] = f.held_by_month.get(month, 0) + 1
        elif status in MISSED:
            f.cancelled += status == OccurrenceStatus.CANCELLED
            f.declined += status == OccurrenceStatus.DECLINED
            f.held_no_notes += status == OccurrenceStatus.HELD_NO_NOTES
            f.missed_by_month[month] = f.missed_by_month.get(month, 0) + 1
        elif occ.end + READ_BACK_SLACK > period.now:
            # To come, under way, or ended lately and not read back yet: lately as of now,
            # as its status is (not the period's end: a November report run on 10 December
            # would call a meeting of 30 November, never read back, still to come).
            f.upcoming += 1
        else:
            # Long past, and onetoone has not read what happened (its read-back failed for
            # longer than it retries): neither held nor missed.
            f.outcome_unknown += 1
    f.longest_gap_days = longest_gap(
        [o.start for o in occurrences if o.status == OccurrenceStatus.HELD], period, span,
        _absent(occurrences, cadence, cadences), zone)
    until = _until(period, span, zone)
    as_of = _day_until(period, span, zone)
    for a in actions:
        if period.start <= a.raised_on < period.end:
            f.actions_opened += 1
        closed = a.closed_at
        if a.status == ActionStatus.DONE and closed is not None and begins <= closed < ends:
            f.actions_closed += 1
            f.close_days.append(max(0, (closed.astimezone(tz).date() - a.raised_on).days))
        if _open_at(a, until) and a.due is not None and a.due < as_of:
            f.actions_overdue += 1
    for t in topics:
        if period.start <= t.raised_on < period.end:
            f.topics += 1
            f.topics_by_report += t.by == "report"
    return f


def _gap_flag(occurrences: Sequence[OccurrenceRecord], cadence: str, period: Period,
              span: Span, cadences: Mapping[int, str], zone: str) -> str:
    """``"no held 1-2-1 ..."`` when the time without one, less the absences, is over
    ``GAP_FACTOR`` cadences; else ``""``. The period's days, and the day paired, are those
    where the pair meets (``zone``)."""
    until = _until(period, span, zone)
    begins = period.local(zone)[0]
    held = [o.start for o in occurrences if o.status == OccurrenceStatus.HELD
            and o.start <= until]
    step = cadence_days(cadence)
    limit = GAP_FACTOR * step
    began = span.began
    # Counted from the last held meeting, else from when the pair began inside the period.
    paired = began if began is not None and began > begins else None
    since = max(held) if held else paired or begins
    absent = [a for a in _absent(occurrences, cadence, cadences) if since <= a[0] <= until]
    days = (until - since).days
    if days - excused_days(absent, since, until) <= limit:
        return ""
    what = (f"for {days} days" if held else
            f"since paired on {since.astimezone(ZoneInfo(zone)):%Y-%m-%d}"
            if paired is not None else "in the period")
    # The days shown are all the days; the note says what was not held against the pair.
    note = (f"; {len(absent)} meeting(s) skipped for a long absence not counted"
            if absent else "")
    return f"no held 1-2-1 {what} (cadence {cadence}{note})"


def _open_at(action: ActionRecord, moment: datetime) -> bool:
    """Open at ``moment``: created by then and not closed (or withdrawn) before it."""
    if action.created_at > moment or action.status == ActionStatus.WITHDRAWN:
        return False
    if action.closed_at is None:
        return action.status == ActionStatus.OPEN  # done without a date: erased, not open
    return action.closed_at > moment


def attention(occurrences: Sequence[OccurrenceRecord], actions: Sequence[ActionRecord],
              cadence: str, period: Period, span: Span = Span(),
              cadences: Mapping[int, str] = NO_CADENCES, zone: str = "UTC",
              topics: Sequence[TopicRecord] = ()) -> tuple[str, ...]:
    """Why a pair needs someone's attention at the end of the period (empty: it doesn't).

    "No held 1-2-1" counts from the pair's start when that is inside the period, and stops
    at its end: a pair is not overdue for time before it existed or after it ended. Nor for
    a long absence: each meeting skipped for one takes a cadence off the time counted, and
    runs of misses pass over such meetings. Actions are overdue by the day in ``zone``
    (``pair_zone``), where their due dates are written. ``topics``: the pair's, for whether
    its last held meetings were led by the manager's topics (``share.attention_words``)."""
    out: list[str] = []
    # As things stood at the end of the period, or when the pair ended if earlier (a
    # leaver's actions are not overdue for the months after they left).
    until = _until(period, span, zone)
    gap = _gap_flag(occurrences, cadence, period, span, cadences, zone)
    if gap:
        out.append(gap)
    run = missed_in_a_row(run_history(o for o in occurrences if o.status in PLANNED), until)
    if run >= MISSED_FLAG:
        out.append(f"missed {run} in a row")
    today = _day_until(period, span, zone)
    late = [a for a in actions if _open_at(a, until) and a.due is not None
            and (today - a.due).days > OVERDUE_FLAG_DAYS]
    if late:
        out.append(f"{len(late)} action(s) overdue by more than {OVERDUE_FLAG_DAYS} days")
    held = sorted((o for o in occurrences if o.status == OccurrenceStatus.HELD
                   and o.start <= until), key=lambda o: o.start)
    if led := attention_words([o.agenda_topics for o in held], {t.id: t.by for t in topics}):
        out.append(led)
    return tuple(out)


# -- rolling up --------------------------------------------------------------------------


def rollup(pairs: Iterable[PairFigures]) -> Figures:
    total = Figures(pairs=0)
    for p in pairs:
        total.add(p.figures)
    return total


def by_manager(pairs: Sequence[PairFigures]) -> list[tuple[str, Figures]]:
    """Each manager (by name) with their pairs' figures added up."""
    groups: dict[str, list[PairFigures]] = {}
    names: dict[str, str] = {}
    for p in pairs:
        groups.setdefault(p.view.manager.id, []).append(p)
        names[p.view.manager.id] = p.view.manager.name
    return sorted(((names[m], rollup(ps)) for m, ps in groups.items()),
                  key=lambda item: item[0].lower())


@dataclass(frozen=True)
class Group:
    """Everyone under one leader: the pairs of the leader and of every manager below."""

    leader: str  # the leader's name
    figures: Figures


def by_leader(pairs: Sequence[PairFigures], min_size: int
              ) -> tuple[list[Group], Figures | None, int]:
    """Groups from the reporting lines (the directory stores no department): one per person
    who manages managers, holding every pair below them. Groups of fewer than ``min_size``
    pairs are not shown on their own (they would identify people): they are added into one
    "smaller groups" total, itself shown only if it reaches ``min_size``.

    Returns (groups shown, the smaller groups combined or None, how many were combined).
    """
    # A report's current line: a live pair wins over one that ended (a mover's old manager).
    manager_of = {p.view.report.id: p.view.manager.id
                  for p in sorted(pairs, key=lambda p: p.view.pairing.status in LIVE_PAIRINGS)}
    managers = {p.view.manager.id for p in pairs}
    names = {p.view.manager.id: p.view.manager.name for p in pairs}
    leaders = {manager_of[m] for m in managers if m in manager_of}

    def under(leader: str, manager: str) -> bool:
        seen: set[str] = set()
        while manager not in seen:
            if manager == leader:
                return True
            seen.add(manager)
            if manager not in manager_of:
                return False
            manager = manager_of[manager]
        return False

    shown: list[Group] = []
    small: dict[int, PairFigures] = {}  # by pairing id: small groups nest, count each once
    combined = 0
    for leader in sorted(leaders, key=lambda m: names[m].lower()):
        members = [p for p in pairs if under(leader, p.view.manager.id)]
        if len(members) >= min_size:
            shown.append(Group(names[leader], rollup(members)))
        else:
            small.update((p.view.pairing.id, p) for p in members)
            combined += 1
    rest = rollup(small.values()) if len(small) >= min_size else None
    return shown, rest, combined
