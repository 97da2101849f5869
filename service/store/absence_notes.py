"""The long absences managers were told of (see service/domain/absence_notes.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.domain.absence_notes import NotedAbsence
from service.domain.records import MailRecord
from service.store import convert
from service.store.base import Repository
from service.store.models import AbsenceNoteRow


class AbsenceNoteRepository(Repository):
    """One row per long absence noted, kept with its note's mail in one transaction."""

    def noted_absences(self, manager_id: str, person_id: str) -> list[NotedAbsence]:
        """The absences of ``person_id`` that ``manager_id`` was told of."""
        with self.reading() as s:
            return [_noted(r) for r in s.scalars(
                select(AbsenceNoteRow).where(AbsenceNoteRow.manager_id == manager_id,
                                             AbsenceNoteRow.person_id == person_id)
                .order_by(AbsenceNoteRow.id))]

    def note_absence(self, noted: NotedAbsence, mail: MailRecord | None, now: datetime
                     ) -> bool:
        """Keep ``noted`` (new, or its row by key changed) and queue ``mail`` with it, in one
        transaction: a kill leaves both or neither, so a rerun decides again on what is kept.
        False when nothing was written: the mail's key is queued already (an earlier run, or
        another worker noting the same absence from another pair at the same time)."""
        try:
            with self.session() as s, s.begin():
                row = s.scalar(select(AbsenceNoteRow).where(AbsenceNoteRow.key == noted.key))
                if row is None:
                    row = AbsenceNoteRow(key=noted.key, manager_id=noted.manager_id,
                                         person_id=noted.person_id)
                    s.add(row)
                row.first, row.last, row.open_after = noted.first, noted.last, noted.open_after
                row.updated_at = now
                if mail is not None:
                    s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False


def _noted(row: AbsenceNoteRow) -> NotedAbsence:
    return NotedAbsence(key=row.key, manager_id=row.manager_id, person_id=row.person_id,
                        first=row.first, last=row.last, open_after=row.open_after)
