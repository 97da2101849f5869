"""What an agenda remembers and recalls: the pair's topics whoever raised them and whatever
their status, which earlier meeting its "Last time" showed, the report-led share stored
with each meeting when its agenda is written (migration 0011), and the agenda's text as
written (migration 0019)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from service.domain.records import TopicRecord
from service.store import convert
from service.store.base import Repository, chunks
from service.store.models import OccurrenceRow, PairingRow, SeriesRow, TopicRow


@dataclass(frozen=True)
class AgendaMemory:
    """What was decided when a meeting's agenda was written (by a version that stores it).

    ``last_time_id``: the meeting its Last time section recalled (None: it had none).
    ``share_report`` of ``share_topics`` topics over the pair's last meetings were the
    report's (see service/domain/share.py)."""

    last_time_id: int | None
    share_report: int
    share_topics: int


class AgendaRepository(Repository):
    """Reads and writes for the agenda's Last time section, the report-led share and the
    agenda's text as written."""

    def pair_topics(self, pairing_id: int) -> list[TopicRecord]:
        """Every topic of a pair, open or discussed (erased ones included), oldest first."""
        with self.reading() as s:
            return [convert.topic(r) for r in s.scalars(
                select(TopicRow).where(TopicRow.pairing_id == pairing_id)
                .order_by(TopicRow.id))]

    def set_agenda_denied(self, pairing_id: int, since: datetime | None) -> None:
        """Mark the pair's agendas refused by Graph since ``since`` (an earlier mark keeps
        its instant: it says since when), or clear the mark (None)."""
        with self.session() as s, s.begin():
            row = s.get(PairingRow, pairing_id)
            if row is not None and (since is None or row.agenda_denied_at is None):
                row.agenda_denied_at = since

    def clear_agenda_denied(self, managers: Iterable[str], keep: Iterable[int] = ()) -> None:
        """Clear the refused mark of every pair of ``managers`` (an agenda went into their
        calendars: allowed again), but ``keep``'s (refused in the same run: theirs is a
        refusal of that meeting, not of the mailbox)."""
        kept = sorted(set(keep))
        with self.session() as s, s.begin():
            for part in chunks(sorted(set(managers))):
                s.execute(update(PairingRow).where(
                    PairingRow.manager_id.in_(part), PairingRow.agenda_denied_at.is_not(None),
                    PairingRow.id.not_in(kept)).values(agenda_denied_at=None))

    def agenda_memory(self, occurrence_id: int) -> AgendaMemory | None:
        """What the meeting's agenda was written with; None when it hasn't been written
        yet or was written before these were stored."""
        with self.reading() as s:
            row = s.get(OccurrenceRow, occurrence_id)
            if row is None or row.share_topics is None or row.share_report is None:
                return None
            return AgendaMemory(row.last_time_id, row.share_report, row.share_topics)

    def agenda_text(self, occurrence_id: int) -> str | None:
        """The text of the agenda block as written into the meeting (None: not kept, see
        migration 0019)."""
        with self.reading() as s:
            return s.scalar(select(OccurrenceRow.agenda_text)
                            .where(OccurrenceRow.id == occurrence_id))

    def stored_shares(self, pairing_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int]]]:
        """Per pair, (occurrence id, report's topics, all topics) of each meeting whose
        agenda stored its share, oldest meeting first (for reports)."""
        ids = list(pairing_ids)
        out: dict[int, list[tuple[int, int, int]]] = {i: [] for i in ids}
        with self.reading() as s:
            for pairing_id, occ_id, report, total in s.execute(
                    select(SeriesRow.pairing_id, OccurrenceRow.id, OccurrenceRow.share_report,
                           OccurrenceRow.share_topics)
                    .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                    .where(SeriesRow.pairing_id.in_(ids),
                           OccurrenceRow.share_topics.is_not(None))
                    .order_by(OccurrenceRow.start)):
                out[pairing_id].append((occ_id, report or 0, total or 0))
        return out
