"""Privacy: erasing what was written about a person, and making it leave the disk."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from service.domain.status import ActionStatus, OccurrenceStatus, OutboxStatus, TopicStatus
from service.store.base import Repository
from service.store.comments import erase_comments
from service.store.convert import aliases_of
from service.store.models import (
    AbsenceNoteRow,
    ActionRow,
    MailboxHoldRow,
    NoteRow,
    NoteVersionRow,
    OccurrenceRow,
    OutboxRow,
    PairingRow,
    PersonRow,
    ReportCommentRow,
    SeriesRow,
    TopicRow,
)

ERASED = "[erased]"


class PrivacyRepository(Repository):
    """`onetoone forget` and retention: the rows stay (counts, history), their words go.

    The counts returned: "notes" counts every stored text of a meeting's notes, the latest
    reading and each earlier version of it (note_versions), as they all go together."""

    def forget_person(self, person_id: str, now: datetime) -> dict[str, int]:
        """Erase what was written about a person's 1-2-1s (notes and every version of them,
        topics, actions, unsent mail), keeping the rows so counts and history remain; the
        long absences of theirs kept (or told to them) go, and their mailbox's holds."""
        with self.session() as s, s.begin():
            ids = list(s.scalars(select(PairingRow.id).where(or_(
                PairingRow.manager_id == person_id, PairingRow.report_id == person_id))))
            erased = _erase(
                list(s.scalars(select(NoteRow).where(NoteRow.pairing_id.in_(ids)))),
                list(s.scalars(select(NoteVersionRow).where(
                    NoteVersionRow.pairing_id.in_(ids)))),
                list(s.scalars(select(TopicRow).where(TopicRow.pairing_id.in_(ids)))),
                list(s.scalars(select(ActionRow).where(ActionRow.pairing_id.in_(ids)))),
                list(s.scalars(select(OutboxRow).where(OutboxRow.pairing_id.in_(ids)))), now)
            # The report's mailed comments are notes of the meeting too (counted with them).
            erased["notes"] += erase_comments(s, ReportCommentRow.pairing_id.in_(ids))
            meetings = OccurrenceRow.series_id.in_(
                select(SeriesRow.id).where(SeriesRow.pairing_id.in_(ids)))
            _seal(s, meetings)
            _forget_agendas(s, meetings)
            _forget_moved_reasons(s, meetings)
            # The dates of their long absences (or of those they were told of) go too.
            s.execute(delete(AbsenceNoteRow).where(or_(AbsenceNoteRow.person_id == person_id,
                                                       AbsenceNoteRow.manager_id == person_id)))
            # Their mailbox's throttling holds: each names it (by id or address, as the
            # requests did) and quotes Graph.
            s.execute(delete(MailboxHoldRow).where(
                MailboxHoldRow.mailbox.in_(_mailboxes(s, person_id))))
        self.flush_to_disk(rewrite=True)
        return erased

    def forget_agenda_texts(self, before: datetime) -> int:
        """Drop the agenda text kept of meetings that started before ``before``: once their
        notes are past re-reading it serves nothing, and it quotes the pair's topics,
        actions and notes (and would grow with every meeting ever held)."""
        with self.session() as s, s.begin():
            return _forget_agendas(s, OccurrenceRow.start < before)

    def erase_older_than(self, cutoff: datetime, now: datetime) -> dict[str, int]:
        """`[privacy] retain_months`: erase, as `forget_person` does, the notes of meetings
        that started before ``cutoff`` (every version of them, whenever it was read; notes
        with no meeting: written before it), topics and actions raised before its day, and
        mail recorded before it. Rows stay (long absences kept, over before it, go)."""
        day = cutoff.date()
        with self.session() as s, s.begin():
            old_meetings = select(OccurrenceRow.id).where(OccurrenceRow.start < cutoff)
            erased = _erase(
                list(s.scalars(select(NoteRow).where(or_(
                    NoteRow.occurrence_id.in_(old_meetings),
                    and_(NoteRow.occurrence_id.is_(None), NoteRow.created_at < cutoff))))),
                list(s.scalars(select(NoteVersionRow).where(
                    NoteVersionRow.occurrence_id.in_(old_meetings)))),
                list(s.scalars(select(TopicRow).where(TopicRow.raised_on < day))),
                list(s.scalars(select(ActionRow).where(ActionRow.raised_on < day))),
                list(s.scalars(select(OutboxRow).where(OutboxRow.created_at < cutoff))), now)
            erased["notes"] += erase_comments(s, or_(
                ReportCommentRow.occurrence_id.in_(old_meetings),
                ReportCommentRow.created_at < cutoff))
            _seal(s, OccurrenceRow.start < cutoff)
            agendas = _forget_agendas(s, OccurrenceRow.start < cutoff)
            _forget_moved_reasons(s, OccurrenceRow.start < cutoff)
            s.execute(delete(AbsenceNoteRow).where(AbsenceNoteRow.last < day))
        if any(erased.values()) or agendas:
            self.flush_to_disk()
        return erased

    def flush_to_disk(self, *, rewrite: bool = False) -> None:
        """Make erased text leave the disk now: on SQLite, copy the write-ahead log into
        the database (where secure_delete has overwritten it) and truncate the log. On
        PostgreSQL a plain VACUUM frees the old row versions but leaves their bytes in the
        table's files until the space is reused: ``rewrite`` (`forget`, a person's erasure,
        rare and asked for) rewrites the tables that held it into new files (VACUUM FULL,
        each table locked for the moment it takes); the daily retention only vacuums, not
        to lock the worker's tables every day. (PostgreSQL's write-ahead log keeps what was
        written until it is recycled, as backups do until retaken.)"""
        if self.engine.url.get_backend_name() == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        vacuum = "VACUUM FULL" if rewrite else "VACUUM"
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("notes", "note_versions", "report_comments", "topics", "actions",
                          "outbox", "occurrences"):
                conn.exec_driver_sql(f"{vacuum} {table}")


def _mailboxes(s: Any, person_id: str) -> list[str]:
    """Every name a request may have given ``person_id``'s mailbox by, lower case, as
    holds keep it: their directory id, address and other addresses."""
    names = [person_id]
    person = s.get(PersonRow, person_id)
    if person is not None:
        names += [person.email, *aliases_of(person.aliases)]
    return [n.lower() for n in names if n]


def _seal(s: Any, which: Any) -> None:
    """Meetings already read back whose notes were erased are never read back again: the
    manager's Outlook still holds what they typed, and a re-read (a late edit seen, or the
    day-after look) would store it again and bring erased actions back open. The read's
    fingerprint goes too (a hash of the notes would confirm a guess at them); the mark
    ERASED in its place is what the read-back and the mail steps look for."""
    s.execute(update(OccurrenceRow).where(which, OccurrenceRow.captured_at.is_not(None),
                                          # Read with notes or actions: what was erased.
                                          # (One read without is read again as ever, so
                                          # notes typed after a reminder are not lost.)
                                          OccurrenceRow.status == OccurrenceStatus.HELD,
                                          not_sealed())
              .values(captured_fingerprint=ERASED, read_back_at=None))


def _forget_agendas(s: Any, which: Any) -> int:
    """Drop the text kept of these meetings' agendas as written (migration 0019): it quotes
    the pair's topics, actions and last notes. (Not counted: the words are counted where
    they are kept for their own sake.) Null, not ERASED: a meeting still to be read back
    then has its agenda rendered again to know its lines, as one written before it was kept
    does. The print of the words outside the block goes too (migration 0028): a hash of
    what someone kept there would confirm a guess at it (a read-back then notices nothing
    typed outside, as for an agenda written before prints were kept)."""
    result = s.execute(update(OccurrenceRow).where(which, OccurrenceRow.agenda_text.is_not(None))
                       .values(agenda_text=None))
    s.execute(update(OccurrenceRow).where(which, OccurrenceRow.outside_print.is_not(None))
              .values(outside_print=None))
    return int(result.rowcount or 0)


def _forget_moved_reasons(s: Any, which: Any) -> None:
    """Why onetoone moved these meetings names the person and their absence ("out of
    office: Rob Report"): it goes, the fact that a meeting moved stays (`status`)."""
    s.execute(update(OccurrenceRow).where(which, OccurrenceRow.moved_reason.is_not(None),
                                          OccurrenceRow.moved_reason != ERASED)
              .values(moved_reason=ERASED))


def not_sealed() -> Any:
    """The meetings ``_seal`` has not closed to read-backs (a condition for a query)."""
    return or_(OccurrenceRow.captured_fingerprint.is_(None),
               OccurrenceRow.captured_fingerprint != ERASED)


def _erase(notes: Iterable[NoteRow], versions: Iterable[NoteVersionRow],
           topics: Iterable[TopicRow], actions: Iterable[ActionRow],
           mails: Iterable[OutboxRow], now: datetime) -> dict[str, int]:
    """Replace the words of these rows with "[erased]" (in the caller's transaction); counts
    what was not erased already."""
    erased = {"notes": 0, "topics": 0, "actions": 0, "mail": 0}
    for row in notes:
        if row.text != ERASED:
            row.text, erased["notes"] = ERASED, erased["notes"] + 1
    for version in versions:
        if version.notes != ERASED:
            # The fingerprint goes too: a hash of short notes would confirm a guess at them.
            version.notes = version.actions = version.fingerprint = ERASED
            erased["notes"] += 1
    for topic in topics:
        if topic.text != ERASED:
            topic.text, topic.status = ERASED, TopicStatus.DISCUSSED
            erased["topics"] += 1
    for action in actions:
        if action.text != ERASED:
            action.text, action.owner = ERASED, ERASED
            # Its fingerprint is a hash of owner, words and due date: kept, it would confirm
            # a guess at them. Random, as each must stay unique within its meeting.
            action.fingerprint = f"erased-{secrets.token_hex(12)}"
            action.status = ActionStatus.DONE
            erased["actions"] += 1
    for mail in mails:
        if mail.body_html != ERASED:
            mail.body_html, mail.subject = ERASED, ERASED
            # Its error goes too: an unconfirmed mail's quotes its subject (to look it up in
            # Sent Items), a held-back reminder's says who was on a long absence. (An erased
            # mail is never settled by hand, so nothing is lost to the operator.)
            mail.last_error = f"erased on {now:%Y-%m-%d}"
            # Never send an erased mail: not yet sent -> failed; outcome unknown ->
            # unconfirmed (it is never re-sent from there).
            if mail.status == OutboxStatus.PENDING:
                mail.status = OutboxStatus.FAILED
                mail.last_error = f"erased on {now:%Y-%m-%d} before sending"
            elif mail.status == OutboxStatus.SENDING:
                mail.status = OutboxStatus.UNCONFIRMED
                mail.last_error = f"erased on {now:%Y-%m-%d} while its outcome was unknown"
            erased["mail"] += 1
    return erased
