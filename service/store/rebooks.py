"""Offers to rebook a missed 1-2-1, and the single meetings booked from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from service.domain.records import MailRecord, OccurrenceRecord, RebookRecord
from service.domain.status import HOLDING_SERIES, OccurrenceStatus, RebookStatus
from service.store import convert
from service.store.base import Repository
from service.store.models import OccurrenceRow, RebookRow, SeriesRow


class RebookRepository(Repository):
    """Rebook offers; each is written with its mail in one transaction."""

    def missed_without_offer(self, since: datetime, until: datetime) -> list[OccurrenceRecord]:
        """Cancelled, declined or no-notes occurrences of live (or superseded) series starting in
        [since, until) that have no rebook row yet (replacements themselves excluded)."""
        with self.session() as s:
            offered = select(RebookRow.missed_occurrence_id)
            return [convert.occurrence(r) for r in s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(OccurrenceRow.status.in_((OccurrenceStatus.CANCELLED,
                                                 OccurrenceStatus.DECLINED,
                                                 OccurrenceStatus.HELD_NO_NOTES)),
                       OccurrenceRow.rebook_of.is_(None),
                       OccurrenceRow.start >= since, OccurrenceRow.start < until,
                       SeriesRow.status.in_(HOLDING_SERIES), OccurrenceRow.id.not_in(offered))
                .order_by(OccurrenceRow.start))]

    def add_rebook(self, rebook: RebookRecord, mail: MailRecord | None) -> bool:
        """Record an offer and queue its mail in one transaction (a crash leaves both or
        neither); False when the missed occurrence already has one (another worker, or an
        earlier run)."""
        try:
            with self.session() as s, s.begin():
                s.add(convert.rebook_row(rebook))
                if mail is not None:
                    s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False

    def rebooks(self, statuses: Sequence[str] | None = None) -> list[RebookRecord]:
        with self.session() as s:
            q = select(RebookRow).order_by(RebookRow.id)
            if statuses:
                q = q.where(RebookRow.status.in_(statuses))
            return [convert.rebook(r) for r in s.scalars(q)]

    def rebook(self, rebook_id: int) -> RebookRecord | None:
        with self.session() as s:
            row = s.get(RebookRow, rebook_id)
            return convert.rebook(row) if row is not None else None

    def rebook_by_token(self, token: str) -> RebookRecord | None:
        with self.session() as s:
            row = s.scalar(select(RebookRow).where(RebookRow.token == token))
            return convert.rebook(row) if row is not None else None

    def rebook_of_missed(self, occurrence_id: int) -> RebookRecord | None:
        with self.session() as s:
            row = s.scalar(select(RebookRow).where(
                RebookRow.missed_occurrence_id == occurrence_id))
            return convert.rebook(row) if row is not None else None

    def update_rebook(self, rebook_id: int, now: datetime, **fields: object) -> None:
        self._update(RebookRow, rebook_id, now, fields)

    def claim_rebook(self, rebook_id: int, index: int, txn: str, now: datetime) -> bool:
        """Take slot ``index`` of an open offer, atomically: the intent (pick and
        transactionId) is stored before the event is created; a second pick never is."""
        with self.session() as s, s.begin():
            result = s.execute(update(RebookRow).where(
                RebookRow.id == rebook_id, RebookRow.status == RebookStatus.OFFERED,
                RebookRow.booked_index.is_(None))
                .values(booked_index=index, transaction_id=txn, updated_at=now))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def reoffer_rebook(self, rebook_id: int, old_token: str, new_token: str, slots: str,
                       mail: MailRecord, now: datetime) -> bool:
        """Replace an open offer's slots and token (the old links stop working) and queue the
        new offer, in one transaction; False when it was re-offered before (the mail's key
        exists) or the offer is no longer open."""
        try:
            with self.session() as s, s.begin():
                result = s.execute(update(RebookRow).where(
                    RebookRow.id == rebook_id, RebookRow.token == old_token,
                    RebookRow.status == RebookStatus.OFFERED, RebookRow.booked_index.is_(None))
                    .values(token=new_token, slots=slots, updated_at=now))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return False
                s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False

    def record_rebooking(self, rebook_id: int, occurrence: OccurrenceRecord, now: datetime
                         ) -> tuple[OccurrenceRecord, bool]:
        """The booked meeting as an occurrence and the offer as booked, in one transaction.
        Returns the occurrence and whether it is new (a retry finds it and adds nothing)."""
        with self.session() as s, s.begin():
            rebook = s.get(RebookRow, rebook_id)
            assert rebook is not None
            existing = s.scalar(select(OccurrenceRow).where(
                OccurrenceRow.rebook_of == rebook.missed_occurrence_id))
            created = existing is None
            if existing is None:
                existing = convert.occurrence_row(occurrence)
                s.add(existing)
            rebook.status, rebook.booked_event_id = RebookStatus.BOOKED, existing.event_id
            rebook.booked_at = rebook.booked_at or now
            rebook.updated_at = now
            s.flush()
            return convert.occurrence(existing), created
