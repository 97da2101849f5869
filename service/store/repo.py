"""The `Store`: the one object jobs and the CLI receive, composed of the repositories.

Each repository (people.py, leases.py, series.py, rebooks.py, notes.py, outbox.py,
privacy.py, comments.py, agendas.py, due.py) is the only code that queries its tables; all of
them hand out frozen records (service/domain/records.py), never ORM rows, and raise
StoreError, never SQLAlchemy errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from service.domain.records import OccurrenceRecord, PairingView, PersonUpdate, SeriesRecord
from service.domain.status import HOLDING_SERIES, MEETING_SERIES, PairingStatus
from service.store import convert
from service.store.agendas import AgendaRepository
from service.store.base import chunks
from service.store.comments import MailRepliesRepository
from service.store.due import DueRepository
from service.store.leases import LeaseRepository, holder_is_gone
from service.store.models import PairingRow, PersonRow, SeriesRow
from service.store.notes import NotesRepository
from service.store.outbox import OutboxRepository
from service.store.people import PeopleRepository
from service.store.privacy import PrivacyRepository
from service.store.rebooks import RebookRepository
from service.store.series import SeriesRepository

__all__ = ["PairingView", "PersonUpdate", "Store", "holder_is_gone"]


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
):
    """Database access for the jobs and the CLI."""

    def occurrence_context(self, occ: OccurrenceRecord
                           ) -> tuple[SeriesRecord, PairingView] | None:
        """The series an occurrence belongs to and its pairing, with both people."""
        series = self.series(occ.series_id)
        view = self.view_of_pairing(series.pairing_id) if series else None
        return (series, view) if series is not None and view is not None else None

    def meeting_series_of_active(self
                                 ) -> dict[int, tuple[list[SeriesRecord], tuple[int, ...] | None]]:
        """Per active pairing: its series with meetings in a calendar (live or superseded),
        oldest first, and its manager's working days (None: unknown), in one statement and
        without the people's other columns."""
        out: dict[int, tuple[list[SeriesRecord], tuple[int, ...] | None]] = {}
        with self.session() as s:
            for row, days in s.execute(
                    select(SeriesRow, PersonRow.working_days)
                    .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
                    .join(PersonRow, PersonRow.id == PairingRow.manager_id)
                    .where(PairingRow.status == PairingStatus.ACTIVE,
                           SeriesRow.status.in_(HOLDING_SERIES),
                           SeriesRow.status.in_(MEETING_SERIES))
                    .order_by(SeriesRow.id)):
                out.setdefault(row.pairing_id, (
                    [], None if days is None else tuple(convert.split_ints(days)))
                )[0].append(convert.series(row))
        return out

    def active_views(self, pairing_ids: Iterable[int]) -> dict[int, PairingView]:
        """``views`` of the given pairings that are active, by pairing id."""
        out: dict[int, PairingView] = {}
        for part in chunks(dict.fromkeys(pairing_ids)):
            out.update((v.pairing.id, v) for v in self._views(
                PairingRow.id.in_(part) & (PairingRow.status == PairingStatus.ACTIVE)))
        return out
