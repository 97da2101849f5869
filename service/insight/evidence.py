"""`onetoone evidence`: a dated record of one person's 1-2-1s, as HTML and PDF.

For each meeting in the period: its date and what happened, the agenda's topics, the notes
and actions as first read back and each later edit with the time it was read (the store
keeps every version: note_versions), notes added with the CLI, the summary as it was mailed
(the outbox keeps what went), and the actions agreed with their history; then the topics the
report raised; then what is not tied to a meeting (notes and actions added before the pair's
first meeting, mail about no one meeting such as the service's replies to mailed-in topics
and notes, the report's comments on no meeting of the pair), dated by when each was added or
queued. Private notes, and versions of them, are left out unless asked for, and the first
page says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from service.domain.attendance import skipped_for_absence
from service.domain.htmltext import html_to_text
from service.domain.insight import READ_BACK_SLACK, Period, pair_zone
from service.domain.records import (
    ActionRecord,
    MailRecord,
    NoteRecord,
    OccurrenceRecord,
    PairingView,
    TopicRecord,
)
from service.domain.status import ActionStatus
from service.domain.summary_notes import Subject, spelled_out
from service.domain.wording import zone_label
from service.render import render

# A pair's actions and topics by id, what a comment typed beside one is about.
Subjects = tuple[Mapping[int, Subject], Mapping[int, Subject]]

ERASED = "[erased]"

# Notes other than the versions read back: how each came to be written.
SOURCE_WORDS = {"cli": "added with `onetoone notes add`", "mail": "mailed in by the manager",
                "outlook": "as read back"}
# The service's reply to a private note the manager mailed in: it doesn't quote the note, but
# it says there is one (and when), so it goes with private notes, only when they are shown.
PRIVATE_MAIL_KINDS = frozenset({"private_reply"})
# Ticks (a summary's "Done since last time", a manager's ✓) are not in the PDF's fonts: as the
# agenda's own box, not "?", which reads as doubt in a record of what was done.
_TICKS = str.maketrans({"✓": "[x]", "✔": "[x]", "☑": "[x]", "✅": "[x]"})
STATUS_WORDS = {"scheduled": "scheduled", "moved": "moved", "cancelled": "cancelled",
                "declined": "declined by the report", "held": "held (notes recorded)",
                "held_no_notes": "passed, no notes recorded"}
# A meeting whose time is long past with one of these statuses was never read back.
UNREAD = {"scheduled": "", "moved": "moved; "}
UNKNOWN_WORDS = "outcome not known (its notes could not be read back)"
# A meeting onetoone skipped for either person's long absence: not one anyone failed to
# hold, so it says so; what Outlook then showed follows, for the record.
ABSENCE_WORDS = "skipped for a long absence"
ABSENCE_AFTER = {"cancelled": "cancelled", "declined": "declined by the report",
                 "held_no_notes": "no notes recorded"}


def status_words(occ: OccurrenceRecord, now: datetime | None = None) -> str:
    """What became of a meeting, in words (as seen at ``now``, when given)."""
    if not skipped_for_absence(occ.status, occ.absence_state):
        if (now is not None and occ.status in UNREAD
                and occ.end + READ_BACK_SLACK <= now):
            # Long past and never read back (the read-back kept failing): not "scheduled",
            # which reads as still to come; the report counts it as outcome unknown.
            return f"{UNREAD[occ.status]}passed, {UNKNOWN_WORDS}"
        return STATUS_WORDS.get(occ.status, occ.status)
    after = ABSENCE_AFTER.get(occ.status)
    return f"{ABSENCE_WORDS} ({after})" if after else ABSENCE_WORDS


@dataclass(frozen=True)
class ActionAsRead:
    """An action line of the Actions agreed area, as the parser understood it then."""

    owner: str
    text: str
    due: date | None
    done: bool  # typed with a ticked box

    @property
    def tail(self) -> str:
        """Our words after the owner and the text: " (due 2026-12-20) [done]"."""
        due = f" (due {self.due:%Y-%m-%d})" if self.due else ""
        return due + (" [done]" if self.done else "")


@dataclass(frozen=True)
class ReadBack:
    """One version of a meeting's notes and agreed actions as read back from Outlook: the
    store keeps the first reading and each later one that differed (an edit)."""

    occurrence_id: int
    number: int  # 1: as first read
    private: bool
    read_at: datetime
    notes: tuple[str, ...]
    actions: tuple[ActionAsRead, ...]
    erased: bool  # by forget or retention: notes and actions are then empty


@dataclass(frozen=True)
class Comment:
    """Something the report added to a meeting's record (kept by their own feature)."""

    occurrence_id: int | None
    at: datetime
    text: str


@dataclass(frozen=True)
class PairInput:
    """What the store holds about one of the person's pairs."""

    view: PairingView
    occurrences: Sequence[OccurrenceRecord]
    actions: Sequence[ActionRecord]
    topics: Sequence[TopicRecord]
    # Versions read back, and notes added with the CLI; private ones only when to be shown.
    notes: Sequence[NoteRecord | ReadBack]
    mail: Sequence[MailRecord]
    # The report's comments on a meeting: the hook for whoever stores them (issue 12).
    comments: Sequence[Comment] = ()


@dataclass(frozen=True)
class NoteVersion:
    label: str  # "as first read <time>", "edited <time>", "added with `notes add` <time>"
    private: bool
    text: str  # "" when erased or when nothing was typed
    actions: tuple[ActionAsRead, ...]  # (the owner and the text outside text: set apart)
    erased: bool


@dataclass(frozen=True)
class Mailed:
    kind: str
    subject: str
    status: str
    sent: str
    text: str  # "" once erased
    queued: str = ""  # when it was recorded: what dates a mail of no meeting


@dataclass(frozen=True)
class ActionLine:
    owner: str
    text: str
    history: tuple[str, ...]


@dataclass(frozen=True)
class Meeting:
    when: str
    status: str
    topics: tuple[str, ...]
    notes: tuple[NoteVersion, ...]
    mailed: tuple[Mailed, ...]
    actions: tuple[ActionLine, ...]
    comments: tuple[tuple[str, str], ...] = ()  # (when, text)


@dataclass(frozen=True)
class PairRecord:
    role: str  # "as report" | "as manager"
    manager: str
    report: str
    meetings: tuple[Meeting, ...]
    report_topics: tuple[tuple[str, str, str], ...]  # raised on, text, what became of it
    erased: int  # items whose words were erased (forget or retention)
    # Notes and actions of no meeting (`notes add` before the first one), in the period by
    # when they were added: a subject-access record must not drop them.
    unattached_notes: tuple[NoteVersion, ...] = ()
    unattached_actions: tuple[ActionLine, ...] = ()
    # Mail about no meeting (the replies to mailed-in topics and notes, a prep mail for a
    # meeting not yet stored), in the period by when it was queued; and the report's
    # comments on no meeting of this pair, by when they came.
    unattached_mail: tuple[Mailed, ...] = ()
    unattached_comments: tuple[tuple[str, str], ...] = ()  # (when, text)


@dataclass(frozen=True)
class Evidence:
    name: str
    email: str
    period: Period
    include_private: bool
    as_manager: bool
    generated: str
    pairs: tuple[PairRecord, ...]


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(local)}"


def _words(text: str) -> str:
    return "" if text == ERASED else text


def _mailed(m: MailRecord, zone: ZoneInfo) -> Mailed:
    return Mailed(m.kind, _words(m.subject), m.status, _at(m.sent_at, zone),
                  "" if m.body_html == ERASED else html_to_text(m.body_html),
                  _at(m.created_at, zone))


def _versions(notes: Sequence[NoteRecord | ReadBack], zone: ZoneInfo,
              subjects: Subjects = ({}, {}), names: tuple[str, str] | None = None
              ) -> tuple[NoteVersion, ...]:
    """A meeting's notes in the order they were written: each version read back (the first,
    then every edit), each note added with the CLI; notes stored in one read (one row per
    paragraph) before versions were kept make one version. A comment typed beside a carried
    action or topic names it (``subjects``: the pair's, by id), not its "(#17)", which the
    record shows nowhere."""
    def said(lines: Iterable[str]) -> str:
        return "\n".join(spelled_out(line, *subjects, names=names) for line in lines)

    dated: list[tuple[datetime, int, NoteVersion]] = []
    groups: dict[tuple[datetime, str, bool], list[str]] = {}
    for n in notes:
        if isinstance(n, ReadBack):
            when = _at(n.read_at, zone)
            label = f"as first read {when}" if n.number == 1 else f"edited {when}"
            dated.append((n.read_at, n.number, NoteVersion(
                label, n.private, said(n.notes), tuple(n.actions), n.erased)))
        else:
            groups.setdefault((n.created_at, n.source, n.private), []).append(n.text)
    for (at, source, private), texts in groups.items():
        words = [t for t in texts if t != ERASED]
        how = SOURCE_WORDS.get(source, f"added ({source})")
        dated.append((at, 0, NoteVersion(f"{how} {_at(at, zone)}", private, said(words),
                                         (), not words)))
    return tuple(v for *_, v in sorted(dated, key=lambda d: (d[0], d[1])))


def _history(a: ActionRecord, dates: dict[int, str], zone: ZoneInfo, *,
             at_meeting: bool = True) -> tuple[str, ...]:
    # With no meeting, the day it was agreed says little: the time it was added is its date.
    first = (f"agreed {a.raised_on:%Y-%m-%d}" if at_meeting
             else f"added {_at(a.created_at, zone)}, not at a meeting")
    out = [first + (f", due {a.due:%Y-%m-%d}" if a.due else "")]
    if a.carried:
        out.append(f"carried to {a.carried} later agenda(s)")
    if a.status == ActionStatus.DONE and a.text != ERASED:
        where = dates.get(a.closed_occurrence_id or 0)
        out.append(f"done {_at(a.closed_at, zone)}" + (f" (at the 1-2-1 of {where})"
                                                        if where else ""))
    elif a.status == ActionStatus.WITHDRAWN:
        out.append(f"withdrawn {_at(a.closed_at, zone)} (its line was edited away)")
    elif a.status == ActionStatus.OPEN:
        out.append("still open")
    return tuple(out)


def _fate(occ: OccurrenceRecord, replacements: dict[int, OccurrenceRecord],
          dates: dict[int, str], zone: ZoneInfo, now: datetime) -> str:
    """What became of a meeting, with its rebooking: the report counts a missed meeting
    that was rebooked as its replacement, so the record says what became of that."""
    words = status_words(occ, now)
    made_up = replacements.get(occ.id)
    if made_up is not None:
        return f"{words}; rebooked for {_at(made_up.start, zone)}: {status_words(made_up, now)}"
    if occ.rebook_of is not None and occ.rebook_of in dates:
        return f"rebooked, for the 1-2-1 of {dates[occ.rebook_of]}: {words}"
    return words


def pair_record(p: PairInput, role: str, period: Period, zone_hint: str | None, *,
                include_private: bool = False) -> PairRecord:
    zone = ZoneInfo(pair_zone(p.view, zone_hint or "UTC"))
    mail = [m for m in p.mail if include_private or m.kind not in PRIVATE_MAIL_KINDS]
    topics = {t.id: t for t in p.topics}
    dates = {o.id: f"{o.start.astimezone(zone):%Y-%m-%d}" for o in p.occurrences}
    erased = 0
    # --from/--to are days where the record dates things (this pair's zone), not UTC days:
    # a Sydney 1-2-1 at 09:30 on 1 January is 22:30 on 31 December in UTC, and would drop
    # out of a record "from 1 January" and show, dated 1 January, in the one before it.
    within = (datetime.combine(period.start, time(), zone),
              datetime.combine(period.end, time(), zone))
    replacements = {o.rebook_of: o for o in p.occurrences if o.rebook_of is not None}
    subjects: Subjects = (
        {a.id: Subject(a.text, owner=a.owner) for a in p.actions if a.text != ERASED},
        {t.id: Subject(t.text, by=t.by) for t in p.topics if t.text != ERASED})
    names = (p.view.manager.name, p.view.report.name)
    meetings: list[Meeting] = []
    for occ in p.occurrences:
        if not within[0] <= occ.start < within[1]:
            continue
        notes = _versions([n for n in p.notes if n.occurrence_id == occ.id], zone, subjects, names)
        # An erased comment stays, shown as erased, as notes do: the record says it was there.
        comments = tuple((_at(c.at, zone), _words(c.text)) for c in p.comments
                         if c.occurrence_id == occ.id)
        mailed = tuple(_mailed(m, zone) for m in mail if m.occurrence_id == occ.id)
        actions = tuple(ActionLine(_words(a.owner), _words(a.text), _history(a, dates, zone))
                        for a in p.actions if a.raised_occurrence_id == occ.id)
        shown = tuple(_words(topics[i].text) for i in occ.agenda_topics if i in topics)
        erased += (sum(1 for n in notes if n.erased) + sum(1 for a in actions if not a.text)
                   + sum(1 for x in mailed if not x.text) + sum(1 for _, t in comments if not t))
        meetings.append(Meeting(_at(occ.start, zone), _fate(occ, replacements, dates, zone,
                                                            period.now),
                                shown, notes, mailed, actions, comments))
    raised: list[tuple[str, str, str]] = []
    for t in p.topics:
        if t.by != "report" or not period.start <= t.raised_on < period.end:
            continue
        fate = (f"discussed at the 1-2-1 of {dates[t.discussed_occurrence_id]}"
                if t.discussed_occurrence_id in dates else t.status)
        erased += t.text == ERASED
        raised.append((f"{t.raised_on:%Y-%m-%d}", _words(t.text), fate))
    # Not tied to a meeting: none given (`notes add` before the first meeting, a note mailed
    # then), or one this pair's meetings don't include. Each is in the period by when it
    # was written, as a meeting is by when it started.
    loose_notes = _versions([n for n in p.notes if n.occurrence_id not in dates
                             and within[0] <= _written(n) < within[1]], zone, subjects, names)
    loose_actions = tuple(
        ActionLine(_words(a.owner), _words(a.text), _history(a, dates, zone, at_meeting=False))
        for a in p.actions if a.raised_occurrence_id not in dates
        and within[0] <= a.created_at < within[1])
    loose_mail = tuple(_mailed(m, zone) for m in mail if m.occurrence_id not in dates
                       and within[0] <= m.created_at < within[1])
    loose_comments = tuple((_at(c.at, zone), _words(c.text)) for c in p.comments
                           if c.occurrence_id not in dates and within[0] <= c.at < within[1])
    erased += (sum(1 for n in loose_notes if n.erased) + sum(1 for a in loose_actions
                                                             if not a.text)
               + sum(1 for x in loose_mail if not x.text)
               + sum(1 for _, t in loose_comments if not t))
    return PairRecord(role, p.view.manager.name, p.view.report.name, tuple(meetings),
                      tuple(raised), erased, loose_notes, loose_actions, loose_mail,
                      loose_comments)


def _written(note: NoteRecord | ReadBack) -> datetime:
    return note.read_at if isinstance(note, ReadBack) else note.created_at


def build(person: tuple[str, str, str | None], pairs: Sequence[tuple[str, PairInput]],
          period: Period, *, include_private: bool, as_manager: bool,
          generated: str) -> Evidence:
    """``person``: (name, email, time zone); ``pairs``: (role, what the store holds)."""
    name, email, zone = person
    records = tuple(pair_record(p, role, period, zone, include_private=include_private)
                    for role, p in pairs)
    return Evidence(name, email, period, include_private, as_manager, generated, records)


def render_html(evidence: Evidence) -> str:
    return render("evidence.html.j2", e=evidence)


def render_pdf(evidence: Evidence) -> bytes:
    """The same record as a PDF (fpdf2: pure Python, no browser), from a simpler HTML."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    # The built-in fonts draw Windows-1252 (PDF's WinAnsiEncoding), which has the ’ “ ” – …
    # Outlook's AutoCorrect puts into notes (Latin-1 has none: "Rob?s plan ? agreed").
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_font("helvetica", size=10)
    html = render("evidence_pdf.html.j2", e=evidence).translate(_TICKS)
    # Other characters become "?" rather than failing.
    pdf.write_html(html.encode("cp1252", "replace").decode("cp1252"))
    return bytes(pdf.output())
