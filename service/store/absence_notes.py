"""The long absences managers were told of (see service/domain/absence_notes.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.domain.absence_notes import NotedAbsence
from service.domain.records import MailRecord
from service.store import convert
from service.store.base import Repository
from service.store.models import AbsenceNoteRow, OutboxRow


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
        True when ``mail`` was queued. A mail whose key is queued already is not queued
        again, but ``noted`` is kept all the same: that mail is its note (one the release
        before 0035 queued, with no row kept; a "longer" update for an end it went back to).
        Left out, each run would fail the same insert and the span would never be kept.
        False, with nothing written, when another worker noting the same absence (from
        another pair) wrote first: the next run finds its row."""
        try:
            with self.session() as s, s.begin():
                row = s.scalar(select(AbsenceNoteRow).where(AbsenceNoteRow.key == noted.key))
                if row is None:
                    row = AbsenceNoteRow(key=noted.key, manager_id=noted.manager_id,
                                         person_id=noted.person_id)
                    s.add(row)
                row.first, row.last, row.open_after = noted.first, noted.last, noted.open_after
                row.updated_at = now
                # (A replica queuing this key meanwhile fails our insert or theirs: one mail.)
                queued = mail is not None and s.scalar(
                    select(OutboxRow.id).where(OutboxRow.key == mail.key)) is None
                if mail is not None and queued:
                    s.add(convert.mail_row(mail))
            return queued
        except IntegrityError:
            return False

def _noted(row: AbsenceNoteRow) -> NotedAbsence:
    return NotedAbsence(key=row.key, manager_id=row.manager_id, person_id=row.person_id,
                        first=row.first, last=row.last, open_after=row.open_after)
