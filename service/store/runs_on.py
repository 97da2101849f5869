"""Ended series still running on in Outlook (no end date there): how far their meetings
are cancelled, and the one mail asking their manager to end them (see domain/runs_on.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, or_, select

from service.domain.records import MailRecord, SeriesRecord
from service.domain.status import SeriesStatus
from service.store import convert
from service.store.base import Repository
from service.store.models import OutboxRow, SeriesRow

# (runs_on_due, each schedule run) Built once; the values are bound when it runs. Found by
# the index on cancelled_to: no other series has one.
_DUE = (select(*convert.columns_of(SeriesRow, SeriesRecord))  # (columns: see reading_rows)
        .where(SeriesRow.cancelled_to.is_not(None),
               SeriesRow.cancelled_to < bindparam("before"),
               SeriesRow.status == SeriesStatus.ENDED,
               or_(SeriesRow.listing_retry_at.is_(None),
                   SeriesRow.listing_retry_at <= bindparam("now")))
        .order_by(SeriesRow.cancelled_to, SeriesRow.id)
        .limit(bindparam("most")))


class RunsOnRepository(Repository):
    """Series whose meetings onetoone keeps cancelling, a stretch at a time."""

    def runs_on_due(self, before: date, now: datetime, most: int) -> list[SeriesRecord]:
        """Up to ``most`` ended series cancelled only to a day before ``before``, the
        oldest stretch first, but for those waiting out a failure (``hold_runs_on``)."""
        with self.reading_rows() as s:
            return [convert.series_from(r) for r in s.execute(
                _DUE, {"before": before, "now": now, "most": most})]

    def running_on(self) -> list[SeriesRecord]:
        """Every ended series onetoone still cancels meetings of."""
        with self.reading() as s:
            return [convert.series(r) for r in s.scalars(
                select(SeriesRow).where(SeriesRow.cancelled_to.is_not(None),
                                        SeriesRow.status == SeriesStatus.ENDED)
                .order_by(SeriesRow.id))]

    def cancelled_further(self, series_id: int, now: datetime, cancelled_to: date | None,
                          notice: MailRecord | None = None) -> bool:
        """Record that the series' meetings are cancelled to ``cancelled_to`` (None: it has
        ended in Outlook, nothing is left to cancel), and queue ``notice`` unless a mail
        with its key exists, in one transaction: a run killed after it never mails again,
        one killed before it does all of it again. Whether the notice was queued now."""
        with self.session() as s, s.begin():
            row = s.get(SeriesRow, series_id)
            if row is None:
                return False
            row.cancelled_to = cancelled_to
            row.listing_failed_at = row.listing_retry_at = None
            row.updated_at = now
            if notice is None or s.scalar(select(OutboxRow.id).where(
                    OutboxRow.key == notice.key)) is not None:
                return False
            s.add(convert.mail_row(notice))
            return True

    def hold_runs_on(self, series_id: int, now: datetime, retry_at: datetime) -> None:
        """The series' stretch could not be cancelled now: not tried again before
        ``retry_at`` (others are meanwhile); ``listing_failed_at`` says since when."""
        with self.session() as s, s.begin():
            row = s.get(SeriesRow, series_id)
            if row is not None:
                row.listing_failed_at = row.listing_failed_at or now
                row.listing_retry_at = retry_at
