"""The `Store`: the one object jobs and the CLI receive, composed of the repositories.

Each repository (people.py, leases.py, series.py, rebooks.py, notes.py, outbox.py,
privacy.py, comments.py, agendas.py, due.py, booked.py, runs_on.py, runs.py, mailbox_holds.py,
absence_notes.py)
is the only code that queries its tables; all of them hand out frozen records
(service/domain/records.py), never ORM rows, and raise StoreError, never SQLAlchemy errors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, union

from service.domain.records import (
    OccurrenceRecord,
    PairingView,
    PersonRecord,
    PersonUpdate,
    SeriesRecord,
)
from service.domain.status import HOLDING_SERIES, MEETING_SERIES, PairingStatus
from service.store import convert
from service.store.absence_notes import AbsenceNoteRepository
from service.store.agendas import AgendaRepository
from service.store.base import chunks
from service.store.booked import BookedRepository
from service.store.comments import MailRepliesRepository
from service.store.due import DueRepository
from service.store.leases import LeaseRepository, holder_is_gone
from service.store.mailbox_holds import MailboxHoldRepository
from service.store.models import OccurrenceRow, PairingRow, PersonRow, SeriesRow
from service.store.notes import NotesRepository
from service.store.outbox import OutboxRepository
from service.store.people import PeopleRepository
from service.store.privacy import PrivacyRepository
from service.store.rebooks import RebookRepository
from service.store.runs import RunsRepository
from service.store.runs_on import RunsOnRepository
from service.store.series import SeriesRepository

__all__ = ["PairingView", "PersonUpdate", "Store", "holder_is_gone"]

# (hired_zones, each tick) Built once; the instant is bound when it runs.
_HIRED_ZONES = select(PersonRow.time_zone).distinct().where(
    PersonRow.active.is_(True), PersonRow.hired_at >= bindparam("since"))
# (last_reports_ended, each sync that gathers) The same. A report whose first day was still
# to come when the pairing ended (a hire that fell through, a joiner moved before starting)
# never reported to the manager, so leaves no vacancy behind.
_LAST_REPORT_ENDED = (select(PairingRow.manager_id, PairingRow.report_id,
                             func.max(PairingRow.ended_at))
                      .outerjoin(PersonRow, PersonRow.id == PairingRow.report_id)
                      .where(PairingRow.ended_at >= bindparam("since"),
                             or_(PersonRow.hired_at.is_(None),
                                 PersonRow.hired_at <= PairingRow.ended_at))
                      .group_by(PairingRow.manager_id, PairingRow.report_id))


class Store(
    PeopleRepository,
    LeaseRepository,
    SeriesRepository,
    RebookRepository,
    NotesRepository,
    MailRepliesRepository,
    OutboxRepository,
    PrivacyRepository,
    AgendaRepository,
    DueRepository,
    BookedRepository,
    RunsOnRepository,
    RunsRepository,
    MailboxHoldRepository,
    AbsenceNoteRepository,
):
    """Database access for the jobs and the CLI."""

    def occurrence_context(self, occ: OccurrenceRecord
                           ) -> tuple[SeriesRecord, PairingView] | None:
        """The series an occurrence belongs to and its pairing, with both people."""
        series = self.series(occ.series_id)
        view = self.view_of_pairing(series.pairing_id) if series else None
        return (series, view) if series is not None and view is not None else None

    def meeting_series_of_active(self, meeting_in: tuple[datetime, datetime] | None = None
                                 ) -> dict[int, tuple[list[SeriesRecord], tuple[int, ...] | None]]:
        """Per active pairing: its series with meetings in a calendar (live or superseded),
        oldest first, and its manager's working days (None: unknown), in one statement and
        without the people's other columns.

        With ``meeting_in`` (lo, hi): only the pairings that may have a meeting starting in
        [lo, hi), found by index: one of their series has its due instant (store/due.py)
        before hi or not worked out, or a stored meeting starts in [lo, hi). A meeting that
        is not stored never starts before its series' due instant (``listing_due_at``: the
        first unsettled slot's agenda is due no later than the slot, and a slot settled is
        stored), so a pairing left out has no meeting there."""
        q = (select(SeriesRow, PersonRow.working_days)
             .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
             .join(PersonRow, PersonRow.id == PairingRow.manager_id)
             .where(PairingRow.status == PairingStatus.ACTIVE,
                    SeriesRow.status.in_(HOLDING_SERIES),
                    SeriesRow.status.in_(MEETING_SERIES))
             .order_by(SeriesRow.id))
        if meeting_in is not None:
            lo, hi = meeting_in
            q = q.where(SeriesRow.pairing_id.in_(union(
                select(SeriesRow.pairing_id).where(or_(SeriesRow.next_due_at.is_(None),
                                                       SeriesRow.next_due_at < hi)),
                select(SeriesRow.pairing_id).join(
                    OccurrenceRow, OccurrenceRow.series_id == SeriesRow.id)
                .where(OccurrenceRow.start >= lo, OccurrenceRow.start < hi))))
        out: dict[int, tuple[list[SeriesRecord], tuple[int, ...] | None]] = {}
        with self.reading() as s:
            for row, days in s.execute(q):
                out.setdefault(row.pairing_id, (
                    [], None if days is None else tuple(convert.split_ints(days)))
                )[0].append(convert.series(row))
        return out

    def hired_zones(self, since: datetime) -> set[str | None]:
        """The mailbox zones of the people present hired since ``since`` (or to start
        later); None for one not read yet."""
        with self.reading_rows() as s:
            return set(s.scalars(_HIRED_ZONES, {"since": since}))

    def last_reports_ended(self, since: datetime, besides: Collection[str] = ()
                           ) -> dict[str, datetime]:
        """When the latest pairing of each manager (as the manager) ended, for those with one
        ended at or after ``since``, by the manager's id; pairings with a report in
        ``besides`` (not a report after all: a shared mailbox), or one who had not started
        when it ended, are left out."""
        latest: dict[str, datetime] = {}
        with self.reading() as s:
            for mid, rid, at in s.execute(_LAST_REPORT_ENDED, {"since": since}):
                if at is not None and rid not in besides and (mid not in latest
                                                               or at > latest[mid]):
                    latest[mid] = at
        return latest

    def pairing_keys(self, active: bool = True) -> dict[int, str]:
        """The key of each active pairing (or, ``active`` False, of each other one: ended,
        or its series deleted), by id (two columns: no people, no series)."""
        is_active = PairingRow.status == PairingStatus.ACTIVE
        with self.reading() as s:
            return {pid: key for pid, key in s.execute(
                select(PairingRow.id, PairingRow.key).where(is_active if active
                                                            else ~is_active))}

    def active_views(self, pairing_ids: Iterable[int]) -> dict[int, PairingView]:
        """``views`` of the given pairings that are active, by pairing id."""
        out: dict[int, PairingView] = {}
        for part in chunks(dict.fromkeys(pairing_ids)):
            out.update((v.pairing.id, v) for v in self._views("active", ids=part))
        return out

    def pairing_statuses(self, pairing_ids: Iterable[int]) -> dict[int, str]:
        """The status of each of these pairings, by id (one statement per few hundred)."""
        with self.reading() as s:
            return {pid: status for part in chunks(dict.fromkeys(pairing_ids))
                    for pid, status in s.execute(select(PairingRow.id, PairingRow.status)
                                                 .where(PairingRow.id.in_(part)))}

    def leavers_of_ended(self, pairing_ids: Iterable[int]) -> dict[int, list[PersonRecord]]:
        """Of these pairings, those that have ended and one of whose people is gone from
        the sources since (left, disabled, deleted, out of scope): those people, by pairing
        id. One statement per few hundred pairings; usually it finds none."""
        out: dict[int, list[PersonRecord]] = {}
        person = convert.columns_of(PersonRow, PersonRecord)
        with self.reading() as s:
            for part in chunks(dict.fromkeys(pairing_ids)):
                for pid, *values in s.execute(
                        select(PairingRow.id, *person)
                        .join(PersonRow, or_(PersonRow.id == PairingRow.manager_id,
                                             PersonRow.id == PairingRow.report_id))
                        .where(PairingRow.id.in_(part),
                               PairingRow.status == PairingStatus.ENDED,
                               PersonRow.active.is_(False))):
                    out.setdefault(pid, []).append(convert.person_from(values))
        return out
