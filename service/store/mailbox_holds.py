"""Mailboxes Graph keeps throttling, kept across runs and replicas (see
service/jobs/held_mailboxes.py): until when each is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select

from service.domain.holds import renewed_until
from service.domain.records import MailboxHold
from service.store.base import Repository
from service.store.models import MailboxHoldRow

# How long an ended hold is kept: `since` carries on through a hold renewed within it (a
# mailbox throttled for hours is said as such, not as a new hold each time).
KEPT_AFTER = timedelta(days=1)
# (mailbox_holds) The holds not over at ``now``, soonest free first, as MailboxHold's fields.
_HELD = select(MailboxHoldRow.mailbox, MailboxHoldRow.until, MailboxHoldRow.since,
               MailboxHoldRow.code, MailboxHoldRow.message).where(
    MailboxHoldRow.until > bindparam("now")).order_by(MailboxHoldRow.until, MailboxHoldRow.mailbox)


class MailboxHoldRepository(Repository):
    """One row per mailbox held, or held lately."""

    def hold_mailbox(self, mailbox: str, until: datetime, now: datetime, code: str,
                     message: str, *, longest: timedelta | None = None) -> MailboxHold:
        """Leave ``mailbox`` alone until ``until`` (or a later end another run of any replica
        set meanwhile): the hold as it now stands. ``longest``: a mailbox held lately is held
        at least as long as its spell so far, up to it (domain/holds.py). Ended holds a day
        old go."""
        return self._racing("mailbox_hold", lambda: self._hold_mailbox(
            mailbox, until, now, code, message, longest))

    def _hold_mailbox(self, mailbox: str, until: datetime, now: datetime, code: str,
                      message: str, longest: timedelta | None) -> MailboxHold:
        with self.session() as s, s.begin():
            s.execute(delete(MailboxHoldRow).where(MailboxHoldRow.until < now - KEPT_AFTER,
                                                   MailboxHoldRow.mailbox != mailbox))
            row = s.get(MailboxHoldRow, mailbox, with_for_update=True)  # (PostgreSQL)
            if row is None:
                row = MailboxHoldRow(mailbox=mailbox, until=until, since=now, code=code,
                                     message=message)
                s.add(row)
            else:
                if row.until < now - KEPT_AFTER:
                    row.since = now  # a new spell, not the old one's
                elif longest is not None:
                    until = max(until, renewed_until(now, row.since, row.until, longest))
                row.until = max(row.until, until)
                row.code, row.message = code, message
            s.flush()
            return _hold(row)

    def drop_ended_holds(self, now: datetime) -> int:
        """Drop the holds ended over ``KEPT_AFTER`` before ``now`` (the daily retention
        step): each names a mailbox and quotes Graph, and a tenant throttled once writes no
        later hold to drop them; how many went."""
        with self.session() as s, s.begin():
            done = s.execute(delete(MailboxHoldRow).where(
                MailboxHoldRow.until < now - KEPT_AFTER))
            return int(done.rowcount or 0)  # type: ignore[attr-defined]

    def mailbox_holds(self, now: datetime) -> list[MailboxHold]:
        """The mailboxes left alone at ``now``, soonest free first."""
        with self.reading_rows() as s:  # (every run asks: columns, see reading_rows)
            return [MailboxHold(**r._mapping) for r in s.execute(_HELD, {"now": now})]


def _hold(row: MailboxHoldRow) -> MailboxHold:
    return MailboxHold(mailbox=row.mailbox, until=row.until, since=row.since, code=row.code,
                       message=row.message)
