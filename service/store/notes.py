"""What a pair talks about: topics, agreed actions, meeting notes and prompt questions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain.notes import NewAction
from service.domain.records import ActionRecord, NoteRecord, TopicRecord
from service.domain.status import ActionStatus, TopicStatus
from service.errors import Sealed
from service.store import convert
from service.store.base import Repository, chunks
from service.store.comments import ERASED
from service.store.models import (
    ActionRow,
    NoteRow,
    NoteVersionRow,
    OccurrenceRow,
    QuestionUseRow,
    TopicRow,
)

R = TypeVar("R")

class NotesRepository(Repository):
    """Topics, actions, notes and question uses of the pairings."""

    # -- topics -----------------------------------------------------------------------------

    def add_topic(self, pairing_id: int, text: str, by: str, raised_on: date,
                  now: datetime, *, message_id: str | None = None) -> int | None:
        """Add a topic; one from an email is added once (None when it already was)."""
        try:
            with self.session() as s, s.begin():
                if message_id is not None and s.scalar(select(TopicRow.id).where(
                        TopicRow.source_message_id == message_id)) is not None:
                    return None
                row = TopicRow(pairing_id=pairing_id, text=text, by=by, raised_on=raised_on,
                               status=TopicStatus.OPEN, carried=0, created_at=now,
                               source_message_id=message_id)
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            return None  # another worker added it from the same email

    def open_topics(self, pairing_id: int) -> list[TopicRecord]:
        with self.reading() as s:
            return [convert.topic(r) for r in s.scalars(select(TopicRow).where(
                TopicRow.pairing_id == pairing_id, TopicRow.status == TopicStatus.OPEN)
                .order_by(TopicRow.id))]

    def open_topic_ids(self, pairing_ids: Iterable[int]) -> dict[int, set[int]]:
        """The ids of each pairing's open topics (pairings without any are left out)."""
        out: dict[int, set[int]] = {}
        with self.reading() as s:
            for part in chunks(dict.fromkeys(pairing_ids)):
                for pid, tid in s.execute(select(TopicRow.pairing_id, TopicRow.id).where(
                        TopicRow.pairing_id.in_(part), TopicRow.status == TopicStatus.OPEN)):
                    out.setdefault(pid, set()).add(tid)
        return out

    def open_topics_of(self, pairing_ids: Iterable[int]) -> dict[int, list[TopicRecord]]:
        """``open_topics`` of each pairing (every one given has a list), in bulk."""
        return self._open_of(TopicRow, TopicStatus.OPEN, convert.topic, pairing_ids)

    def open_actions_of(self, pairing_ids: Iterable[int]) -> dict[int, list[ActionRecord]]:
        """``open_actions`` of each pairing (every one given has a list), in bulk."""
        return self._open_of(ActionRow, ActionStatus.OPEN, convert.action, pairing_ids)

    def _open_of(self, row_type: Any, status: str, record: Callable[[Any], R],
                 pairing_ids: Iterable[int]) -> dict[int, list[R]]:
        """Rows of one kind with one status, per pairing, oldest first, a chunk at a time."""
        ids = list(dict.fromkeys(pairing_ids))
        out: dict[int, list[R]] = {i: [] for i in ids}
        with self.reading() as s:
            for part in chunks(ids):
                for r in s.scalars(select(row_type).where(
                        row_type.pairing_id.in_(part), row_type.status == status)
                        .order_by(row_type.id)):
                    out[r.pairing_id].append(record(r))
        return out

    def topics_discussed(self, ids: Iterable[int], occurrence_id: int, pairing_id: int
                         ) -> None:
        """Mark the pair's topics with these ids discussed at the meeting. The ids come from
        markers typed in its notes: one for another pair's topic (a line pasted from
        another report's invite) is not this pair's to close."""
        with self.session() as s, s.begin():
            for row in s.scalars(select(TopicRow).where(TopicRow.id.in_(list(ids)),
                                                        TopicRow.pairing_id == pairing_id)):
                row.status, row.discussed_occurrence_id = TopicStatus.DISCUSSED, occurrence_id

    # -- actions ----------------------------------------------------------------------------

    def open_actions(self, pairing_id: int) -> list[ActionRecord]:
        with self.reading() as s:
            return [convert.action(r) for r in s.scalars(select(ActionRow).where(
                ActionRow.pairing_id == pairing_id, ActionRow.status == ActionStatus.OPEN)
                .order_by(ActionRow.id))]

    def actions(self, pairing_id: int | None = None, *, open_only: bool = False
                ) -> list[ActionRecord]:
        with self.reading() as s:
            q = select(ActionRow).order_by(ActionRow.pairing_id, ActionRow.id)
            if pairing_id is not None:
                q = q.where(ActionRow.pairing_id == pairing_id)
            if open_only:
                q = q.where(ActionRow.status == ActionStatus.OPEN)
            return [convert.action(r) for r in s.scalars(q)]

    def add_action(self, *, pairing_id: int, occurrence_id: int | None, owner: str, text: str,
                   due: date | None, raised_on: date, fingerprint: str, now: datetime) -> bool:
        """Record an action once: the same action from the same meeting is not added twice.
        One withdrawn earlier (its line edited away) whose line is back is open again."""
        with self.session() as s, s.begin():
            if occurrence_id is not None:
                _unsealed(s, occurrence_id)
            exists = s.scalar(select(ActionRow).where(
                ActionRow.raised_occurrence_id == occurrence_id,
                ActionRow.pairing_id == pairing_id, ActionRow.fingerprint == fingerprint))
            if exists is not None:
                if exists.status == ActionStatus.WITHDRAWN:
                    exists.status, exists.closed_at = ActionStatus.OPEN, None
                    return True
                return False
            s.add(ActionRow(pairing_id=pairing_id, raised_occurrence_id=occurrence_id,
                            owner=owner, text=text, due=due, status=ActionStatus.OPEN, carried=0,
                            raised_on=raised_on, fingerprint=fingerprint, created_at=now))
            return True

    def close_actions(self, ids: Iterable[int], occurrence_id: int | None, now: datetime,
                      pairing_id: int | None = None) -> int:
        with self.session() as s, s.begin():
            q = select(ActionRow).where(ActionRow.id.in_(list(ids)),
                                        ActionRow.status == ActionStatus.OPEN)
            if pairing_id is not None:
                q = q.where(ActionRow.pairing_id == pairing_id)
            rows = list(s.scalars(q))
            for row in rows:
                row.status, row.closed_occurrence_id = ActionStatus.DONE, occurrence_id
                row.closed_at = now
            return len(rows)

    def reopen_actions(self, ids: Iterable[int], occurrence_id: int) -> int:
        """Actions closed at this meeting whose tick the manager has since taken off in its
        notes: open again (closed elsewhere, or from the command line, they stay done)."""
        with self.session() as s, s.begin():
            rows = list(s.scalars(select(ActionRow).where(
                ActionRow.id.in_(list(ids)), ActionRow.status == ActionStatus.DONE,
                ActionRow.closed_occurrence_id == occurrence_id)))
            for row in rows:
                row.status, row.closed_occurrence_id, row.closed_at = (ActionStatus.OPEN,
                                                                       None, None)
            return len(rows)

    def withdraw_actions(self, ids: Iterable[int], now: datetime) -> int:
        """Open actions whose line the manager removed from the meeting's notes: kept (with
        status 'withdrawn') but no longer carried into agendas."""
        with self.session() as s, s.begin():
            rows = list(s.scalars(select(ActionRow).where(ActionRow.id.in_(list(ids)),
                                                          ActionRow.status == ActionStatus.OPEN)))
            for row in rows:
                row.status, row.closed_at = ActionStatus.WITHDRAWN, now
            return len(rows)

    def carry(self, action_ids: Iterable[int], topic_ids: Iterable[int]) -> None:
        """Count one more agenda that carried these actions and topics forward."""
        with self.session() as s, s.begin():
            for a in s.scalars(select(ActionRow).where(ActionRow.id.in_(list(action_ids)))):
                a.carried += 1
            for t in s.scalars(select(TopicRow).where(TopicRow.id.in_(list(topic_ids)))):
                t.carried += 1

    def record_agenda(self, occurrence_id: int, now: datetime, fields: dict[str, object], *,
                      carried: tuple[Sequence[int], Sequence[int]] | None = None,
                      question: tuple[int, str] | None = None) -> None:
        """An agenda written into its meeting, in one transaction: the meeting's columns
        (as ``update_occurrence``), the actions and topics it ``carried`` forward (as
        ``carry``) and its ``question`` (pairing id, question id; as ``record_question``).
        All or nothing: a run killed before it finds the block its rerun would write and
        records it then, never counting a carry twice."""
        values = convert.occurrence_fields(fields)
        with self.session() as s, s.begin():
            row = s.get(OccurrenceRow, occurrence_id)
            if row is None:
                return
            if carried is not None:
                action_ids, topic_ids = list(carried[0]), list(carried[1])
                if action_ids:
                    for a in s.scalars(select(ActionRow).where(ActionRow.id.in_(action_ids))):
                        a.carried += 1
                if topic_ids:
                    for t in s.scalars(select(TopicRow).where(TopicRow.id.in_(topic_ids))):
                        t.carried += 1
            if question is not None and s.scalar(select(QuestionUseRow.id).where(
                    QuestionUseRow.occurrence_id == occurrence_id)) is None:
                s.add(QuestionUseRow(pairing_id=question[0], occurrence_id=occurrence_id,
                                     question_id=question[1], used_at=now))
            for name, value in values.items():
                if not hasattr(OccurrenceRow, name):
                    raise AttributeError(f"OccurrenceRow has no column {name!r}")
                setattr(row, name, value)
            row.updated_at = now

    # -- notes ------------------------------------------------------------------------------

    def replace_outlook_notes(self, pairing_id: int, occurrence_id: int, texts: Sequence[str],
                              now: datetime, *, actions: Sequence[NewAction] = (),
                              private: bool = False) -> bool:
        """The notes read from an occurrence replace what was read from it before (agendas
        and mail use the latest); the reading - notes and the actions agreed in it - is also
        kept as a version of its own when it differs from the last one kept. True when it was.

        Safe to repeat and to race: the same reading again, from a re-run or a replica, adds
        no version (see ``_keep_version``)."""
        return self._racing("note_version", lambda: self._replace_outlook_notes(
            pairing_id, occurrence_id, texts, now, actions, private))

    def _replace_outlook_notes(self, pairing_id: int, occurrence_id: int,
                               texts: Sequence[str], now: datetime,
                               actions: Sequence[NewAction], private: bool) -> bool:
        with self.session() as s, s.begin():
            # Replicas reading the same meeting queue here (PostgreSQL; SQLite has one
            # writer), so neither deletes the other's rows before adding its own.
            _unsealed(s, occurrence_id)
            for row in s.scalars(select(NoteRow).where(NoteRow.occurrence_id == occurrence_id,
                                                       NoteRow.source == "outlook",
                                                       NoteRow.private.is_(private))):
                s.delete(row)
            if texts:
                # One statement for all the lines (a pasted thread can be tens of thousands;
                # one ORM object each took seconds), added in order: ids keep the notes'.
                s.execute(insert(NoteRow), [
                    {"pairing_id": pairing_id, "occurrence_id": occurrence_id, "text": text,
                     "private": private, "source": "outlook", "created_at": now}
                    for text in texts])
            return _keep_version(s, pairing_id, occurrence_id, texts, actions, private, now)

    def add_note(self, pairing_id: int, occurrence_id: int | None, text: str, *,
                 private: bool, now: datetime) -> int:
        with self.session() as s, s.begin():
            row = NoteRow(pairing_id=pairing_id, occurrence_id=occurrence_id, text=text,
                          private=private, source="cli", created_at=now)
            s.add(row)
            s.flush()
            return row.id

    def has_cli_note(self, pairing_id: int, occurrence_id: int | None, text: str, *,
                     private: bool) -> bool:
        """Whether `notes add` already stored this very note for this meeting (or pair)."""
        with self.reading() as s:
            where = (NoteRow.occurrence_id.is_(None) if occurrence_id is None
                     else NoteRow.occurrence_id == occurrence_id)
            return s.scalar(select(NoteRow.id).where(
                NoteRow.pairing_id == pairing_id, where, NoteRow.source == "cli",
                NoteRow.private.is_(private), NoteRow.text == text).limit(1)) is not None

    def notes(self, occurrence_id: int, *, include_private: bool = False) -> list[NoteRecord]:
        with self.reading() as s:
            q = select(NoteRow).where(NoteRow.occurrence_id == occurrence_id)
            if not include_private:
                q = q.where(NoteRow.private.is_(False))
            return [convert.note(r) for r in s.scalars(q.order_by(NoteRow.id))]

    # -- questions --------------------------------------------------------------------------

    def used_questions(self, pairing_id: int) -> list[str]:
        with self.reading() as s:
            return list(s.scalars(select(QuestionUseRow.question_id).where(
                QuestionUseRow.pairing_id == pairing_id).order_by(QuestionUseRow.id)))

    def record_question(self, pairing_id: int, occurrence_id: int, question_id: str,
                        now: datetime) -> None:
        with self.session() as s, s.begin():
            exists = s.scalar(select(QuestionUseRow.id).where(
                QuestionUseRow.occurrence_id == occurrence_id))
            if exists is None:
                s.add(QuestionUseRow(pairing_id=pairing_id, occurrence_id=occurrence_id,
                                     question_id=question_id, used_at=now))


# -- versions of the notes read back --------------------------------------------------------


def action_as_read(action: NewAction) -> dict[str, Any]:
    """An agreed action as a version keeps it (the JSON of ``note_versions.actions``)."""
    return {"owner": action.owner, "text": action.text,
            "due": action.due.isoformat() if action.due else None, "done": action.done}


def version_fingerprint(notes: Sequence[str], actions: Sequence[dict[str, Any]]) -> str:
    """What a version says, hashed: spacing aside, the same notes and actions give the same
    fingerprint (then a reading adds no version); any other change - a word, a due date, a
    tick - a new one."""
    def squash(text: str) -> str:
        return " ".join(text.split())

    canonical = [[squash(n) for n in notes],
                 [[squash(a["owner"]), squash(a["text"]), a["due"], bool(a["done"])]
                  for a in actions]]
    # ASCII JSON: any code point (a lone surrogate, NUL) hashes without an encoding error.
    return hashlib.sha256(json.dumps(canonical).encode("ascii")).hexdigest()


def _keep_version(s: Session, pairing_id: int, occurrence_id: int, texts: Sequence[str],
                  actions: Sequence[NewAction], private: bool, now: datetime) -> bool:
    """Add the reading as the meeting's next version unless it says what the last one
    said. Nothing typed yet is no version; everything deleted after a version is one."""
    agreed = [action_as_read(a) for a in actions]
    fp = version_fingerprint(texts, agreed)
    last = s.scalars(select(NoteVersionRow).where(
        NoteVersionRow.occurrence_id == occurrence_id, NoteVersionRow.private.is_(private))
        .order_by(NoteVersionRow.number.desc()).limit(1)).first()
    if (last.fingerprint == fp) if last is not None else not (texts or agreed):
        return False
    # ASCII JSON keeps every code point (NUL included, which PostgreSQL text refuses raw).
    s.add(NoteVersionRow(pairing_id=pairing_id, occurrence_id=occurrence_id,
                         number=last.number + 1 if last is not None else 1, private=private,
                         notes=json.dumps(list(texts)), actions=json.dumps(agreed),
                         fingerprint=fp, read_at=now))
    s.flush()  # a replica that kept the same number first makes this raise: _racing re-reads
    return True


def _unsealed(s: Session, occurrence_id: int) -> None:
    """Lock the meeting's row; raise Sealed if its notes were erased meanwhile (a read in
    flight while `forget` or the retention erase ran must not store them again)."""
    row = s.get(OccurrenceRow, occurrence_id, with_for_update=True)
    if row is not None and row.captured_fingerprint == ERASED:
        raise Sealed(f"the notes of meeting {occurrence_id} were erased meanwhile")
