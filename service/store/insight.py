"""Reads for `onetoone report` and `onetoone evidence`, and writing their files.

Read-only over the tables the loop writes: each pair's meetings, actions, topics, notes and
the mail it was sent. The files written hold personal data, so they are owner-only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from service.domain.records import (
    ActionRecord,
    MailRecord,
    NoteRecord,
    OccurrenceRecord,
    PairingView,
    SeriesRecord,
    TopicRecord,
)
from service.domain.status import OccurrenceStatus, SeriesStatus
from service.errors import ServiceError
from service.insight.evidence import ActionAsRead, ReadBack
from service.store import convert
from service.store.base import Repository, chunks
from service.store.models import (
    ActionRow,
    NoteRow,
    NoteVersionRow,
    OccurrenceRow,
    OutboxRow,
    SeriesRow,
    TopicRow,
)
from service.store.privacy import ERASED


@dataclass(frozen=True)
class PairHistory:
    """Everything stored about one pair's 1-2-1s, oldest first."""

    view: PairingView
    occurrences: tuple[OccurrenceRecord, ...]
    actions: tuple[ActionRecord, ...]
    topics: tuple[TopicRecord, ...]
    # The cadence of each series its meetings are in, by series id (it may have changed).
    cadences: Mapping[int, str] = field(default_factory=dict)
    # Its series followed on from whose listing is failing (domain.insight.unreadable_since).
    superseded: tuple[SeriesRecord, ...] = ()


class InsightReader(Repository):
    """What the report and the evidence read (nothing here writes to the database)."""

    def histories(self, views: Sequence[PairingView]) -> list[PairHistory]:
        """Each pair's meetings, actions and topics, in one pass per table and chunk of
        pairs (PostgreSQL takes at most 65,535 parameters a statement)."""
        ids = [v.pairing.id for v in views]
        occs: dict[int, list[OccurrenceRecord]] = {i: [] for i in ids}
        actions: dict[int, list[ActionRecord]] = {i: [] for i in ids}
        topics: dict[int, list[TopicRecord]] = {i: [] for i in ids}
        cadences: dict[int, dict[int, str]] = {i: {} for i in ids}
        superseded: dict[int, list[SeriesRecord]] = {i: [] for i in ids}
        with self.reading() as s:
            for part in chunks(ids):
                for pairing_id, cadence, row in s.execute(
                        select(SeriesRow.pairing_id, SeriesRow.cadence, OccurrenceRow)
                        .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                        # Not withdrawn ones (onetoone cancelled them as their series ended):
                        # never 1-2-1s, as every other meeting list of the store has it.
                        .where(SeriesRow.pairing_id.in_(part),
                               OccurrenceRow.status != OccurrenceStatus.WITHDRAWN)
                        .order_by(OccurrenceRow.start)):
                    occs[pairing_id].append(convert.occurrence(row))
                    cadences[pairing_id][row.series_id] = cadence
                for one in s.scalars(select(SeriesRow).where(
                        SeriesRow.pairing_id.in_(part),
                        SeriesRow.status == SeriesStatus.SUPERSEDED,
                        SeriesRow.listing_failed_at.is_not(None))):
                    superseded[one.pairing_id].append(convert.series(one))
                for a in s.scalars(select(ActionRow).where(ActionRow.pairing_id.in_(part))
                                   .order_by(ActionRow.id)):
                    actions[a.pairing_id].append(convert.action(a))
                for t in s.scalars(select(TopicRow).where(TopicRow.pairing_id.in_(part))
                                   .order_by(TopicRow.id)):
                    topics[t.pairing_id].append(convert.topic(t))
        return [PairHistory(v, tuple(occs[v.pairing.id]), tuple(actions[v.pairing.id]),
                            tuple(topics[v.pairing.id]), cadences[v.pairing.id],
                            tuple(superseded[v.pairing.id]))
                for v in views]

    def pair_notes(self, pairing_id: int, *, include_private: bool
                   ) -> list[NoteRecord | ReadBack]:
        """A pair's notes, oldest first: every version read back from Outlook (first read,
        then each edit) and each note added with the CLI; private ones only when asked.

        The notes table holds only a meeting's latest reading, so its Outlook rows are left
        out where versions exist (a database from before they were kept may have none)."""
        with self.reading() as s:
            vq = select(NoteVersionRow).where(NoteVersionRow.pairing_id == pairing_id)
            nq = select(NoteRow).where(NoteRow.pairing_id == pairing_id)
            if not include_private:
                vq = vq.where(NoteVersionRow.private.is_(False))
                nq = nq.where(NoteRow.private.is_(False))
            versions = [_read_back(r) for r in s.scalars(
                vq.order_by(NoteVersionRow.read_at, NoteVersionRow.number))]
            kept = {(v.occurrence_id, v.private) for v in versions}
            notes = [convert.note(r) for r in s.scalars(nq.order_by(NoteRow.created_at,
                                                                     NoteRow.id))
                     if r.source != "outlook" or (r.occurrence_id, r.private) not in kept]
        return [*versions, *notes]

    def pair_mail(self, pairing_id: int) -> list[MailRecord]:
        """The mail recorded for a pair (the outbox keeps what was mailed), oldest first."""
        with self.reading() as s:
            return [convert.mail(r) for r in s.scalars(
                select(OutboxRow).where(OutboxRow.pairing_id == pairing_id)
                .order_by(OutboxRow.created_at, OutboxRow.id))]


def _read_back(row: NoteVersionRow) -> ReadBack:
    erased = row.notes == ERASED
    notes: list[str] = [] if erased else json.loads(row.notes)
    actions: list[dict[str, object]] = [] if erased else json.loads(row.actions)
    return ReadBack(
        occurrence_id=row.occurrence_id, number=row.number, private=row.private,
        read_at=row.read_at, notes=tuple(notes), erased=erased,
        actions=tuple(ActionAsRead(str(a["owner"]), str(a["text"]),
                                   date.fromisoformat(str(a["due"])) if a["due"] else None,
                                   bool(a["done"])) for a in actions))


def write_private(path: Path, data: str | bytes, *, make_folder: bool = True) -> Path:
    """Write a file only its owner can read (0600), creating its folder 0700 if missing
    (unless ``make_folder`` is False: then a missing folder is an error).

    The content goes to a temporary file beside ``path`` (created 0600, so never readable
    by others) that then replaces ``path`` in one step: a failure half-way (a full disk)
    leaves the file that was there whole. A symbolic link at ``path`` is refused (ELOOP),
    not replaced: in a folder others can write to, it was put there by someone else.
    """
    import errno
    import tempfile

    try:
        if make_folder and not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        if path.is_symlink():
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
        if path.is_dir():
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if path.exists() and not path.is_file():
            # A device, pipe or socket (`--out /dev/null`): replaced, as root, /dev/null
            # would become a plain file, and before the replace its mode was made 0600,
            # which breaks every program on the machine that writes to it.
            raise OSError(errno.EINVAL, "not a regular file (a device, pipe or socket)",
                          str(path))
        raw = data.encode("utf-8") if isinstance(data, str) else data
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        # Named by ``path``, not the temporary file: the error is about where it was going.
        failed = OSError(exc.errno, exc.strerror, str(path))
        raise ServiceError(f"{path}: cannot be written ({exc.strerror or exc}).") from failed
    return path
