"""What a tick must do, found by index rather than by looking at every pair.

Each series keeps ``next_due_at``: when the occurrence sync must next list it (worked out
by the sync, from the series' pattern, its stored meetings and its manager's working days;
see ``service.domain.series.listing_due_at``). Empty means "work it out at the next tick":
a new series, a migrated one, and any series after a change to it, to one of its meetings,
or to its manager's working days (any such write empties it: see ``_forget_due``). The lead
time they were worked out with is kept in ``due_marks``; a change of setting empties them
all. (The overlap check keeps there until when the series as they are stay clear of
clashes.)

Also here: the meetings of many series, the contexts of many occurrences, and the recorded
meetings near their start, each in one statement, so a step's cost follows the rows it
works on rather than one query per row. Their statements are built once, in
due_statements.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    bindparam,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.domain.records import OccurrenceRecord, PairingView, SeriesRecord
from service.domain.status import OccurrenceStatus
from service.store import convert
from service.store.base import Repository, chunks
from service.store.due_statements import (
    ABSENCE_ZONES,
    AGENDA_ZONES,
    DUE_IDS,
    DUE_MARKS,
    FOLLOWED_STARTS,
    MARK,
    MARKS,
    READ_AGAIN,
    READ_BOTH,
    SERIES_STATE,
    absence_found,
    agenda_found,
    followed,
    view_rows,
)
from service.store.models import OccurrenceRow, PersonRow, SeriesRow
from service.store.people import FORGET_DUE, forget_due_of_managers, pairings_text
from service.store.privacy import not_sealed

# Stored for a series no meeting of which will ever need listing (a superseded series whose
# last meetings are written): never due, and not "work it out" either.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
# The first start from which no meeting of a series in a zone (its manager working the days
# given, None: not known) can have its agenda due (None: no such bound); see
# agenda_candidates.
AgendaCutoff = Callable[[str, tuple[int, ...] | None], datetime | None]
# How far after its own slot a meeting can be moved: Exchange keeps a moved occurrence
# before the day of the series' next one, a month on at most (ErrorOccurrenceCrossingBoundary).
MOVED_REACH = timedelta(days=32)
# What the due instant of a series is worked out from: its pattern and state, its meetings'
# times, states and agendas, and its manager's working days.
_SERIES_INPUTS = ("status", "event_id", "cadence", "weekday", "week_index", "start_time",
                  "time_zone", "first_date", "range_end", "minutes")
_MEETING_INPUTS = ("series_id", "original_start", "start", "end", "status", "agenda_state")


# Emptied, and the version moved on, so that an instant worked out from what was read
# before this write is not stored over it (see set_series_due). Defined with the people's
# store, which also writes working days without the ORM (set_mailbox_infos).
FORGET = FORGET_DUE


def _changed(obj: object, names: Sequence[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _forget_due(session: Session, _context: Any, _instances: Any) -> None:
    """Empty the due instant of every series a flush changes an input of, whoever writes
    (a job, the CLI, a rebooking): the next tick works it out again. Cheap, and it keeps a
    stored instant from ever being later than the true one."""
    series_ids: set[int] = set()
    managers: set[str] = set()
    # Each of these builds a new set when read: read once, or a flush of n rows costs n².
    new, dirty, deleted = session.new, session.dirty, session.deleted
    for obj in (*new, *dirty, *deleted):
        old = obj not in new and obj not in deleted
        if isinstance(obj, OccurrenceRow) and (not old or _changed(obj, _MEETING_INPUTS)):
            series_ids.add(obj.series_id)
            history = inspect(obj).attrs["series_id"].history
            series_ids.update(i for i in history.deleted or () if i is not None)
        elif isinstance(obj, SeriesRow) and old and _changed(obj, _SERIES_INPUTS):
            obj.next_due_at = None
            obj.due_version = SeriesRow.due_version + 1  # type: ignore[assignment]
            obj.revision = SeriesRow.revision + 1  # type: ignore[assignment]
        elif isinstance(obj, PersonRow) and old and _changed(obj, ("working_days",)):
            managers.add(obj.id)
    series_ids.discard(None)  # type: ignore[arg-type]
    if not series_ids and not managers:
        return
    conn = session.connection()
    for part in chunks(sorted(series_ids)):
        conn.execute(update(SeriesRow).where(SeriesRow.id.in_(part)).values(**FORGET))
    forget_due_of_managers(conn, managers)


class DueSeries(NamedTuple):
    """A series the sync must look at, with its pairing and the version of its instant."""

    series: SeriesRecord
    view: PairingView
    version: int


def _views(s: Session, where: str, **values: Any) -> list[DueSeries]:
    out = []
    for series, pairing, manager, report, live in s.execute(view_rows(where), values):
        out.append(DueSeries(convert.series(series), PairingView(
            convert.pairing(pairing), convert.person(manager), convert.person(report),
            convert.series(live) if live is not None else None), series.due_version))
    return out


def _mark(s: Session | Connection, name: str) -> str | None:
    return s.scalar(MARK, {"name": name})


def _set_mark(s: Session, name: str, value: str) -> None:
    """Update the mark, or add it (two replicas adding it at once: one fails on the key,
    and ``_racing`` runs its write again, which then updates)."""
    done = s.execute(update(DUE_MARKS).where(DUE_MARKS.c.name == name).values(value=value))
    if not done.rowcount:  # type: ignore[attr-defined]
        s.execute(insert(DUE_MARKS).values(name=name, value=value))


class DueRepository(Repository):
    """Due instants of the series, and bulk reads for the steps of a tick."""

    def series_due(self, now: datetime) -> list[DueSeries]:
        """Series with meetings in a calendar (active or superseded, created) that the sync
        must look at now: due by ``now``, or not worked out yet."""
        with self.reading() as s:
            return _views(s, "due", now=now)

    def series_due_ids(self, now: datetime) -> list[int]:
        """The ids of ``series_due``: a list of numbers, however many are due at once."""
        with self.reading_rows() as s:
            return list(s.scalars(DUE_IDS, {"now": now}))

    def series_in_mailboxes(self, mailboxes: Iterable[str], day: date) -> list[DueSeries]:
        """The series organised in ``mailboxes`` (any case) that hold meetings a calendar
        read of them may show: active ones, and superseded ones whose range reaches ``day``.
        With their pairing (one statement per chunk)."""
        out: list[DueSeries] = []
        with self.reading() as s:
            for part in chunks(sorted({m.lower() for m in mailboxes})):
                out += _views(s, "mailboxes", mailboxes=part, day=day)
        return out

    def series_views(self, series_ids: Iterable[int]) -> dict[int, DueSeries]:
        """Series by id with their pairing and the version of their instant (read in one
        statement, before what the instant is worked out from)."""
        out: dict[int, DueSeries] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(series_ids)):
                out.update((one.series.id, one) for one in _views(s, "ids", ids=part))
        return out

    def set_series_due(self, due: Mapping[int, tuple[datetime | None, int]], *,
                       listed: Iterable[int] | None = None) -> None:
        """Store each series' next due instant (None: never), worked out from what was
        read at the given version, in one transaction. One whose version moved on since
        (a write to the series or its meetings, maybe by another replica) is left empty:
        the next tick works it out from what is stored then. The series ``listed`` (by
        default all of them) were listed: a listing that was failing is no longer."""
        if not due:
            return
        with self.session() as s, s.begin():
            s.connection().execute(  # one statement for all (executemany)
                update(SeriesRow).where(SeriesRow.id == bindparam("sid"),
                                        SeriesRow.due_version == bindparam("version"))
                .values(next_due_at=bindparam("at")),
                [{"sid": sid, "version": version, "at": NEVER if at is None else at}
                 for sid, (at, version) in due.items()])
            # Synced: no longer failing, whatever the version. Not one with nothing to list:
            # its calendar was not read, so one that could not be read is still failing
            # (`status` and the report say since when, not since the last agenda fell due).
            for part in chunks(list(due if listed is None else listed)):
                s.execute(update(SeriesRow).where(SeriesRow.id.in_(part),
                                                  SeriesRow.listing_failed_at.is_not(None))
                          .values(listing_failed_at=None, listing_retry_at=None))

    def hold_failed_listings(self, failed: Mapping[int, bool], now: datetime,
                             retry_at: Callable[[datetime | None, datetime, bool], datetime]
                             ) -> None:
        """Keep each series whose listing failed at ``now`` (id -> whether the failure lasts
        until someone acts) from being listed again before ``retry_at(since when it has
        been failing, now, lasting)``: its due instant stays as it was, so it is listed as
        soon as that comes."""
        if not failed:
            return
        with self.session() as s, s.begin():
            for part in chunks(list(failed)):
                for row in s.scalars(select(SeriesRow).where(SeriesRow.id.in_(part))):
                    since = row.listing_failed_at
                    row.listing_retry_at = retry_at(since, now, failed[row.id])
                    row.listing_failed_at = since or now

    def use_due_basis(self, basis: str) -> None:
        """Say what the due instants are worked out with now (the settings they depend
        on, as text). If it differs from what they were stored with, all are worked out
        again."""
        if self.due_mark("series") == basis:
            return  # (read without a transaction: the usual case writes nothing)
        self._racing("due basis", lambda: self._use_due_basis(basis))

    def _use_due_basis(self, basis: str) -> None:
        with self.session() as s, s.begin():
            if _mark(s, "series") == basis:
                return
            s.execute(update(SeriesRow).values(**FORGET))
            _set_mark(s, "series", basis)

    def due_mark(self, name: str) -> str | None:
        with self.reading_rows() as s:
            return _mark(s, name)

    def due_marks(self, names: Collection[str]) -> dict[str, str]:
        """The marks of ``names`` that are set, by name, in one statement (for a step that
        reads several each tick)."""
        with self.reading_rows() as s:
            return {name: value for name, value in s.execute(MARKS, {"names": list(names)})}

    def set_due_mark(self, name: str, value: str) -> None:
        self._racing("due mark", lambda: self._set_due_mark(name, value))

    def _set_due_mark(self, name: str, value: str) -> None:
        with self.session() as s, s.begin():
            _set_mark(s, name, value)

    def series_state(self) -> str:
        """A text that changes whenever a series is added or its pattern or state changes
        (each such write moves its ``revision`` on), or a pairing is added or changes
        state: what a check of them all may be skipped on while it stays the same."""
        with self.reading_rows() as s:
            rows = list(s.execute(SERIES_STATE))
        series = next(row[1:] for row in rows if row[0] is None)
        return "|".join(str(v) for v in series) + " " + pairings_text(
            [row[:3] for row in rows if row[0] is not None])

    # -- bulk reads ---------------------------------------------------------------------------

    def occurrences_of(self, series_ids: Iterable[int], slots: tuple[datetime, datetime]
                       | None = None) -> dict[int, list[OccurrenceRecord]]:
        """Each series' stored occurrences by id: all, or those with a slot in ``slots``."""
        ids = list(dict.fromkeys(series_ids))
        out: dict[int, list[OccurrenceRecord]] = {i: [] for i in ids}
        within = [] if slots is None else [OccurrenceRow.original_start.between(*slots)]
        with self.reading() as s:
            for part in chunks(ids):
                for values in s.execute(select(*convert.OCCURRENCE_COLUMNS)
                                        .where(OccurrenceRow.series_id.in_(part), *within)
                                        .order_by(OccurrenceRow.original_start)):
                    occ = convert.occurrence_from(values)
                    out[occ.series_id].append(occ)
        return out

    def occurrences_by_id(self, occurrence_ids: Iterable[int]) -> dict[int, OccurrenceRecord]:
        """The given occurrences as stored now, by id (one statement per chunk)."""
        out: dict[int, OccurrenceRecord] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(occurrence_ids)):
                out.update((r.id, convert.occurrence(r)) for r in s.scalars(
                    select(OccurrenceRow).where(OccurrenceRow.id.in_(part))))
        return out

    def occurrence_contexts(self, occurrences: Iterable[OccurrenceRecord]
                            ) -> dict[int, tuple[SeriesRecord, PairingView]]:
        """``occurrence_context`` of many occurrences, by occurrence id (one statement per
        few hundred series)."""
        occurrences = list(occurrences)
        by_series: dict[int, tuple[SeriesRecord, PairingView]] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(o.series_id for o in occurrences)):
                for series, view, _version in _views(s, "ids", ids=part):
                    by_series[series.id] = (series, view)
        return {o.id: by_series[o.series_id] for o in occurrences if o.series_id in by_series}

    def agenda_candidates(self, start: datetime, end: datetime, updates_below: int,
                          cutoff: AgendaCutoff
                          ) -> list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]:
        """Meetings starting in [start, end) whose agenda may be due, with their contexts
        (as ``occurrence_contexts``), by start: a superset of the ones the agenda step
        writes or updates, found by index so that a tick with nothing due reads next to
        nothing. Those of holding series and active pairings, neither withdrawn nor
        cancelled; pending, or written with fewer than ``updates_below`` updates while
        their pairing has an open topic; and starting before ``cutoff(zone, days)`` of
        their series' zone and their manager's working days as stored (None: no bound)."""
        values: dict[str, Any] = {"start": start, "end": end, "updates_below": updates_below}
        by_bound: dict[datetime, list[tuple[str, str]]] = {}
        with self.reading_rows() as c:  # (most ticks find none: no session for that)
            zones = list(c.execute(AGENDA_ZONES, values))
        for zone, days in zones:
            bound = cutoff(zone, convert.split_ints(days) if days else None)
            by_bound.setdefault(min(bound or end, end), []).append((zone, days))
        if not by_bound:
            return []
        with self.reading() as s:
            for i, (bound, keys) in enumerate(by_bound.items()):
                values[f"bound{i}"], values[f"keys{i}"] = bound, keys
            return _with_contexts(s, list(s.execute(agenda_found(len(by_bound)), values)))

    def absence_candidates(self, start: datetime, end: datetime, now: datetime,
                           settled: Sequence[str], first: AgendaCutoff, again: AgendaCutoff
                           ) -> list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]:
        """Meetings starting in [start, end) whose absence check may be due at ``now``, with
        their contexts (as ``occurrence_contexts``), by start: a superset of the ones the
        absence step checks, found by index so that a tick with nothing due reads next to
        nothing. Those of active series and pairings, not rebooked singles, neither
        withdrawn nor ``settled``, whose agenda is pending (or skipped with the absence
        state skipped); and moving, or starting before ``first(zone, days)`` (the first
        check's bound) when never checked, or before ``again(zone, days)`` (the second
        check's) when checked before ``now``, of their series' zone and their manager's
        working days as stored (None: no bound)."""
        values: dict[str, Any] = {"start": start, "end": end, "now": now,
                                  "excluded": [OccurrenceStatus.WITHDRAWN, *settled]}
        by_bounds: dict[tuple[datetime, datetime], list[tuple[str, str]]] = {}
        with self.reading_rows() as c:  # (most ticks find none: no session for that)
            zones = list(c.execute(ABSENCE_ZONES, values))
        for zone, days in zones:
            split = convert.split_ints(days) if days else None
            bounds = (min(first(zone, split) or end, end), min(again(zone, split) or end, end))
            by_bounds.setdefault(bounds, []).append((zone, days))
        if not by_bounds:
            return []
        with self.reading() as s:
            for i, ((first_bound, again_bound), keys) in enumerate(by_bounds.items()):
                values[f"keys{i}"] = keys
                values[f"first{i}"], values[f"again{i}"] = first_bound, again_bound
            return _with_contexts(s, list(s.execute(absence_found(len(by_bounds)), values)))

    def followed_starts(self, start: datetime, end: datetime) -> dict[str, list[datetime]]:
        """The starts of the meetings ``followed_from`` finds in [start, end), by the
        series' mailbox (lower case): just what tells whose calendar to read. A meeting
        moved later than its own slot counts by its slot too: an edit of the whole series in
        Outlook (a new end date) drops the move, and it is back there."""
        out: dict[str, list[datetime]] = {}
        with self.reading_rows() as s:
            for mailbox, at, slot in s.execute(FOLLOWED_STARTS, {
                    "start": start, "end": end, "reach": end + MOVED_REACH}):
                out.setdefault(mailbox.lower(), []).extend(
                    (at, slot) if at != slot and slot >= start else (at,))
        return out

    def followed_from(self, start: datetime, end: datetime | None = None,
                      mailboxes: Iterable[str] | None = None
                      ) -> list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]:
        """Recorded meetings of created series starting in [start, end) whose changes the
        occurrence sync follows (not rebooked singles, not read back, cancelled or
        withdrawn: see ``occurrences._followed``), by start; only those of ``mailboxes``
        (the series' mailbox, any case) when given."""
        where = followed(start)
        if end is not None:
            where &= OccurrenceRow.start < end
        parts: list[list[str] | None] = [None]
        if mailboxes is not None:
            parts = list(chunks(dict.fromkeys(m.lower() for m in mailboxes)))
        rows: list[tuple[OccurrenceRow, int]] = []
        with self.reading() as s:
            for part in parts:
                q = where if part is None else where & func.lower(SeriesRow.mailbox).in_(part)
                rows += [(row, sid) for row, sid in s.execute(
                    select(OccurrenceRow, SeriesRow.id)
                    .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id).where(q))]
            views: dict[int, tuple[SeriesRecord, PairingView]] = {}
            for ids in chunks(dict.fromkeys(sid for _row, sid in rows)):
                for series, view, _version in _views(s, "ids", ids=ids):
                    views[series.id] = (series, view)
            found = [(convert.occurrence(row), views[sid][0], views[sid][1])
                     for row, sid in rows]
        found.sort(key=lambda item: (item[0].start, item[0].id))
        return found

    def read_back_since(self, ended_from: datetime, mailboxes: Iterable[str]
                        ) -> dict[str, dict[str, OccurrenceRecord]]:
        """Meetings already read back that ended from ``ended_from`` on, in the calendars of
        ``mailboxes`` (any case), by mailbox (lower case) then event id: the ones a read of
        the calendar vouches for, or finds changed."""
        out: dict[str, dict[str, OccurrenceRecord]] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(m.lower() for m in mailboxes)):
                for row, mailbox in s.execute(
                        select(OccurrenceRow, SeriesRow.mailbox)
                        .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                        .where(OccurrenceRow.end >= ended_from,
                               OccurrenceRow.captured_at.is_not(None),
                               OccurrenceRow.event_id != "", not_sealed(),
                               func.lower(SeriesRow.mailbox).in_(part))):
                    out.setdefault(mailbox.lower(), {})[row.event_id] = (
                        convert.occurrence(row))
        return out

    def unread_meetings_of(self, mailboxes: Iterable[str], start: datetime, end: datetime
                           ) -> dict[tuple[str, str], tuple[OccurrenceRecord, str | None]]:
        """Meetings not read back yet that start in [start, end), in the calendars of
        ``mailboxes`` (any case), by (mailbox lower case, event id), each with its series'
        master id (None for a single meeting): the ones a read of those calendars may list
        before their notes are read. (By start, which is indexed.)"""
        out: dict[tuple[str, str], tuple[OccurrenceRecord, str | None]] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(m.lower() for m in mailboxes)):
                for row, mailbox, master in s.execute(
                        select(OccurrenceRow, SeriesRow.mailbox, SeriesRow.event_id)
                        .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                        .where(OccurrenceRow.start >= start, OccurrenceRow.start < end,
                               OccurrenceRow.captured_at.is_(None),
                               OccurrenceRow.event_id != "",
                               func.lower(SeriesRow.mailbox).in_(part))):
                    occ = convert.occurrence(row)
                    out[(mailbox.lower(), row.event_id)] = (
                        occ, None if occ.rebook_of is not None else master or None)
        return out

    def postpone_read_backs(self, looks: Sequence[tuple[OccurrenceRecord, datetime]]) -> None:
        """Look at each meeting whose re-read waits for a calendar read again at the instant
        given, unless it changed since it was read as given (a calendar read another run
        made meanwhile marked it: that look, at once, stands). One transaction."""
        if not looks:
            return
        with self.session() as s, s.begin():
            s.connection().execute(  # one statement for all (executemany)
                update(OccurrenceRow).where(
                    OccurrenceRow.id == bindparam("oid"),
                    OccurrenceRow.read_back_at == bindparam("seen"),
                    OccurrenceRow.captured_at == bindparam("read"),
                    or_(OccurrenceRow.changed_at.is_(None),
                        OccurrenceRow.changed_at <= OccurrenceRow.captured_at),
                ).values(read_back_at=bindparam("until")),
                [{"oid": occ.id, "seen": occ.read_back_at, "read": occ.captured_at,
                  "until": until} for occ, until in looks])

    def mark_changed(self, occurrence_ids: Iterable[int], now: datetime, *,
                     seen_at: Mapping[int, datetime] | None = None) -> None:
        """A read of the calendar saw these meetings change (since they were read back, or
        something typed in their agenda before): they are looked at now. ``seen_at``: when
        it saw each, where not ``now`` (later than a read-back another run made meanwhile,
        so that read-back is made again). Only a meeting already read back is due a look
        at once (``read_back_at``); one not read back yet is read when it ends, as ever."""
        when = dict(seen_at or {})
        by_time: dict[datetime, list[int]] = {}
        for occurrence_id in dict.fromkeys(occurrence_ids):
            by_time.setdefault(when.get(occurrence_id, now), []).append(occurrence_id)
        with self.session() as s:
            for at, ids in by_time.items():
                for part in chunks(ids):
                    s.execute(update(OccurrenceRow).where(OccurrenceRow.id.in_(part))
                              .values(changed_at=at))
                    s.execute(update(OccurrenceRow).where(OccurrenceRow.id.in_(part),
                                                          OccurrenceRow.captured_at.is_not(None),
                                                          not_sealed())
                              .values(read_back_at=now))
            s.commit()

    def read_backs_due(self, now: datetime, ended_from: datetime, ended_until: datetime,
                       *, first_reads: bool = True) -> list[tuple[OccurrenceRecord, str]]:
        """Meetings whose notes may be due a read now, with their series' mailbox (lower
        case), by end: those never read back that ended in [ended_from, ended_until) and
        still stand (unless not ``first_reads``), and those read back whose next look
        (``read_back_at``) has come. One statement of two indexed reads: the work due, not
        every meeting of the last weeks."""
        firsts, again = self.read_backs_apart(now, ended_from, ended_until,
                                              first_reads=first_reads)
        return merged_read_backs(firsts, again)

    def read_backs_apart(self, now: datetime, ended_from: datetime, ended_until: datetime,
                         *, first_reads: bool = True
                         ) -> tuple[list[tuple[OccurrenceRecord, str]],
                                    list[tuple[OccurrenceRecord, str]]]:
        """``read_backs_due``'s two reads apart, each by end: (the first reads, none unless
        ``first_reads``; the looks again), in one statement."""
        values = {"now": now, "ended_from": ended_from, "ended_until": ended_until}
        out: tuple[list[tuple[OccurrenceRecord, str]], list[tuple[OccurrenceRecord, str]]]
        out = ([], [])
        with self.reading_rows() as s:
            for *columns, mailbox, again in s.execute(
                    READ_BOTH if first_reads else READ_AGAIN, values):
                out[1 if again else 0].append(
                    (convert.occurrence_from(columns), mailbox.lower()))
        for part in out:
            part.sort(key=lambda item: (item[0].end, item[0].id))
        return out


def merged_read_backs(*parts: list[tuple[OccurrenceRecord, str]]
                      ) -> list[tuple[OccurrenceRecord, str]]:
    """The meetings of ``read_backs_apart``'s parts, each once, by end."""
    out = {occ.id: (occ, mailbox) for part in parts for occ, mailbox in part}
    return sorted(out.values(), key=lambda item: (item[0].end, item[0].id))


def _with_contexts(s: Any, found: list[Any]
                   ) -> list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]:
    """(occurrence row, series id) pairs with each occurrence's series and pairing view, in
    the order found (the views read one statement per chunk of series)."""
    views: dict[int, tuple[SeriesRecord, PairingView]] = {}
    for ids in chunks(dict.fromkeys(sid for _row, sid in found)):
        for series, view, _version in _views(s, "ids", ids=ids):
            views[series.id] = (series, view)
    return [(convert.occurrence(row), *views[sid]) for row, sid in found if sid in views]
