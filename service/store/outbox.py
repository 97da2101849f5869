"""The outbox: mail recorded before it is sent, claimed once, settled after (see
jobs/outbox.py for why)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from service.domain.records import MailRecord, OccurrenceRecord
from service.domain.status import OccurrenceStatus, OutboxStatus, PairingStatus, RebookStatus
from service.errors import StoreError
from service.store import convert
from service.store.base import Repository, chunks
from service.store.models import OccurrenceRow, OutboxRow, PairingRow, RebookRow
from service.store.privacy import not_sealed


def _no_mail(kind: str) -> ColumnElement[bool]:
    """No outbox row keyed "<occurrence id>:<kind>" (the key's unique index answers it)."""
    key = cast(OccurrenceRow.id, String) + literal(f":{kind}")
    return ~exists().where(OutboxRow.key == key)


# Reads each tick makes, built once (the values are bound when they run). The outbox's as
# columns (see Repository.reading_rows): a mail's fields, its recipients as stored last.
_MAIL_FIELDS = [name for name in convert.field_names(MailRecord) if name not in ("to", "cc")]
_OUTBOX = select(*(getattr(OutboxRow, name) for name in _MAIL_FIELDS), OutboxRow.recipients,
                 OutboxRow.cc).order_by(OutboxRow.id)
_OUTBOX_IN = _OUTBOX.where(OutboxRow.status.in_(bindparam("statuses", expanding=True)))


def _mail_from(values: Sequence[Any]) -> MailRecord:
    """A mail from a row of ``_OUTBOX``."""
    return MailRecord(**dict(zip(_MAIL_FIELDS, values[:-2], strict=True)),
                      to=convert.recipients_of(values[-2]), cc=convert.recipients_of(values[-1]))


@functools.cache
def _held_without_mail(summaries: bool, reminders: bool) -> Any:
    """The statement of ``held_without_mail`` (at least one of the two kinds wanted)."""
    wanted = []
    if summaries:
        # (Not of a meeting whose notes were erased before its summary was queued.)
        wanted.append(and_(OccurrenceRow.status == OccurrenceStatus.HELD,
                           not_sealed(), _no_mail("summary")))
    if reminders:
        # Not while a re-read of it is overdue (``end`` is now): this run's failed, so
        # its "no notes" may be stale, and notes typed since would draw a reminder.
        wanted.append(and_(OccurrenceRow.status == OccurrenceStatus.HELD_NO_NOTES,
                           OccurrenceRow.end <= bindparam("reminders_by"), _no_mail("reminder"),
                           or_(OccurrenceRow.read_back_at.is_(None),
                               OccurrenceRow.read_back_at > bindparam("end"))))
    return select(*convert.OCCURRENCE_COLUMNS).where(  # (columns: see reading_rows)
        OccurrenceRow.end >= bindparam("start"), OccurrenceRow.end < bindparam("end"),
        OccurrenceRow.captured_at.is_not(None), or_(*wanted)
    ).order_by(OccurrenceRow.end, OccurrenceRow.id)


class OutboxRepository(Repository):
    """Mail to send; its recipients are stored as JSON (a list of {name, address})."""

    def enqueue(self, mail: MailRecord) -> bool:
        """Add a mail unless one with the same key exists (then nothing happens)."""
        try:
            with self.session() as s, s.begin():
                if s.scalar(select(OutboxRow.id).where(OutboxRow.key == mail.key)) is not None:
                    return False
                s.add(convert.mail_row(mail))
            return True
        except IntegrityError:
            return False  # another worker enqueued it first

    def enqueue_many(self, mails: Sequence[MailRecord]) -> set[str]:
        """``enqueue`` for several mails: the keys added. One commit for the lot; if another
        worker adds one of the keys meanwhile, each is added on its own instead."""
        fresh = {m.key: m for m in mails}
        if not fresh:
            return set()
        for key in self.mail_keys(fresh):
            del fresh[key]
        try:
            with self.session() as s, s.begin():
                s.add_all(convert.mail_row(m) for m in fresh.values())
            return set(fresh)
        except IntegrityError:  # a racing worker: nothing of ours was written
            return {m.key for m in fresh.values() if self.enqueue(m)}

    def outbox(self, statuses: Sequence[str] | None = None) -> list[MailRecord]:
        with self.reading_rows() as s:
            q = _OUTBOX_IN if statuses else _OUTBOX
            return [_mail_from(r) for r in s.execute(q, {"statuses": list(statuses or ())})]

    def mail(self, mail_id: int) -> MailRecord | None:
        with self.reading() as s:
            row = s.get(OutboxRow, mail_id)
            return convert.mail(row) if row is not None else None

    def drop_suppressed_mail(self, key: str) -> None:
        """Forget a mail that was held back on purpose (never sent), so it can be queued."""
        with self.session() as s, s.begin():
            s.execute(delete(OutboxRow).where(OutboxRow.key == key,
                                              OutboxRow.status == OutboxStatus.SUPPRESSED))

    def release_held_prep(self, key: str, until_checked: str, note: str) -> None:
        """A prep mail held back (suppressed) with ``key`` until its meeting was checked, the
        meeting found on: deleted if its note begins ``until_checked`` (held back for that
        check alone: the mail queued now is its record), else kept as the record of why it
        was held back, ``note`` added, its key given up ("held<id>:<key>", as
        ``hold_back_mail``), so that either way the mail can be queued. One transaction."""
        with self.session() as s, s.begin():
            row = s.scalar(select(OutboxRow).where(
                OutboxRow.key == key, OutboxRow.status == OutboxStatus.SUPPRESSED))
            if row is None:
                return
            if row.last_error.startswith(until_checked):
                s.delete(row)
            else:
                row.key, row.last_error = f"held{row.id}:{key}", row.last_error + note

    def has_mail(self, key: str) -> bool:
        with self.reading() as s:
            return s.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None

    def mail_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are in the outbox (one statement per few hundred keys)."""
        found: set[str] = set()
        with self.reading() as s:
            for part in chunks(dict.fromkeys(keys)):
                found.update(s.scalars(select(OutboxRow.key).where(OutboxRow.key.in_(part))))
        return found

    def prep_keys(self, pairing_ids: Iterable[int], since: datetime) -> dict[int, list[str]]:
        """The keys of the prep mails queued for these pairs since ``since``, by pair; not
        those held back (suppressed: the report was not asked)."""
        found: dict[int, list[str]] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(pairing_ids)):
                for pid, key in s.execute(select(OutboxRow.pairing_id, OutboxRow.key).where(
                        OutboxRow.pairing_id.in_(part), OutboxRow.kind == "prep",
                        OutboxRow.status != OutboxStatus.SUPPRESSED,
                        OutboxRow.created_at >= since)):
                    found.setdefault(pid, []).append(key)
        return found

    def held_without_mail(self, start: datetime, end: datetime, *, summaries: bool,
                          reminders_by: datetime | None) -> list[OccurrenceRecord]:
        """Meetings read back (``captured_at`` set) that ended in [start, end) and still lack
        their mail: held ones their summary (when ``summaries``), held-without-notes ones
        that ended by ``reminders_by`` their reminder (None: no reminders), by end. The
        outbox is asked in the same statement, so a tick with nothing to queue reads no
        meeting, however many were held in the window."""
        if not summaries and reminders_by is None:
            return []
        with self.reading_rows() as s:
            return [convert.occurrence_from(r) for r in s.execute(
                _held_without_mail(summaries, reminders_by is not None),
                {"start": start, "end": end, "reminders_by": reminders_by})]

    def claim_mail(self, mail_id: int, now: datetime, *, pair_active: bool = False) -> bool:
        """pending -> sending, atomically: only one worker ever sends a given row. With
        ``pair_active``, only while its pairing is active: a mail for a pair another worker
        ended since the outbox was read stays pending, for the next run to decide on."""
        where = [OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.PENDING]
        if pair_active:
            where.append(exists().where(PairingRow.id == OutboxRow.pairing_id,
                                        PairingRow.status == PairingStatus.ACTIVE))
        # Durable: a claim lost to a power cut after the send would send the mail again.
        with self._durable() as conn:
            result = conn.execute(update(OutboxRow).where(*where).values(
                status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxRow.attempts + 1))
            conn.commit()
            return result.rowcount == 1

    def renew_claim(self, mail_id: int, claimed_at: datetime, now: datetime) -> bool:
        """Stamp the claim ``claimed_at`` on a row still 'sending' under it anew, as ``now``,
        atomically: whether it was still this claim (no other worker has settled it, or
        claimed it to send again, since)."""
        with self._durable() as conn:
            result = conn.execute(update(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.SENDING,
                OutboxRow.claimed_at == claimed_at).values(claimed_at=now))
            conn.commit()
            return result.rowcount == 1

    def finish_mail(self, mail_id: int, status: str, now: datetime, error: str = "", *,
                    claimed_at: datetime | None = None) -> bool:
        """Record how a send (or the settling of one) ended. With ``claimed_at``, only while
        the row is still 'sending' under that claim: a decision taken on what was read
        earlier must not overwrite what another worker did since (sent it, or claimed it
        to send again), or the mail goes twice. Without: unconditionally ('sent', the truth
        once Exchange has the mail). Whether the row was changed."""
        values: dict[str, object] = {"status": status, "last_error": error}
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        where = [OutboxRow.id == mail_id]
        if claimed_at is not None:
            where += [OutboxRow.status == OutboxStatus.SENDING,
                      OutboxRow.claimed_at == claimed_at]
        with self.session() as s, s.begin():
            result = s.execute(update(OutboxRow).where(*where).values(**values))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def hold_back_mail(self, mail_id: int, note: str, *, free_key: bool = False) -> bool:
        """pending -> suppressed, saying why in its error, atomically: a mail that must not
        go (and that no worker has claimed meanwhile). Whether it was held back. With
        ``free_key`` its key is given up in the same statement (kept behind the row's id,
        "held<id>:<key>"), so that a mail with that key can be queued again."""
        values: dict[str, object] = {"status": OutboxStatus.SUPPRESSED, "last_error": note}
        if free_key:
            values["key"] = literal(f"held{mail_id}:", String).concat(OutboxRow.key)
        with self.session() as s, s.begin():
            result = s.execute(update(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.PENDING)
                .values(**values))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def take_back_offer(self, mail_id: int, rebook_id: int, token: str, now: datetime, *,
                        note: str | None = None, body_html: str | None = None) -> bool:
        """A pending mail carrying an open offer's links, its pair ended: held back (``note``)
        or re-worded without them (``body_html``), and the offer closed (expired), in one
        transaction. A crash leaves both or neither; nothing can be picked from links never
        sent, and an open offer would keep its manager's Sent Items read until it lapsed.
        Only while no worker has claimed the mail; whether it was changed."""
        values = ({"status": OutboxStatus.SUPPRESSED, "last_error": note} if note is not None
                  else {"body_html": body_html})
        with self.session() as s, s.begin():
            result = s.execute(update(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.PENDING)
                .values(**values))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            s.execute(update(RebookRow).where(
                RebookRow.id == rebook_id, RebookRow.token == token,
                RebookRow.status == RebookStatus.OFFERED, RebookRow.booked_index.is_(None))
                .values(status=RebookStatus.EXPIRED, updated_at=now))
            return True

    def close_unsent_offers(self, rebook_ids: Iterable[int], now: datetime) -> set[int]:
        """Close (expire) those of these offers, open and not picked, whose links went in no
        mail: every mail of the missed meeting carrying its token was held back, or none was
        queued. Nothing can be picked from them. Checked and closed in one statement (per
        few hundred), so an offer whose mail another worker queues or sends meanwhile stays
        open. The ids closed."""
        carried = exists().where(
            OutboxRow.occurrence_id == RebookRow.missed_occurrence_id,
            OutboxRow.status != OutboxStatus.SUPPRESSED,
            OutboxRow.body_html.contains(RebookRow.token))
        closed: set[int] = set()
        with self.session() as s, s.begin():
            for part in chunks(dict.fromkeys(rebook_ids)):
                closed.update(s.scalars(update(RebookRow).where(
                    RebookRow.id.in_(part), RebookRow.status == RebookStatus.OFFERED,
                    RebookRow.booked_index.is_(None), ~carried)
                    .values(status=RebookStatus.EXPIRED, updated_at=now)
                    .returning(RebookRow.id)))
        return closed

    def reword_mail(self, mail_id: int, subject: str, body_html: str,
                    occurrence_id: int | None) -> MailRecord | None:
        """A pending mail's words replaced (its meeting moved since it was queued),
        atomically: only while no worker has claimed it. The mail as it is now, or None."""
        with self.session() as s, s.begin():
            result = s.execute(update(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.PENDING)
                .values(subject=subject, body_html=body_html, occurrence_id=occurrence_id))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return convert.mail(s.get_one(OutboxRow, mail_id))

    def release_mail(self, mail_id: int) -> bool:
        """Take a pending mail out of the outbox, so that it can be queued again as it will be
        then (its meeting moved to a day its mail is not due for yet), atomically: only while
        no worker has claimed it, so one never sent is never sent twice. Whether it was."""
        with self.session() as s, s.begin():
            result = s.execute(delete(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == OutboxStatus.PENDING))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def settle_by_hand(self, mail_id: int, status: str, now: datetime, note: str
                       ) -> MailRecord:
        """An operator's decision on a failed or unconfirmed mail: send it again ('pending')
        or record that it went ('sent'). Only those two states are open to it, atomically, so
        a mail a worker is sending or has sent can never be queued twice."""
        if status not in (OutboxStatus.PENDING, OutboxStatus.SENT):
            raise ValueError(status)
        with self.session() as s, s.begin():
            row = s.get(OutboxRow, mail_id)
            if row is None:
                raise StoreError(f"There is no mail #{mail_id}; `onetoone mail` lists them.")
            if row.status not in (OutboxStatus.FAILED, OutboxStatus.UNCONFIRMED):
                raise StoreError(f"Mail #{mail_id} is {row.status}; only failed or unconfirmed "
                                 f"mail can be settled by hand.")
            if row.body_html == "[erased]":
                raise StoreError(f"Mail #{mail_id} was erased (`onetoone forget`); it can't "
                                 f"be sent.")
            row.status, row.last_error = status, note
            if status == OutboxStatus.SENT:
                row.sent_at = now
            else:
                row.claimed_at = None
            s.flush()
            return convert.mail(row)

    def failed_mail(self, since: datetime | None = None) -> list[MailRecord]:
        """Failed mail an operator may send again (erased mail never goes), oldest first;
        with ``since``, only that last tried (claimed: a send fails as it is tried) at or
        after it."""
        query = _OUTBOX.where(OutboxRow.status == OutboxStatus.FAILED,
                              OutboxRow.body_html != "[erased]")
        if since is not None:
            query = query.where(func.coalesce(OutboxRow.claimed_at, OutboxRow.created_at)
                                >= since)
        with self.reading_rows() as s:
            return [_mail_from(r) for r in s.execute(query)]

    def resend_failed(self, mail_ids: Iterable[int], note: str) -> int:
        """failed -> pending for each of ``mail_ids`` still failed and not erased (as
        ``settle_by_hand``, in bulk): one another operator settled meanwhile is left as it
        is. How many were queued again."""
        queued = 0
        with self.session() as s, s.begin():
            for part in chunks(list(dict.fromkeys(mail_ids))):
                result = s.execute(update(OutboxRow).where(
                    OutboxRow.id.in_(part), OutboxRow.status == OutboxStatus.FAILED,
                    OutboxRow.body_html != "[erased]",
                ).values(status=OutboxStatus.PENDING, last_error=note, claimed_at=None))
                queued += result.rowcount  # type: ignore[attr-defined]
        return queued

    def sent_counts(self, mailboxes: Iterable[str], since: datetime) -> Counter[str]:
        """``sent_since`` for several mailboxes, in one statement per chunk."""
        out: Counter[str] = Counter()
        with self.reading() as s:
            for part in chunks(dict.fromkeys(mailboxes)):
                out.update({box: n for box, n in s.execute(
                    select(OutboxRow.mailbox, func.count(OutboxRow.id))
                    .where(OutboxRow.mailbox.in_(part), OutboxRow.claimed_at >= since)
                    .group_by(OutboxRow.mailbox))})
        return out

    def sent_since(self, mailbox: str, since: datetime) -> int:
        with self.reading() as s:
            return len(list(s.scalars(select(OutboxRow.id).where(
                OutboxRow.mailbox == mailbox, OutboxRow.claimed_at >= since))))
