"""The `Store`: the one object jobs and the CLI receive, composed of the repositories.

Each repository (people.py, leases.py, series.py, rebooks.py, notes.py, outbox.py,
privacy.py, comments.py, agendas.py, due.py) is the only code that queries its tables; all of
them hand out frozen records (service/domain/records.py), never ORM rows, and raise
StoreError, never SQLAlchemy errors.
"""

from __future__ import annotations

from service.domain.records import OccurrenceRecord, PairingView, PersonUpdate, SeriesRecord
from service.store.agendas import AgendaRepository
from service.store.comments import MailRepliesRepository
from service.store.due import DueRepository
from service.store.leases import LeaseRepository, holder_is_gone
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
