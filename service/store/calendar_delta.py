"""Delta links of the managers' calendars: where the last incremental read left off."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Column, MetaData, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from service.store.base import Repository, chunks
from service.store.models import UtcDateTime

# Core, not ORM: a key-value row per mailbox, written by the occurrence sync alone. (Named
# calendar_reads since migration 0017: links kept by a version whose reads did not note
# what was typed in agendas are in the old table, gone, and never used.)
CALENDAR_DELTA = Table(
    "calendar_reads", MetaData(),
    Column("mailbox", String(320), primary_key=True),
    Column("link", Text, nullable=False),
    Column("window_start", UtcDateTime(timezone=True), nullable=False),
    Column("window_end", UtcDateTime(timezone=True), nullable=False),
    Column("updated_at", UtcDateTime(timezone=True), nullable=False),
)


class DeltaLink(NamedTuple):
    link: str
    start: datetime
    end: datetime
    read_at: datetime | None = None  # when the round that made it was read


class DeltaRepository(Repository):
    """One delta link per manager mailbox, with the window it was made for."""

    def delta_links(self, mailboxes: Iterable[str] | None = None) -> dict[str, DeltaLink]:
        """The stored links by mailbox (lower case): all, or those of ``mailboxes``."""
        q = select(CALENDAR_DELTA.c.mailbox, CALENDAR_DELTA.c.link,
                   CALENDAR_DELTA.c.window_start, CALENDAR_DELTA.c.window_end,
                   CALENDAR_DELTA.c.updated_at)
        parts: list[list[str] | None] = [None]
        if mailboxes is not None:
            parts = list(chunks(dict.fromkeys(m.lower() for m in mailboxes)))
        out: dict[str, DeltaLink] = {}
        if not parts:
            return out  # (none asked for, as on most ticks: no session either)
        with self.reading() as s:
            for part in parts:
                rows = s.execute(q if part is None else q.where(
                    CALENDAR_DELTA.c.mailbox.in_(part)))
                out.update((m.lower(), DeltaLink(link, lo, hi, at))
                           for m, link, lo, hi, at in rows)
        return out

    def save_delta_link(self, mailbox: str, link: DeltaLink, now: datetime) -> None:
        values = {"link": link.link, "window_start": link.start, "window_end": link.end,
                  "updated_at": now}
        key = mailbox.lower()
        for _attempt in range(2):
            with self.session() as s:
                done = s.execute(update(CALENDAR_DELTA)
                                 .where(CALENDAR_DELTA.c.mailbox == key).values(**values))
                if not done.rowcount:  # type: ignore[attr-defined]
                    try:
                        s.execute(insert(CALENDAR_DELTA).values(mailbox=key, **values))
                    except IntegrityError:  # another replica inserted it first: update
                        s.rollback()
                        continue
                s.commit()
                return

    def forget_delta_link(self, mailbox: str) -> None:
        with self.session() as s:
            s.execute(delete(CALENDAR_DELTA).where(CALENDAR_DELTA.c.mailbox == mailbox.lower()))
            s.commit()
