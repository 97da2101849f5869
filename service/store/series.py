"""Series and their occurrences: what is in the managers' calendars."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from service.domain.records import OccurrenceRecord, SeriesRecord
from service.domain.retime import RETIMED
from service.domain.status import (
    HOLDING_SERIES,
    LIVE_SERIES,
    OccurrenceStatus,
    PairingStatus,
    SeriesStatus,
)
from service.store import convert
from service.store.base import Repository, chunks
from service.store.comments import ERASED
from service.store.models import OccurrenceRow, PairingRow, PersonRow, SeriesRow

# A series that would reuse its pair's earlier transactionId takes the next of this sequence.
_AGAIN = uuid.UUID("5d0b1c1e-6a7e-4c55-9f38-2f0f5b0a4e11")
AGAIN_LIMIT = 64  # series of one pair: a pair comes back far fewer times


def _again(transaction_id: str) -> str:
    """The next transactionId of a fixed sequence, for an intent whose own is taken by an
    ended series of the pair (two workers take the same, and one live series stays)."""
    return str(uuid.uuid5(_AGAIN, transaction_id))


# What a meeting whose notes were erased keeps as it is (see update_occurrence).
SEAL_COLUMNS = frozenset({"captured_fingerprint", "read_back_at"})

# The series table for Core statements where ORM rows would only cost time (typed as the
# Table it is: declarative models declare ``__table__`` as any FromClause).
_SERIES = cast(Table, SeriesRow.__table__)
# Statements the schedule job runs for every manager, built once: building a statement of
# twenty-odd columns costs more than running it (SQLAlchemy caches the SQL, not the object).
_LIVE_OF = select(*convert.columns_of(SeriesRow, SeriesRecord)).where(
    SeriesRow.pairing_id.in_(bindparam("ids", expanding=True)),
    SeriesRow.status.in_(LIVE_SERIES))
_WITH_SERIES = select(SeriesRow.pairing_id).distinct().where(
    SeriesRow.pairing_id.in_(bindparam("ids", expanding=True)))
_BEGIN = insert(_SERIES).returning(_SERIES.c.id, sort_by_parameter_order=True)
_ACTIVATE = update(_SERIES).where(_SERIES.c.id == bindparam("sid"))


def _renumber(s: Session, pairing_id: int, now: datetime) -> None:
    """Meeting numbers count the pair's meetings that were not cancelled, oldest first."""
    n = 0
    for row in s.scalars(select(OccurrenceRow)
                         .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                         .where(SeriesRow.pairing_id == pairing_id,
                                OccurrenceRow.status != OccurrenceStatus.WITHDRAWN)
                         .order_by(OccurrenceRow.start)):
        if row.status == OccurrenceStatus.CANCELLED:
            continue
        n += 1
        if row.meeting_number != n:
            row.meeting_number, row.updated_at = n, now


def _renumber_all(s: Session, pairing_ids: Sequence[int], now: datetime) -> None:
    """``_renumber`` for several pairings, one statement per chunk."""
    for part in chunks(list(dict.fromkeys(pairing_ids))):
        counts: dict[int, int] = {}
        for pid, row in s.execute(select(SeriesRow.pairing_id, OccurrenceRow)
                                  .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                                  .where(SeriesRow.pairing_id.in_(part),
                                         OccurrenceRow.status != OccurrenceStatus.WITHDRAWN)
                                  .order_by(SeriesRow.pairing_id, OccurrenceRow.start)):
            if row.status == OccurrenceStatus.CANCELLED:
                continue
            n = counts[pid] = counts.get(pid, 0) + 1
            if row.meeting_number != n:
                row.meeting_number, row.updated_at = n, now


def _upsert_rows(s: Session, series_id: int, stored: Iterable[OccurrenceRow],
                 items: Sequence[dict[str, object]], now: datetime, number: int | None) -> None:
    """Store one series' occurrences by original start (see ``upsert_occurrences``)."""
    rows = {o.original_start: o for o in stored}
    for item in items:
        row = rows.get(item["original_start"])  # type: ignore[call-overload]
        if row is None:
            s.add(OccurrenceRow(series_id=series_id, updated_at=now, **item))
            continue
        for name, value in item.items():
            setattr(row, name, value)
        row.updated_at = now
    if number is not None:
        s.flush()
        _renumber(s, number, now)


def _adopt(s: Session, series_id: int, stored: list[OccurrenceRow],
           read: Mapping[str, object], new: Mapping[str, object],
           settled: Sequence[Mapping[str, object]], now: datetime) -> None:
    """A series' pattern taken from Outlook and the meetings it settles, if the series'
    columns are still those ``read`` (see ``upsert_occurrences_of``)."""
    series = s.get(SeriesRow, series_id, with_for_update=True)
    if series is None or any(getattr(series, name) != value for name, value in read.items()):
        return
    for name, value in new.items():
        setattr(series, name, value)
    if new:
        series.updated_at = now
    _upsert_rows(s, series_id, stored,
                 [convert.occurrence_fields(row) for row in settled], now, None)


# A superseded series and its pairing's live one (retimed_before_follow_on), aliased once:
# an alias built per call proxies every column again, most of that read's cost.
_OLD, _NEW, _N = (aliased(SeriesRow, name="old"), aliased(SeriesRow, name="new"),
                  len(convert.field_names(SeriesRecord)))
# Reads a tick makes, built once (values bound as they run), of columns (see reading_rows):
# superseded series with their pairing's live one, created and active; series ending soon.
_WITH_LIVE = select(*convert.columns_of(_OLD, SeriesRecord), *convert.columns_of(
    _NEW, SeriesRecord)).join_from(_OLD, _NEW, _NEW.pairing_id == _OLD.pairing_id).where(
    _OLD.status == SeriesStatus.SUPERSEDED, _NEW.status == SeriesStatus.ACTIVE,
    _NEW.event_id.is_not(None))
_RETIMED_BEFORE = _WITH_LIVE.where(
    _OLD.policy_cadence.is_not(None), _NEW.first_date >= bindparam("day")
).order_by(_NEW.id, _OLD.first_date, _OLD.id)
_MOVED_BEFORE = _WITH_LIVE.where(
    _OLD.event_id.is_not(None), _NEW.slot_note.startswith(RETIMED),
    _NEW.first_date <= _OLD.range_end).order_by(_NEW.id, _OLD.id)
_RENAMES_DUE = select(*convert.columns_of(SeriesRow, SeriesRecord), SeriesRow.rename_due_at
                      ).where(SeriesRow.rename_due_at.is_not(None)).order_by(SeriesRow.id)
_ENDING_BEFORE = select(*convert.columns_of(SeriesRow, SeriesRecord)).where(
    SeriesRow.status == SeriesStatus.ACTIVE, SeriesRow.event_id.is_not(None),
    SeriesRow.range_end < bindparam("day")).order_by(SeriesRow.id)


def mark_renamed(s: Session, people: Sequence[str], now: datetime) -> None:
    """Mark each series that may hold meetings to come of a pair one of ``people`` is in:
    its subject names them as the directory no longer does (see jobs/renames.py)."""
    pairs = select(PairingRow.id).where(or_(PairingRow.manager_id.in_(people),
                                            PairingRow.report_id.in_(people)))
    s.execute(update(SeriesRow).where(SeriesRow.pairing_id.in_(pairs),
                                      SeriesRow.status.in_(HOLDING_SERIES))
              .values(rename_due_at=now).execution_options(synchronize_session=False))

class SeriesRepository(Repository):
    """Recurring series (one live per pairing, and any superseded ones it followed on from,
    still holding their last meetings) and the meetings they hold.

    Meeting lists leave out occurrences onetoone withdrew (cancelled as their series ended):
    they are not meetings, neither upcoming nor missed. ``occurrences(series_id)`` keeps
    them, for the occurrence sync."""

    # -- series -----------------------------------------------------------------------------

    def series(self, series_id: int) -> SeriesRecord | None:
        with self.reading() as s:
            row = s.get(SeriesRow, series_id)
            return convert.series(row) if row is not None else None

    def live_series_people(self) -> list[tuple[SeriesRecord, str, str]]:
        """Every series that may hold meetings to come (superseded ones too) with its
        pairing's manager and report ids (who is in it)."""
        with self.reading() as s:
            rows = s.execute(
                select(SeriesRow, PairingRow.manager_id, PairingRow.report_id)
                .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
                .where(SeriesRow.status.in_(HOLDING_SERIES))
                .order_by(SeriesRow.id))
            return [(convert.series(row), manager, report) for row, manager, report in rows]

    def renames_due(self) -> list[tuple[SeriesRecord, datetime]]:
        """The series marked by ``mark_renamed``, with the instant of their mark."""
        with self.reading_rows() as s:
            return [(convert.series_from(r[:-1]), r[-1]) for r in s.execute(_RENAMES_DUE)]

    def rename_due(self, series_id: int) -> datetime | None:
        """The instant of a series' ``mark_renamed`` mark, None when it has none."""
        with self.reading() as s:
            return s.scalar(select(SeriesRow.rename_due_at).where(SeriesRow.id == series_id))

    def renamed(self, series_id: int, due_at: datetime,
                names: tuple[str, str] | None = None) -> None:
        """Clear a series' mark, unless another rename marked it again since it was read: at
        a later instant, or (a sync at the same instant: `tick --now` replays) for names
        other than ``names`` (manager's, report's), those its subject was written with."""
        same = [SeriesRow.id == series_id, SeriesRow.rename_due_at == due_at]
        if names is not None:  # (checked in the clearing statement: no sync gets between)
            named = [select(PersonRow.id).where(PersonRow.name == n) for n in names]
            same.append(SeriesRow.pairing_id.in_(select(PairingRow.id).where(
                PairingRow.manager_id.in_(named[0]), PairingRow.report_id.in_(named[1]))))
        with self.session() as s, s.begin():
            s.execute(update(SeriesRow).where(*same).values(rename_due_at=None))

    def live_series(self, pairing_id: int) -> SeriesRecord | None:
        with self.reading() as s:
            row = s.scalar(select(SeriesRow).where(
                SeriesRow.pairing_id == pairing_id, SeriesRow.status.in_(LIVE_SERIES)))
            return convert.series(row) if row is not None else None

    def all_live_series(self) -> list[SeriesRecord]:
        """Every series that may hold meetings to come: live and superseded ones."""
        with self.reading() as s:
            return [convert.series(r) for r in s.scalars(
                select(SeriesRow).where(SeriesRow.status.in_(HOLDING_SERIES))
                .order_by(SeriesRow.id))]

    def series_ending_before(self, day: date) -> list[SeriesRecord]:
        """Active, created series whose range ends before ``day``, oldest first."""
        with self.reading_rows() as s:
            return [convert.series_from(r) for r in s.execute(_ENDING_BEFORE, {"day": day})]

    def retimed_before_follow_on(self, day: date) -> list[tuple[SeriesRecord, SeriesRecord]]:
        """(superseded series, its pairing's live series) for each superseded series the
        manager re-timed in Outlook (its policy columns are set then) whose pairing's live
        series, created and active, is not due to start before ``day``: a follow-on booked
        on the old slot that may have to take the manager's (see Scheduler)."""
        return self._superseded_with_live(_RETIMED_BEFORE, day)

    def moved_before_predecessor_ends(self) -> list[tuple[SeriesRecord, SeriesRecord]]:
        """(superseded series, its pairing's live series) where the manager re-timed the
        live one in Outlook to start on or before the other's last day: the pair would meet
        on both patterns until then (see Scheduler._yield_to_moved)."""
        return self._superseded_with_live(_MOVED_BEFORE)

    def _superseded_with_live(self, q: Any, day: date | None = None
                              ) -> list[tuple[SeriesRecord, SeriesRecord]]:
        """The (superseded series, live series) pairs ``q`` (``_WITH_LIVE`` narrowed) finds."""
        with self.reading_rows() as s:
            return [(convert.series_from(r[:_N]), convert.series_from(r[_N:]))
                    for r in s.execute(q, {"day": day})]

    def pairing_series(self, pairing_id: int) -> list[SeriesRecord]:
        """Every series a pairing ever had (any status), oldest first."""
        with self.reading() as s:
            return [convert.series(r) for r in s.scalars(
                select(SeriesRow).where(SeriesRow.pairing_id == pairing_id)
                .order_by(SeriesRow.id))]

    def begin_follow_on(self, old_id: int, series: SeriesRecord) -> SeriesRecord | None:
        """Record the intent to extend ``old_id`` by a follow-on series, in one transaction:
        the old one becomes superseded, the new one is the pairing's live series (creating).
        None when ``old_id`` is no longer the live series (another replica got there).

        A pair that came back can plan the very follow-on its ended series had (a new
        starter's, from the same first slot), and so its transactionId: as for
        ``begin_series``, the intent then takes the next id of the fixed sequence."""
        for _try in range(AGAIN_LIMIT):
            try:
                with self.session() as s, s.begin():
                    old = s.get(SeriesRow, old_id)
                    if old is None or old.status != SeriesStatus.ACTIVE:
                        return None
                    old.status, old.updated_at = SeriesStatus.SUPERSEDED, series.created_at
                    s.flush()
                    row = convert.series_row(series)
                    s.add(row)
                    s.flush()
                    return convert.series(row)
            except IntegrityError:
                if not self._transaction_taken(series.transaction_id):
                    return None  # the pair's live series: another replica's follow-on
                series = replace(series, transaction_id=_again(series.transaction_id))
        return None

    def begin_series(self, series: SeriesRecord) -> SeriesRecord:
        """Record the intent to create a series before calling Graph (crash safety).

        If a live row already exists for the pairing it is returned instead: the unique
        partial index makes a second live series impossible even with two workers.

        A pair that comes back (a report moved away and back, a line restored to the pairs
        file) can plan the very series it had, and so its transactionId, which its ended
        series holds: the intent then takes the next id of a fixed sequence (two workers
        take the same one, and the index above still keeps one), so Exchange does not drop
        the create as a repeat of the old one.
        """
        tries = 0
        while True:
            tries += 1
            try:
                with self.session() as s, s.begin():
                    row = convert.series_row(series)
                    s.add(row)
                    s.flush()
                    return convert.series(row)
            except IntegrityError:
                existing = self.live_series(series.pairing_id)
                if existing is not None:
                    return existing
                if tries >= AGAIN_LIMIT or not self._transaction_taken(series.transaction_id):
                    raise
                series = replace(series, transaction_id=_again(series.transaction_id))

    def _transaction_taken(self, transaction_id: str) -> bool:
        with self.reading() as s:
            return s.scalar(select(SeriesRow.id).where(
                SeriesRow.transaction_id == transaction_id)) is not None

    def begin_series_many(self, series: Sequence[SeriesRecord]) -> list[SeriesRecord]:
        """``begin_series`` for several intents (of one manager) in one transaction: one
        commit, and every intent is stored before any of their POSTs. Should any pairing
        already have a live row (another worker), each is recorded on its own as
        ``begin_series`` does, so the others are still stored."""
        if not series:
            return []
        try:
            with self.session() as s, s.begin():
                # One INSERT ... RETURNING, not ORM rows flushed and read back (most of a
                # planned manager's store time): a new row has nothing the ORM's flush
                # hooks act on (store/due.py), and the records are what was inserted, with
                # the ids in the order of ``series``.
                ids = s.scalars(_BEGIN, [convert.series_values(one) for one in series]).all()
                return [replace(one, id=sid) for one, sid in zip(series, ids, strict=True)]
        except IntegrityError:
            return [self.begin_series(one) for one in series]

    def live_series_of(self, pairing_ids: Iterable[int]) -> dict[int, SeriesRecord]:
        """``live_series`` for several pairings in one read (those without one left out)."""
        out: dict[int, SeriesRecord] = {}
        with self.reading() as s:
            for chunk in chunks(pairing_ids):
                for row in s.execute(_LIVE_OF, {"ids": chunk}):  # no ORM rows (people._views)
                    series = convert.series_from(row)
                    out[series.pairing_id] = series
        return out

    def pairings_with_series(self, pairing_ids: Iterable[int]) -> set[int]:
        """Which of ``pairing_ids`` ever had a series (any status): the others have no
        history to look at (no meetings, nothing of theirs in a calendar to tell apart)."""
        out: set[int] = set()
        with self.reading() as s:
            for chunk in chunks(pairing_ids):
                out.update(s.scalars(_WITH_SERIES, {"ids": chunk}))
        return out

    def activate_series_many(self, created: Sequence[tuple[int, str, str | None]],
                             now: datetime) -> None:
        """``activate_series`` for several (series id, event id, iCalUId) in one commit."""
        if not created:
            return
        with self.session() as s, s.begin():
            # A Core executemany by id (the ORM's bulk UPDATE costs twice as much and, like
            # this, runs no flush hook).
            s.execute(_ACTIVATE, [
                {"sid": sid, "event_id": event_id, "ical_uid": ical_uid,
                 "status": SeriesStatus.ACTIVE, "updated_at": now, "checked_at": now}
                for sid, event_id, ical_uid in created])

    def activate_series(
        self, series_id: int, *, event_id: str, ical_uid: str | None, now: datetime,
        **fields: object,
    ) -> None:
        with self.session() as s, s.begin():
            row = s.get(SeriesRow, series_id)
            assert row is not None
            row.event_id, row.ical_uid, row.status = event_id, ical_uid, SeriesStatus.ACTIVE
            row.updated_at = row.checked_at = now
            for name, value in fields.items():
                setattr(row, name, value)

    def update_series(self, series_id: int, now: datetime, **fields: object) -> None:
        self._update(SeriesRow, series_id, now, fields)

    def end_series(self, series_id: int, now: datetime, range_end: date | None) -> None:
        fields: dict[str, object] = {"status": SeriesStatus.ENDED, "ended_at": now}
        if range_end is not None:
            fields["range_end"] = range_end
        self.update_series(series_id, now, **fields)

    def withdraw_upcoming(self, series_id: int, now: datetime) -> int:
        """The series is being cancelled whole by onetoone (it ended before it began): its
        stored meetings still to come are withdrawn, not left to be read later as
        cancelled, which would count them as missed 1-2-1s."""
        with self.session() as s, s.begin():
            return s.execute(update(OccurrenceRow).where(
                OccurrenceRow.series_id == series_id, OccurrenceRow.start >= now,
                OccurrenceRow.captured_at.is_(None),
                OccurrenceRow.status.in_((OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED,
                                          OccurrenceStatus.DECLINED)))
                .values(status=OccurrenceStatus.WITHDRAWN, updated_at=now)
            ).rowcount  # type: ignore[attr-defined,no-any-return]

    def manager_series(self, manager_mailbox: str) -> list[SeriesRecord]:
        with self.reading() as s:
            return [convert.series(r) for r in s.scalars(select(SeriesRow).where(
                SeriesRow.mailbox == manager_mailbox, SeriesRow.status.in_(LIVE_SERIES)))]

    def mark_series_deleted(self, series_id: int, now: datetime, *, note: str | None = None,
                            pairing_too: bool = True) -> None:
        """The manager deleted the series in Outlook: remember it, and don't recreate it.
        ``note``: the pairing's, when not the deletion's; ``pairing_too=False`` leaves the
        pairing as it is (a series of the pair's in Outlook is taken on instead)."""
        with self.session() as s, s.begin():
            series = s.get(SeriesRow, series_id)
            if series is None:
                return
            series.status, series.ended_at, series.updated_at = SeriesStatus.DELETED, now, now
            pairing = s.get(PairingRow, series.pairing_id)
            if pairing_too and pairing is not None and pairing.status == PairingStatus.ACTIVE:
                pairing.status = PairingStatus.SERIES_DELETED
                pairing.note = note or (
                    f"The manager deleted the series on or before {now:%Y-%m-%d}. Run "
                    "`onetoone pairs reset` for this pair to schedule it again."
                )
                pairing.updated_at = now

    # -- occurrences ------------------------------------------------------------------------

    def upsert_occurrences(self, series_id: int, items: Sequence[Mapping[str, object]],
                           now: datetime, *, number: int | None = None) -> None:
        """Store occurrences by (series, original start); moved ones keep their new time.
        Each item holds column values (``agenda_topics`` as a sequence of ids). With
        ``number`` (a pairing id), that pairing's meetings are numbered again in the same
        transaction: the ones not cancelled, oldest first."""
        rows = [convert.occurrence_fields(item) for item in items]
        self._racing("occurrences",
                     lambda: self._upsert_occurrences(series_id, rows, now, number))

    def upsert_occurrences_of(self, batch: Sequence[tuple[int, Sequence[Mapping[str, object]],
                                                          int | None]],
                              now: datetime, *,
                              retimed: Mapping[int, tuple[Mapping[str, object],
                                                          Mapping[str, object],
                                                          Sequence[Mapping[str, object]]]]
                              | None = None) -> None:
        """``upsert_occurrences`` for several series, (series id, items, number) each, in
        one transaction: all of them are stored or none is (a run killed meanwhile lists
        them all again), and a busy tick commits once, not once per series.
        ``retimed``: for some of those series, (columns as read, new column values, rows
        it settles) for a pattern taken from Outlook, stored before their items in the same
        transaction (a run killed in between finds the series as it was and does the same
        again), and only if the series' columns are still as read: a replica that adopted
        the same change first is not followed by a second withdrawal or agenda reset."""
        if not batch:
            return
        changes = dict(retimed or {})
        work = [(sid, [convert.occurrence_fields(item) for item in items], number)
                for sid, items, number in batch]

        def write() -> None:
            with self.session() as s, s.begin():
                existing: dict[int, list[OccurrenceRow]] = {sid: [] for sid, _i, _n in work}
                for part in chunks(list(existing)):
                    for o in s.scalars(select(OccurrenceRow)
                                       .where(OccurrenceRow.series_id.in_(part))):
                        existing[o.series_id].append(o)
                for sid, items, _number in work:
                    if sid in changes:
                        _adopt(s, sid, existing[sid], *changes[sid], now)
                    _upsert_rows(s, sid, existing[sid], items, now, None)
                s.flush()
                _renumber_all(s, [n for _sid, _items, n in work if n is not None], now)

        self._racing("occurrences", write)

    def _upsert_occurrences(self, series_id: int, items: Sequence[dict[str, object]],
                            now: datetime, number: int | None) -> None:
        with self.session() as s, s.begin():
            _upsert_rows(s, series_id, s.scalars(select(OccurrenceRow).where(
                OccurrenceRow.series_id == series_id)), items, now, number)

    def next_occurrences(self, after: datetime) -> dict[int, OccurrenceRecord]:
        """The next occurrence per series after ``after``."""
        with self.reading() as s:
            rows = s.scalars(select(OccurrenceRow).where(
                and_(OccurrenceRow.start >= after,
                     OccurrenceRow.status.not_in((OccurrenceStatus.CANCELLED,
                                                  OccurrenceStatus.WITHDRAWN))))
                .order_by(OccurrenceRow.start))
            out: dict[int, OccurrenceRecord] = {}
            for row in rows:
                if row.series_id not in out:
                    out[row.series_id] = convert.occurrence(row)
            return out

    def occurrences(self, series_id: int) -> list[OccurrenceRecord]:
        with self.reading() as s:
            return [convert.occurrence(r) for r in s.scalars(select(OccurrenceRow).where(
                OccurrenceRow.series_id == series_id).order_by(OccurrenceRow.original_start))]

    def occurrence(self, occurrence_id: int) -> OccurrenceRecord | None:
        with self.reading() as s:
            row = s.get(OccurrenceRow, occurrence_id)
            return convert.occurrence(row) if row is not None else None

    def update_occurrence(self, occurrence_id: int, now: datetime, **fields: object) -> None:
        """Set columns of an occurrence (``agenda_topics`` as a sequence of topic ids). One
        whose notes were erased stays sealed (see ``privacy._seal``): a read of it in flight
        when they were erased neither unseals it nor makes it due again."""
        values = convert.occurrence_fields(fields)
        if not SEAL_COLUMNS & values.keys():
            self._update(OccurrenceRow, occurrence_id, now, values)
            return
        with self.session() as s, s.begin():
            row = s.get(OccurrenceRow, occurrence_id, with_for_update=True)
            if row is None:
                return
            sealed = row.captured_fingerprint == ERASED
            for name, value in values.items():
                if not (sealed and name in SEAL_COLUMNS):
                    setattr(row, name, value)
            row.updated_at = now

    def pairing_occurrences(self, pairing_id: int) -> list[OccurrenceRecord]:
        """Every stored occurrence of a pairing (all its series), oldest first."""
        with self.reading() as s:
            return [convert.occurrence(r) for r in s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(SeriesRow.pairing_id == pairing_id,
                       OccurrenceRow.status != OccurrenceStatus.WITHDRAWN)
                .order_by(OccurrenceRow.start))]

    def pairing_occurrences_of(self, pairing_ids: Iterable[int],
                               ending_after: datetime | None = None,
                               starting_before: datetime | None = None
                               ) -> dict[int, list[OccurrenceRecord]]:
        """``pairing_occurrences`` of each pairing (every one given has a list), in bulk;
        only those ending after ``ending_after`` and starting before ``starting_before``
        when given (not a pair's whole history, nor its months of meetings booked ahead)."""
        ids = list(dict.fromkeys(pairing_ids))
        out: dict[int, list[OccurrenceRecord]] = {i: [] for i in ids}
        recent = [] if ending_after is None else [OccurrenceRow.end > ending_after]
        if starting_before is not None:
            recent.append(OccurrenceRow.start < starting_before)
        with self.reading() as s:
            for part in chunks(ids):
                for pid, *values in s.execute(
                        select(SeriesRow.pairing_id, *convert.OCCURRENCE_COLUMNS)
                        .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                        .where(SeriesRow.pairing_id.in_(part),
                               OccurrenceRow.status != OccurrenceStatus.WITHDRAWN, *recent)
                        .order_by(OccurrenceRow.start)):
                    out[pid].append(convert.occurrence_from(values))
        return out

    def moved_slots(self, pairing_ids: Iterable[int], since: datetime
                    ) -> dict[int, dict[datetime, datetime]]:
        """Per pair: slot (original start) -> start, of its stored series meetings with a
        slot from ``since`` that are somewhere else, withdrawn ones included (where they
        were when cancelled). Rebooked singles are left out (their slot is their own)."""
        ids = list(dict.fromkeys(pairing_ids))
        out: dict[int, dict[datetime, datetime]] = {i: {} for i in ids}
        with self.reading() as s:
            for part in chunks(ids):
                for pid, slot, start in s.execute(
                        select(SeriesRow.pairing_id, OccurrenceRow.original_start,
                               OccurrenceRow.start)
                        .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                        .where(SeriesRow.pairing_id.in_(part),
                               OccurrenceRow.original_start >= since,
                               OccurrenceRow.start != OccurrenceRow.original_start,
                               OccurrenceRow.rebook_of.is_(None))):
                    out[pid][slot] = start
        return out

    def occurrences_between(self, start: datetime, end: datetime,
                            slots_of: Iterable[int] = ()) -> list[OccurrenceRecord]:
        """Occurrences (of live and superseded series) starting in [start, end), by start;
        and those of the ``slots_of`` series whose slot (original start) is in it, wherever
        they were moved to (by the (series, original start) index)."""
        ids = list(dict.fromkeys(slots_of))
        out: dict[int, OccurrenceRecord] = {}
        with self.reading() as s:
            for n, part in enumerate(chunks(ids) if ids else [[]]):
                wanted = [and_(OccurrenceRow.start >= start, OccurrenceRow.start < end)
                          ] if n == 0 else []  # the window's own meetings: asked once
                if part:
                    wanted.append(and_(OccurrenceRow.series_id.in_(part),
                                       OccurrenceRow.original_start >= start,
                                       OccurrenceRow.original_start < end))
                in_window = or_(*wanted)
                out.update((o.id, o) for o in map(convert.occurrence_from, s.execute(
                    select(*convert.OCCURRENCE_COLUMNS)
                    .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                    .where(in_window, OccurrenceRow.status != OccurrenceStatus.WITHDRAWN,
                           SeriesRow.status.in_(HOLDING_SERIES)))))
        return sorted(out.values(), key=lambda o: (o.start, o.id))

    def occurrences_ended_between(self, start: datetime, end: datetime
                                  ) -> list[OccurrenceRecord]:
        with self.reading() as s:
            return [convert.occurrence(r) for r in s.scalars(select(OccurrenceRow).where(
                OccurrenceRow.end >= start, OccurrenceRow.end < end,
                OccurrenceRow.status != OccurrenceStatus.WITHDRAWN)
                .order_by(OccurrenceRow.end))]

    def replacement_of(self, missed_occurrence_id: int) -> OccurrenceRecord | None:
        """The single meeting booked to replace a missed occurrence, if any."""
        with self.reading() as s:
            row = s.scalar(select(OccurrenceRow).where(
                OccurrenceRow.rebook_of == missed_occurrence_id))
            return convert.occurrence(row) if row is not None else None
