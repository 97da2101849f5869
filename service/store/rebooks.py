"""Offers to rebook a missed 1-2-1, and the single meetings booked from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from service.domain.records import MailRecord, OccurrenceRecord, RebookRecord
from service.domain.status import HOLDING_SERIES, OccurrenceStatus, RebookStatus
from service.store import convert
from service.store.base import Repository, chunks
from service.store.models import (
    OccurrenceRow,
    PairingRow,
    RebookRow,
    SeriesRow,
    UtcDateTime,
)

# Core, not ORM: per manager mailbox, the instant up to which its Sent Items were read for
# rebooking picks (no service mailbox), so each read asks only for mail sent since.
SENT_ITEMS_READS = Table(
    "sent_items_reads", MetaData(),
    Column("mailbox", String(320), primary_key=True),
    Column("read_through", UtcDateTime(timezone=True), nullable=False),
    Column("updated_at", UtcDateTime(timezone=True), nullable=False),
)

# Reads each tick makes, built once (the values are bound when they run).
_MISSED_WITHOUT_OFFER = select(*convert.OCCURRENCE_COLUMNS).join(  # (see reading_rows)
    SeriesRow, SeriesRow.id == OccurrenceRow.series_id
).where(OccurrenceRow.status.in_((OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED,
                                  OccurrenceStatus.HELD_NO_NOTES)),
        OccurrenceRow.rebook_of.is_(None), OccurrenceRow.start >= bindparam("since"),
        OccurrenceRow.start < bindparam("until"), SeriesRow.status.in_(HOLDING_SERIES),
        OccurrenceRow.id.not_in(select(RebookRow.missed_occurrence_id))
        ).order_by(OccurrenceRow.start)
_REBOOKS = select(*convert.columns_of(RebookRow, RebookRecord)).order_by(RebookRow.id)
_REBOOKS_IN = _REBOOKS.where(RebookRow.status.in_(bindparam("statuses", expanding=True)))


class RebookRepository(Repository):
    """Rebook offers; each is written with its mail in one transaction."""

    def missed_without_offer(self, since: datetime, until: datetime) -> list[OccurrenceRecord]:
        """Cancelled, declined or no-notes occurrences of live (or superseded) series starting in
        [since, until) that have no rebook row yet (replacements themselves excluded)."""
        with self.reading_rows() as s:
            return [convert.occurrence_from(r) for r in s.execute(
                _MISSED_WITHOUT_OFFER, {"since": since, "until": until})]

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
        with self.reading_rows() as s:
            q = _REBOOKS_IN if statuses else _REBOOKS
            return [convert.record_from(RebookRecord, r)
                    for r in s.execute(q, {"statuses": list(statuses or ())})]

    def open_offers_of(self, people: Iterable[str]) -> list[RebookRecord]:
        """Open offers of every pairing one of ``people`` is in, as manager or report."""
        ids = sorted(set(people))
        with self.reading() as s:
            pairings = select(PairingRow.id).where(
                or_(PairingRow.manager_id.in_(ids), PairingRow.report_id.in_(ids)))
            return [convert.rebook(r) for r in s.scalars(
                select(RebookRow).where(RebookRow.status == RebookStatus.OFFERED,
                                        RebookRow.pairing_id.in_(pairings))
                .order_by(RebookRow.id))]

    def rebook(self, rebook_id: int) -> RebookRecord | None:
        with self.reading() as s:
            row = s.get(RebookRow, rebook_id)
            return convert.rebook(row) if row is not None else None

    def rebook_by_token(self, token: str) -> RebookRecord | None:
        with self.reading() as s:
            row = s.scalar(select(RebookRow).where(RebookRow.token == token))
            return convert.rebook(row) if row is not None else None

    def rebook_of_missed(self, occurrence_id: int) -> RebookRecord | None:
        with self.reading() as s:
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
                       mail: MailRecord, now: datetime, *, picks_to: str | None = None
                       ) -> bool:
        """Replace an open offer's slots and token (the old links stop working) and queue the
        new offer, in one transaction; False when it was re-offered before (the mail's key
        exists) or the offer is no longer open."""
        try:
            with self.session() as s, s.begin():
                result = s.execute(update(RebookRow).where(
                    RebookRow.id == rebook_id, RebookRow.token == old_token,
                    RebookRow.status == RebookStatus.OFFERED, RebookRow.booked_index.is_(None))
                    .values(token=new_token, slots=slots, updated_at=now,
                            **({"picks_to": picks_to} if picks_to is not None else {})))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return False
                s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False

    def close_unpicked(self, rebook_id: int, token: str, mail: MailRecord,
                       now: datetime) -> bool:
        """Close an open offer nobody has picked from (expired) and queue its "no longer
        free" note, in one transaction; False when it was picked (by another worker) or
        closed meanwhile: then nothing is written."""
        try:
            with self.session() as s, s.begin():
                result = s.execute(update(RebookRow).where(
                    RebookRow.id == rebook_id, RebookRow.token == token,
                    RebookRow.status == RebookStatus.OFFERED, RebookRow.booked_index.is_(None))
                    .values(status=RebookStatus.EXPIRED, updated_at=now))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return False
                s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False

    def record_rebooking(self, rebook_id: int, occurrence: OccurrenceRecord, now: datetime,
                         *, agenda_text: str | None = None) -> tuple[OccurrenceRecord, bool]:
        """The booked meeting as an occurrence and the offer as booked, in one transaction,
        with its agenda's text as written (see migration 0019). Returns the occurrence and
        whether it is new (a retry finds it and adds nothing)."""
        with self.session() as s, s.begin():
            rebook = s.get(RebookRow, rebook_id)
            assert rebook is not None
            existing = s.scalar(select(OccurrenceRow).where(
                OccurrenceRow.rebook_of == rebook.missed_occurrence_id))
            created = existing is None
            if existing is None:
                existing = convert.occurrence_row(occurrence)
                existing.agenda_text = agenda_text
                s.add(existing)
            rebook.status, rebook.booked_event_id = RebookStatus.BOOKED, existing.event_id
            rebook.booked_at = rebook.booked_at or now
            rebook.updated_at = now
            s.flush()
            return convert.occurrence(existing), created

    def rebooked_to_come(self, pairing_id: int, now: datetime) -> list[OccurrenceRecord]:
        """The pairing's replacement meetings (single events) starting from ``now`` on, not
        read back: ending the series' meetings leaves these in the calendars."""
        with self.reading() as s:
            return [convert.occurrence(r) for r in s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(SeriesRow.pairing_id == pairing_id, OccurrenceRow.rebook_of.is_not(None),
                       OccurrenceRow.start >= now, OccurrenceRow.captured_at.is_(None),
                       OccurrenceRow.status.in_((OccurrenceStatus.SCHEDULED,
                                                 OccurrenceStatus.MOVED)))
                .order_by(OccurrenceRow.start))]

    def sent_items_read(self, mailboxes: Iterable[str]) -> dict[str, datetime]:
        """Where the last Sent Items read of each mailbox ended (lower-cased keys; absent:
        never read)."""
        out: dict[str, datetime] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(m.lower() for m in mailboxes)):
                rows = s.execute(select(SENT_ITEMS_READS.c.mailbox, SENT_ITEMS_READS.c.read_through)
                                 .where(SENT_ITEMS_READS.c.mailbox.in_(part)))
                out.update((mailbox, at) for mailbox, at in rows)
        return out

    def save_sent_items_read(self, mailbox: str, read_through: datetime, now: datetime) -> None:
        """Record a completed read; never moves the mark back (two workers may overlap)."""
        key = mailbox.lower()
        for _attempt in range(2):
            with self.session() as s:
                done = s.execute(update(SENT_ITEMS_READS).where(
                    SENT_ITEMS_READS.c.mailbox == key,
                    SENT_ITEMS_READS.c.read_through < read_through)
                    .values(read_through=read_through, updated_at=now))
                if not done.rowcount:  # type: ignore[attr-defined]
                    if s.scalar(select(SENT_ITEMS_READS.c.mailbox).where(
                            SENT_ITEMS_READS.c.mailbox == key)) is not None:
                        return  # a later read is already recorded
                    try:
                        s.execute(insert(SENT_ITEMS_READS).values(
                            mailbox=key, read_through=read_through, updated_at=now))
                    except IntegrityError:  # another worker inserted it first: update
                        s.rollback()
                        continue
                s.commit()
                return
