"""Who each series books, read a slice of the people at a time: what the overlap check and
slot choice need of a series (its pattern and its two people), without its other columns
and without loading the whole organisation at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, or_, select, union

from service.domain.own_series import OWN_PREFIX
from service.domain.status import PairingStatus
from service.store.base import Repository, chunks
from service.store.models import PairingRow, SeriesRow


class BookedSeries(NamedTuple):
    """A series' pattern and the two people it books (a StoredSeries for expansion)."""

    id: int
    pairing_id: int
    status: str
    cadence: str
    minutes: int
    weekday: int
    week_index: str | None
    start_time: str
    time_zone: str
    first_date: date
    range_end: date
    manager_id: str
    report_id: str
    # Whether the series' slot note starts with the prefix asked for (a move under way).
    noted: bool
    # Whether its manager chose its slot in Outlook (see occurrences: a re-timed series).
    chosen: bool = False


class BookedRepository(Repository):
    """Series by the people they book."""

    def booked_ical_uids(self, person_id: str) -> frozenset[str]:
        """The iCalUIds of every series onetoone booked with ``person_id`` as manager or
        report (live or ended, for any of their pairings, current or past): a copy of one
        in a calendar is onetoone's, whoever organised it (see
        ``domain.own_series.find_own_series``). A pair's own series it adopted is left out:
        that one stays the pair's."""
        q = (select(SeriesRow.ical_uid).distinct()
             .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
             .where(or_(PairingRow.manager_id == person_id, PairingRow.report_id == person_id),
                    SeriesRow.ical_uid.is_not(None),
                    SeriesRow.transaction_id.not_like(f"{OWN_PREFIX}%")))
        with self.reading() as s:
            return frozenset(uid for uid in s.scalars(q) if uid)

    def booked_people(self, after: str | None, limit: int, *,
                      active_pairings_only: bool = True) -> list[str]:
        """Up to ``limit`` ids of people in a pairing (an active one, unless told
        otherwise), ascending, from after ``after`` (None: from the first): one slice of
        everyone a series may book, found by the pairings' indexes."""
        parts = []
        for column in (PairingRow.manager_id, PairingRow.report_id):
            q = select(column.label("person")).distinct()
            if active_pairings_only:
                q = q.where(PairingRow.status == PairingStatus.ACTIVE)
            if after is not None:
                q = q.where(column > after)
            # The first ``limit`` of each side hold the first ``limit`` of both: each side
            # walks its index from ``after`` and stops, rather than listing everyone after.
            part = q.order_by(column).limit(limit).subquery()
            parts.append(select(part.c.person))
        both = union(*parts).subquery()
        with self.reading() as s:
            return list(s.scalars(select(both.c.person).order_by(both.c.person).limit(limit)))

    def booked_series(self, people: Sequence[str] | None, statuses: Iterable[str], *,
                      active_pairings_only: bool = True,
                      noted: str = "") -> list[BookedSeries]:
        """Series in ``statuses`` (of active pairings, unless told otherwise) that book any
        of ``people`` (None: anyone), as manager or as report, by id; ``noted``: the
        slot-note prefix the records' ``noted`` says is there."""
        wanted = list(statuses)
        # Only the note's first characters are read, and compared here (LIKE ignores case
        # in SQLite).
        flag = func.substr(SeriesRow.slot_note, 1, max(len(noted), 1))
        q = (select(SeriesRow.id, SeriesRow.pairing_id, SeriesRow.status, SeriesRow.cadence,
                    SeriesRow.minutes, SeriesRow.weekday, SeriesRow.week_index,
                    SeriesRow.start_time, SeriesRow.time_zone, SeriesRow.first_date,
                    SeriesRow.range_end, PairingRow.manager_id, PairingRow.report_id, flag,
                    SeriesRow.policy_cadence.is_not(None))
             .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
             .where(SeriesRow.status.in_(wanted)))
        if active_pairings_only:
            q = q.where(PairingRow.status == PairingStatus.ACTIVE)
        out: dict[int, BookedSeries] = {}
        with self.reading() as s:
            queries = [q] if people is None else [
                q.where(or_(PairingRow.manager_id.in_(part), PairingRow.report_id.in_(part)))
                for part in chunks(dict.fromkeys(people))]
            for one in queries:
                for row in s.execute(one):
                    out[row[0]] = BookedSeries._make((*row[:13], bool(noted) and row[13] == noted,
                                                      bool(row[14])))
        return [out[k] for k in sorted(out)]
