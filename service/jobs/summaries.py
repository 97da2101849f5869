"""What the mail around a 1-2-1 says: the notes-and-actions summary to the report, the
reminder to a manager who recorded no notes, and the prep mail before a meeting asking the
report what they'd like to talk about. Building them reads the store; queueing and sending
(and where replies go) is jobs/outbox.py's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.list_fit import topics_listed
from service.domain.records import (
    ActionRecord,
    MailRecord,
    OccurrenceRecord,
    PairingView,
    PersonRecord,
    Recipient,
    SeriesRecord,
)
from service.domain.series import next_meeting as series_next_meeting
from service.domain.status import MEETING_SERIES, ActionStatus, OutboxStatus, SeriesStatus
from service.domain.subjects import subject_name
from service.domain.summary_fit import agreed_within, newest_open, notes_within
from service.domain.summary_notes import Subject, spelled_out
from service.domain.topics import topics_address
from service.domain.wording import (
    DAYS_LONG,
    MONTHS_LONG,
    format_date,
    format_when,
    zone_label,
)
from service.jobs.context import JobContext
from service.render import render
from service.store.privacy import ERASED

NEXT_MEETING_HORIZON = timedelta(days=100)  # longer than any cadence's gap
# The outbox's subject column (store/models.py): a subject naming two display names as long
# as Entra allows (256 each) is longer, and PostgreSQL would refuse the whole mail.
SUBJECT_MAX = 400


@dataclass(frozen=True)
class SummaryAction:
    owner: str
    text: str
    due: str
    done: bool = False  # agreed at this meeting and already done


@dataclass(frozen=True)
class Summary:
    """What the report's email says (never private notes)."""

    report_first: str
    manager_first: str
    when: str
    notes: tuple[str, ...]
    agreed: tuple[SummaryAction, ...]
    closed: tuple[SummaryAction, ...]
    still_open: tuple[SummaryAction, ...]
    next_meeting: str | None
    # With a service mailbox: where topics for next time go, and that a reply is kept with
    # this meeting's record (its Reply-To is set when it is sent).
    topics_address: str = ""
    replies_kept: bool = False
    # What the mail leaves out of the record, said in one line each (domain/summary_fit.py).
    more_notes: str = ""
    more_agreed: str = ""
    more_open: str = ""


def _when(occ: OccurrenceRecord, zone: str) -> str:
    return _when_start(occ.start, zone)


def _when_start(start: datetime, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{local:%A} {format_date(local.date())}"


def reader_zone(zone: str, reader: PersonRecord) -> str:
    """The zone in which a mail to ``reader`` alone names a meeting's day: their mailbox's,
    where their Outlook shows it (a Sydney Tuesday morning is a Monday afternoon in Los
    Angeles), else the meeting's own ``zone``."""
    if not reader.time_zone:
        return zone
    try:
        ZoneInfo(reader.time_zone)
    except (KeyError, ValueError):
        return zone
    return reader.time_zone


def when_for(start: datetime, zone: str, reader: PersonRecord) -> str:
    """``format_when`` in the meeting's zone, and, when the reader's clock (their mailbox's
    zone) shows another time then, that too: a report in New York reading "15:00 GMT" in a
    mail to them alone should not have to work out that it is 10:00 where they are."""
    here = start.astimezone(ZoneInfo(zone))
    text = format_when(here)
    try:
        theirs = ZoneInfo(reader.time_zone) if reader.time_zone else None
    except (KeyError, ValueError):
        return text
    if theirs is None:
        return text
    there = start.astimezone(theirs)
    if there.utcoffset() == here.utcoffset():
        return text
    day = "" if there.date() == here.date() else (
        f"{DAYS_LONG[there.weekday()]} {there.day} {MONTHS_LONG[there.month - 1]} {there.year}, ")
    label = zone_label(there)
    return f"{text} ({day}{there:%H:%M}{' ' + label if label else ''} your time)"


def next_meeting(view: PairingView, stored: list[OccurrenceRecord], after: datetime,
                 holding: Sequence[SeriesRecord] = ()) -> datetime | None:
    """When the pair meets next after ``after`` (see `service.domain.series`).

    The slots of the active series and of ``holding`` (superseded series still holding the
    meetings before their follow-on) count; one still being created may not exist in Outlook.
    """
    series = [s for s in (view.series, *holding)
              if s is not None and s.status in MEETING_SERIES]
    found = series_next_meeting(series, stored, after, within=NEXT_MEETING_HORIZON)
    return found.start if found is not None else None


def build_summary(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
                  now: datetime) -> Summary:
    store = ctx.store

    def item(a: ActionRecord) -> SummaryAction:
        return SummaryAction(a.owner, a.text, format_date(a.due) if a.due else "",
                             done=a.status == ActionStatus.DONE)

    actions = store.actions(view.pairing.id)
    # A comment typed beside a carried action or topic names it, not its "(#17)": the mail
    # shows no such numbers.
    subjects = {a.id: Subject(a.text, owner=a.owner) for a in actions if a.text != ERASED}
    topics = {t.id: Subject(t.text, by=t.by) for t in store.pair_topics(view.pairing.id)
              if t.text != ERASED}
    notes: list[str] = []
    for note in store.notes(occ.id):  # private notes are excluded by the store
        notes.extend(spelled_out(line, subjects, topics)
                     for line in note.text.splitlines() if line.strip())
    holding = [s for s in store.pairing_series(view.pairing.id)
               if s.status == SeriesStatus.SUPERSEDED]
    # After now too: notes typed late go out after the next meeting may have been held.
    upcoming = next_meeting(view, store.pairing_occurrences(view.pairing.id),
                            max(occ.end, now), holding)
    # A pasted thread of megabytes, or years of unticked actions, would make a mail Graph
    # refuses (over 4 MB) or no one reads: the mail carries what fits and says what it leaves
    # out; the store keeps it all.
    shown_notes, more_notes = notes_within(notes)
    still_open, more_open = newest_open(
        [a for a in actions if a.status == ActionStatus.OPEN and a.raised_occurrence_id != occ.id],
        ctx.settings.agenda.actions_shown)
    # (Not one withdrawn: its line was edited or deleted after a read; the store keeps it.)
    agreed, more_agreed = agreed_within(
        [item(a) for a in actions if a.raised_occurrence_id == occ.id
         and a.status != ActionStatus.WITHDRAWN])
    return Summary(
        report_first=view.report.first_name, manager_first=view.manager.first_name,
        when=_when(occ, zone), notes=shown_notes,
        agreed=agreed,
        # (One agreed here as already done is listed once, in the agreed table, as done.)
        closed=tuple(item(a) for a in actions if a.closed_occurrence_id == occ.id
                     and a.raised_occurrence_id != occ.id),
        still_open=tuple(item(a) for a in still_open),
        next_meeting=when_for(upcoming, zone, view.report) if upcoming else None,
        topics_address=_topics_address(ctx, view),
        replies_kept=bool(ctx.settings.mail.topics_mailbox),
        more_notes=more_notes, more_agreed=more_agreed, more_open=more_open,
    )


def _topics_address(ctx: JobContext, view: PairingView) -> str:
    box = ctx.settings.mail.topics_mailbox
    return topics_address(box, view.pairing.key) if box else ""


def summary_mail(ctx: JobContext, view: PairingView, occ: OccurrenceRecord, zone: str,
                 now: datetime) -> MailRecord:
    """The notes and actions of a held meeting, to the report (the manager cc'd if set)."""
    summary = build_summary(ctx, view, occ, zone, now)
    cc = [manager_of(view)] if ctx.settings.mail.cc_manager else []
    return new_mail(occ, view, "summary",
                    subject=f"1-2-1 notes: {subject_name(view.manager.name)} & "
                            f"{subject_name(view.report.name)}, "
                            f"{summary.when}",
                    body=render("summary.html.j2", s=summary), to=[report_of(view)], cc=cc,
                    now=now)


def reminder_mail(view: PairingView, occ: OccurrenceRecord, zone: str, now: datetime,
                  offer: dict[str, Any] | None = None) -> MailRecord:
    """A nudge to a manager who recorded no notes for a meeting; with ``offer`` (the
    rebooking offer's links, see ``jobs.rebook``) it also offers times in case the meeting
    didn't happen, so the manager gets one mail about it, not two. When words were typed
    outside the agenda's lines (``typed_outside``), it says that only what is between them
    is read (and no offer comes with it: see ``readback.known_not_held``)."""
    reminder = {"manager_first": view.manager.first_name,
                "report_name": view.report.name,
                "report_first": view.report.first_name,
                "report_email": view.report.email,
                "when": _when(occ, zone),
                "typed_outside": occ.typed_outside}
    return new_mail(occ, view, "reminder",
                    subject=f"No notes yet: your 1-2-1 with {subject_name(view.report.name)}, "
                            f"{reminder['when']}",
                    body=render("reminder.html.j2", r=reminder, o=offer),
                    to=[manager_of(view)], cc=[], now=now)


def prep_mail(ctx: JobContext, view: PairingView, start: datetime,
              occurrence_id: int | None, zone: str, key: str, now: datetime) -> MailRecord:
    """To the report a few working days before the meeting at ``start``: what would you
    like to talk about? (With a service mailbox a reply goes to the pair's topics address;
    else to the manager.)"""
    listed, left = topics_listed(ctx.store.open_topics(view.pairing.id))
    prep = {"report_first": view.report.first_name,
            "manager_name": view.manager.name,
            "manager_first": view.manager.first_name,
            # The subject's day is the report's own (the body gives both clocks).
            "when": _when_start(start, reader_zone(zone, view.report)),
            "when_time": when_for(start, zone, view.report),
            "replies_add_topics": bool(ctx.settings.mail.topics_mailbox),
            # As the agenda lists them (list_fit): a flood of topics makes no mail too large.
            "topics": [t.text for t in listed],
            "more_topics": f"+ {left} more, kept on the list for later 1-2-1s." if left else ""}
    return MailRecord(
        key=key, kind="prep", pairing_id=view.pairing.id, occurrence_id=occurrence_id,
        mailbox=view.manager.id, to=(report_of(view),), cc=(),
        subject=f"Your 1-2-1 with {subject_name(view.manager.name)} on {prep['when']}: "
                "what would you like "
                "to talk about?",
        body_html=render("prep.html.j2", p=prep), tag=uuid.uuid4().hex,
        status=OutboxStatus.PENDING, attempts=0, last_error="", created_at=now)


def manager_of(view: PairingView) -> Recipient:
    return Recipient(view.manager.name, view.manager.email)


def report_of(view: PairingView) -> Recipient:
    return Recipient(view.report.name, view.report.email)


def new_mail(occ: OccurrenceRecord, view: PairingView, kind: str, *, subject: str, body: str,
             to: list[Recipient], cc: list[Recipient], now: datetime) -> MailRecord:
    """A mail about an occurrence, from the manager's mailbox, keyed "<occurrence>:<kind>"."""
    return MailRecord(
        key=f"{occ.id}:{kind}", kind=kind, pairing_id=view.pairing.id, occurrence_id=occ.id,
        mailbox=view.manager.id, to=tuple(to), cc=tuple(cc), subject=subject[:SUBJECT_MAX],
        body_html=body, tag=uuid.uuid4().hex, status=OutboxStatus.PENDING, attempts=0,
        last_error="", created_at=now)
