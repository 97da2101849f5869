"""Prep mails queued in an earlier run, read against their meetings in Outlook before they go.

A prep mail whose send was deferred (throttled, the per-minute cap, not signed in, Graph
unreachable) goes in a later run. By then the manager may have cancelled or deleted the
meeting in Outlook, or the report declined it, and the store does not know yet: it lists a
series' meetings only when their agenda falls due, a working day or more after the prep
mail, and follows a recorded one only from the day before it (jobs/occurrences.py). So the
few such mails about to go have their meetings read now, and recorded as read, and are
judged on that (``outbox._recheck_preps``); a mail whose meeting could not be read waits
for the next run rather than going on what the store says.

Cost: one listing of the meeting's series from now to the meeting (``occurrences.list_now``,
the sync's own listing: it finds a meeting deleted, cancelled, declined or moved, and records
it so), several of one manager's series in one calendar view; one GET for a meeting booked
in place of a missed one (a single event, in no series' listing). Only for mails queued in an
earlier run that this run would send: usually none. A series whose listing failed lately is
not listed again until the sync would list it (``domain.series.listing_retry_at``): a
calendar refused to the app costs a few requests a day, not one per run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from service.domain.instances import report_declined
from service.domain.records import MailRecord, OccurrenceRecord, SeriesRecord
from service.domain.series import occurrences
from service.domain.status import MEETING_SERIES, OccurrenceStatus
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.jobs.occurrences import list_now

log = logging.getLogger("service.jobs.mail")  # the mail.* events' logger

SINGLE_SELECT = "start,end,isCancelled,attendees"


class MeetingDue(Protocol):
    """What ``outbox.preps_due`` says of a prep mail's meeting (``outbox.PrepDue``)."""

    @property
    def stored(self) -> OccurrenceRecord | None: ...  # its row, if the store holds it
    @property
    def start(self) -> datetime: ...  # where it is now
    @property
    def slot(self) -> datetime: ...  # its slot in its series' pattern


async def read_meetings(ctx: JobContext, going: Sequence[tuple[MailRecord, MeetingDue]],
                        now: datetime) -> set[int]:
    """Read the meetings of these prep mails (each with what ``preps_due`` says of it) as
    Outlook has them now, and record what was found in the store. The ids of the mails
    whose meetings were read: the others' could not be (the failure is logged)."""
    until: dict[int, datetime] = {}
    needs: dict[int, set[int]] = {}  # mail id -> the series its meeting is listed from
    single: list[tuple[MailRecord, OccurrenceRecord]] = []
    for row, due in going:
        occ = due.stored
        if occ is not None and occ.rebook_of is not None:
            single.append((row, occ))
            continue
        # (Past where it is now too: moved later, it is looked for in the listing.)
        at = max(due.slot, due.start) + timedelta(minutes=1)
        several = _series_of(ctx, row.pairing_id, due.slot, occ)
        if not several or any(one.listing_retry_at is not None and one.listing_retry_at > now
                              for one in several):
            # Its listing failed lately and is held off (domain.series.listing_retry_at), as
            # the sync's is: the mail waits for the run that may list it again.
            continue
        for one in several:
            until[one.id] = max(at, until.get(one.id, at))
        needs[row.id] = {one.id for one in several}
    read: set[int] = set()
    if until:
        listed, report = await list_now(ctx, now, until)
        read = {mail for mail, ids in needs.items() if ids and ids <= listed}
        for failure in report.failed:
            log.warning("mail.prep_meeting_unread", extra={"error": failure})
    if single:
        views = ctx.store.active_views(row.pairing_id for row, _occ in single)
        for row, occ in single:
            view = views.get(row.pairing_id)
            if view is not None and await _read_single(ctx, row, occ, view.report.email, now):
                read.add(row.id)
    return read


def _series_of(ctx: JobContext, pairing_id: int, slot: datetime,
               stored: OccurrenceRecord | None) -> list[SeriesRecord]:
    """The series that lists the meeting: the stored meeting's, else the pair's (live or
    superseded by a follow-on) whose pattern has ``slot``."""
    return [one for one in ctx.store.pairing_series(pairing_id)
            if one.status in MEETING_SERIES and one.event_id and (
                one.id == stored.series_id if stored is not None else
                any(start == slot for start, _end in
                    occurrences(one, slot, slot + timedelta(minutes=1))))]


async def _read_single(ctx: JobContext, row: MailRecord, occ: OccurrenceRecord,
                       report_email: str, now: datetime) -> bool:
    """A meeting booked in place of a missed one, read by its id and recorded as the read
    back of it would record it (jobs/capture.py): gone or cancelled, declined by the
    report, or where it is now. Whether it was read."""
    try:
        event = await ctx.graph.get_event(row.mailbox, occ.event_id, SINGLE_SELECT)
    except ServiceError as exc:
        log.warning("mail.prep_meeting_unread", extra={"key": row.key, "error": str(exc)})
        return False
    store = ctx.store
    if event is None or event.cancelled or event.start is None or event.end is None:
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.CANCELLED)
        return True
    status = (OccurrenceStatus.MOVED if event.start != occ.original_start
              else OccurrenceStatus.SCHEDULED)
    if report_declined(event, report_email):
        status = OccurrenceStatus.DECLINED
    if (status, event.start, event.end) != (occ.status, occ.start, occ.end):
        store.update_occurrence(occ.id, now, start=event.start, end=event.end, status=status)
    return True
