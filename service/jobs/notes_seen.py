"""What this run's reads of the managers' calendars tell the notes step.

A meeting's notes fall due at its end (plus the grace period). Rather than read each such
meeting's event, the occurrence sync reads its manager's calendar (``calendarView/delta``:
one request for all of that manager's meetings, which also vouches for their re-reads and
serves as the look before their next meetings): every meeting with an agenda in it is an
exception, which a delta read lists in full, body included, whenever it changed. So a
meeting the read lists is read back from that listing, and one it does not list is as the
read before saw it; each read marks a meeting not read back yet whose agenda it shows with
something typed in it (or gone), so one never marked, that the read does not list, still
has its agenda exactly as written: no notes. Anything else is read on its own, as before;
and so is one with nothing in it but its agenda (see jobs/capture.py), unless it is known
held or declined: a read's silence does not prove it took place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from service.domain.readback import CalendarRead, block_as_written, reach
from service.domain.records import OccurrenceRecord, PairingView, SeriesRecord
from service.domain.series import next_agenda_due
from service.domain.status import OccurrenceStatus, PairingStatus, SeriesStatus
from service.jobs.context import JobContext
from service.store.calendar_delta import DeltaLink
from service.store.due import merged_read_backs

# Meetings whose fate is known: nothing a read shows of them is news.
SETTLED = (OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN)


def read_backs_now(ctx: JobContext, now: datetime
                   ) -> tuple[list[tuple[OccurrenceRecord, str]],
                              list[tuple[OccurrenceRecord, str]]]:
    """(meetings read back whose next look has come by now; meetings whose first read-back
    is due now, as the notes step finds them), each with its calendar's mailbox (lower
    case), by end; in one statement."""
    cfg = ctx.settings.agenda
    grace = timedelta(minutes=cfg.grace_minutes)
    recapture = timedelta(days=cfg.recapture_days)
    firsts, again = ctx.store.read_backs_apart(now, now - reach(recapture),
                                               now - grace + timedelta(seconds=1))
    return again, [(occ, mailbox) for occ, mailbox in merged_read_backs(firsts, again)
                   if occ.captured_at is None and occ.event_id]


def next_agendas(ctx: JobContext, occurrences: Iterable[OccurrenceRecord],
                 contexts: Mapping[int, tuple[SeriesRecord, PairingView]] | None = None
                 ) -> dict[int, datetime]:
    """Occurrence id -> when what the pair's next meeting carries of the notes falls due:
    its agenda, or its prep mail when that goes (it lists the topics still open), by the
    pattern of the pair's live series, or of the meeting's own series while a follow-on
    has superseded it (the pair meets on it up to its range end: its next meeting comes
    before the follow-on's first), in the manager's zone and working days. For the re-reads
    of meetings whose summary is out, which may wait until shortly before it
    (``domain.readback``); none for a pair that has ended or has no such series. Only
    those meetings are looked up (one read of their series when ``contexts`` is not
    given)."""
    held = [occ for occ in occurrences
            if occ.status == OccurrenceStatus.HELD and occ.captured_at is not None]
    if not held:
        return {}
    if contexts is None:
        contexts = ctx.store.occurrence_contexts(held)
    lead = ctx.settings.agenda.lead_working_days
    if ctx.settings.sends_prep_mail:
        lead = max(lead, ctx.settings.mail.prep_working_days)
    out: dict[int, datetime] = {}
    for occ in held:
        found = contexts.get(occ.id)
        if found is None:
            continue
        own, view = found
        if view.pairing.status != PairingStatus.ACTIVE:
            continue
        days = frozenset(view.manager.working_days or (0, 1, 2, 3, 4))
        # (series, whether it runs on): the pair's live series (a new one after a cadence
        # change), and the meeting's own while it is superseded.
        meeting_on: list[tuple[SeriesRecord, bool]] = []
        if view.series is not None and view.series.status == SeriesStatus.ACTIVE:
            meeting_on.append((view.series, True))
        if own.status == SeriesStatus.SUPERSEDED:
            meeting_on.append((own, False))
        dues = [next_agenda_due(series, occ, lead_working_days=lead, working_days=days,
                                open_ended=open_ended) for series, open_ended in meeting_on]
        due = min((d for d in dues if d is not None), default=None)
        if due is not None:
            out[occ.id] = due
    return out


def unread_since_due(ctx: JobContext, firsts: list[tuple[OccurrenceRecord, str]],
                     links: Mapping[str, DeltaLink]) -> list[tuple[OccurrenceRecord, str]]:
    """Those whose calendar has not been read since their notes fell due: it is read for
    them. (One read back in vain after such a read, its pair claimed by another run or its
    read failing, is read on its own: its calendar is not read again every run for it.)"""
    grace = timedelta(minutes=ctx.settings.agenda.grace_minutes)
    out = []
    for occ, mailbox in firsts:
        link = links.get(mailbox)
        if link is None or link.read_at is None or link.read_at < occ.end + grace:
            out.append((occ, mailbox))
    return out


def still_to_come(ctx: JobContext, firsts: list[tuple[OccurrenceRecord, str]]
                  ) -> dict[str, list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]]:
    """Mailbox -> the meetings among ``firsts`` (whose notes fell due by their recorded
    time), with their series and pairing, of series the sync follows: one of them may not
    have happened. A whole-series edit in Outlook (a new end date) drops every exception,
    so a meeting onetoone moved earlier goes back to its own, later slot, and the read of
    its calendar made for its notes is then the first to say so: the sync follows it as a
    meeting to come (its absence check made again before it)."""
    if not firsts:
        return {}
    views = ctx.store.series_views({occ.series_id for occ, _mailbox in firsts})
    out: dict[str, list[tuple[OccurrenceRecord, SeriesRecord, PairingView]]] = {}
    for occ, mailbox in firsts:
        found = views.get(occ.series_id)
        if found is not None and found.series.status in (
                SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED) and occ.rebook_of is None:
            out.setdefault(mailbox, []).append((occ, found.series, found.view))
    return out


def changed_unread(ctx: JobContext, reads: dict[str, CalendarRead]) -> list[int]:
    """The meetings not read back yet that these reads show changed (to be marked so: their
    notes are then read from the event, not assumed): listed with something typed in their
    agenda, or their agenda gone; or gone themselves (``CalendarRead.gone``: deleted or
    cancelled in Outlook, which a read of the changes may show only by listing the rest of
    the series again), so one never marked is not taken for held without notes when it was
    not held at all. (A meeting still to come found gone is also listed with its series.)"""
    if not reads:
        return []
    start = min(read.start for read in reads.values())
    end = max(read.end for read in reads.values())
    unread = ctx.store.unread_meetings_of(reads, start, end)
    out = []
    for (mailbox, event_id), (occ, master_id) in unread.items():
        read = reads.get(mailbox)
        if read is None:
            continue
        event = read.events.get(event_id)
        if event is not None:
            # A pending meeting with a fingerprint may hold a block a run wrote but did not
            # record (its next run records it as written, whatever was typed since): marked
            # too.
            if occ.agenda_fingerprint is not None and not block_as_written(event, occ):
                out.append(occ.id)
        elif occ.status not in SETTLED and read.gone(event_id, master_id, occ.start):
            out.append(occ.id)
    return out
