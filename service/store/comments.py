"""What people mail to the service mailbox, kept: topics from one mail, the report's comments
on a meeting, the manager's private notes. Each mail is kept once (keyed by a hash of its
Internet message id), whichever worker reads it and however often."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain.status import TopicStatus
from service.store.base import Repository
from service.store.models import NoteRow, ReportCommentRow, TopicRow

ERASED = "[erased]"


@dataclass(frozen=True)
class ReportComment:
    """The report's comments on one meeting (their reply to its summary)."""

    id: int
    pairing_id: int
    occurrence_id: int
    text: str
    created_at: datetime


def mail_key(message_id: str) -> str:
    """A fixed-length key for a mail (Internet message ids can be very long)."""
    return "m:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:40]


class MailRepliesRepository(Repository):
    """Topics, comments and private notes that arrived by mail."""

    def add_mail_topics(self, pairing_id: int, texts: Sequence[str], by: str, raised_on: date,
                        now: datetime, *, message_id: str) -> list[int]:
        """The topics of one mail, all or none, once: a mail read again adds nothing (nor
        does one a topic was already taken from before a mail became several topics)."""
        key = mail_key(message_id)
        try:
            with self.session() as s, s.begin():
                seen = s.scalar(select(TopicRow.id).where(TopicRow.source_message_id.in_(
                    [message_id[:400], f"{key}#1"])))
                if seen is not None:
                    return []
                rows = [TopicRow(pairing_id=pairing_id, text=text, by=by, raised_on=raised_on,
                                 status=TopicStatus.OPEN, carried=0, created_at=now,
                                 source_message_id=f"{key}#{n}")
                        for n, text in enumerate(texts, start=1)]
                s.add_all(rows)
                s.flush()
                return [row.id for row in rows]
        except IntegrityError:
            return []  # another worker kept this mail's topics first

    def mail_topics(self, pairing_id: int, message_id: str) -> list[str]:
        """The topics ``add_mail_topics`` kept from one mail, in its order (none when that
        mail was never kept)."""
        key = mail_key(message_id)
        with self.reading() as s:
            return list(s.scalars(select(TopicRow.text).where(
                TopicRow.pairing_id == pairing_id,
                or_(TopicRow.source_message_id == message_id[:400],
                    TopicRow.source_message_id.startswith(f"{key}#", autoescape=True)))
                .order_by(TopicRow.id)))

    def add_report_comment(self, pairing_id: int, occurrence_id: int, text: str,
                           now: datetime, *, message_id: str) -> int | None:
        """Keep the report's comments on a meeting; None when this mail already was."""
        return self._once(ReportCommentRow, message_id, pairing_id=pairing_id,
                          occurrence_id=occurrence_id, text=text, created_at=now)

    def report_comments(self, occurrence_id: int) -> list[ReportComment]:
        """The report's comments on one meeting, oldest first (for the next agenda's "Last
        time" and the evidence pack)."""
        with self.reading() as s:
            return [ReportComment(r.id, r.pairing_id, r.occurrence_id, r.text, r.created_at)
                    for r in s.scalars(select(ReportCommentRow).where(
                        ReportCommentRow.occurrence_id == occurrence_id)
                        .order_by(ReportCommentRow.id))]

    def pair_report_comments(self, pairing_id: int) -> list[ReportComment]:
        """Every comment the report kept on the pair's meetings, oldest first (one query for
        the evidence pack)."""
        with self.reading() as s:
            return [ReportComment(r.id, r.pairing_id, r.occurrence_id, r.text, r.created_at)
                    for r in s.scalars(select(ReportCommentRow).where(
                        ReportCommentRow.pairing_id == pairing_id)
                        .order_by(ReportCommentRow.id))]

    def add_mailed_private_note(self, pairing_id: int, occurrence_id: int | None, text: str,
                                now: datetime, *, message_id: str) -> int | None:
        """Keep a private note the manager mailed (stored like `notes add --private`);
        None when this mail already was."""
        return self._once(NoteRow, message_id, pairing_id=pairing_id,
                          occurrence_id=occurrence_id, text=text, private=True, source="mail",
                          created_at=now)

    def _once(self, model: Any, message_id: str, **fields: Any) -> int | None:
        key = mail_key(message_id)
        try:
            with self.session() as s, s.begin():
                if s.scalar(select(model.id).where(model.source_message_id == key)) is not None:
                    return None
                row = model(source_message_id=key, **fields)
                s.add(row)
                s.flush()
                return int(row.id)
        except IntegrityError:
            return None  # another worker kept it first


def erase_comments(session: Session, where: Any) -> int:
    """Erase (in the caller's transaction) the words of the report comments matching
    ``where``; how many were not erased already. For `forget` and retention."""
    erased = 0
    for row in session.scalars(select(ReportCommentRow).where(where)):
        if row.text != ERASED:
            row.text, erased = ERASED, erased + 1
    return erased
