"""What an agenda recalls from the store: the pair's previous held 1-2-1 for its Last time
section, the report-led share over the last meetings, and which questions suit the pair.

An agenda is rendered again after the meeting (capture compares the notes with it line by
line, so the agenda's own lines are never kept as notes). Its Last time must then recall the
meeting it recalled when it was written, even if a later read of notes has since made
another one "the last held": the choice is stored with the meeting (``agenda_memory``) and
used whenever the agenda is not being written afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from service.config import Settings
from service.domain.agenda import MAILED_BOTH, MAILED_REPORT, NOT_MAILED, LastTime, Topic
from service.domain.questions import (
    Question,
    QuestionRules,
    eligible,
    is_new_starter,
    pick_question,
)
from service.domain.records import OccurrenceRecord, PairingView, TopicRecord
from service.domain.share import Share, measure
from service.domain.status import AgendaState, OccurrenceStatus, TopicStatus
from service.domain.timezones import local_date
from service.store.privacy import ERASED
from service.store.repo import Store


@dataclass(frozen=True)
class Recalled:
    """What the store gave one agenda: its Last time (and which meeting that is), and the
    report-led share over the pair's last meetings, this one included; ``first``: no earlier
    meeting of the pair took place (held, or ended with no notes, which may have taken
    place): nothing to look back on."""

    last_time: LastTime | None
    last_time_id: int | None
    recent: Share
    first: bool = False


def recall(store: Store, view: PairingView, occ: OccurrenceRecord, zone: str,
           today: Sequence[int], *, fresh: bool,
           meetings: Sequence[OccurrenceRecord] | None = None) -> Recalled:
    """Last time and the share for ``occ`` whose agenda shows the topics ``today``.

    ``fresh``: the agenda is being written now (choose the previous held meeting anew);
    otherwise the meeting its agenda recalled when written is recalled again. ``meetings``:
    the pair's ``pairing_occurrences`` when the caller has just read them."""
    pairing_id = view.pairing.id
    if meetings is None:
        meetings = store.pairing_occurrences(pairing_id)
    memory = (None if fresh or occ.id == 0 or occ.agenda_state != AgendaState.INJECTED
              else store.agenda_memory(occ.id))
    if memory is not None:
        prev = next((o for o in meetings if o.id == memory.last_time_id), None)
    else:
        held = [o for o in meetings if o.id != occ.id and o.status == OccurrenceStatus.HELD
                and o.start < occ.start]
        prev = max(held, key=lambda o: o.start) if held else None
    topics = store.pair_topics(pairing_id)
    earlier = [o.agenda_topics for o in meetings
               if o.id != occ.id and o.start < occ.start
               and o.agenda_state == AgendaState.INJECTED
               and o.status != OccurrenceStatus.CANCELLED]
    recent = measure([*earlier, tuple(today)], {t.id: t.by for t in topics})
    # A pairing's own meetings: a mover's new pair, or a new manager's, starts afresh.
    first = not any(o.id != occ.id and o.start < occ.start and o.status in _TOOK_PLACE
                    for o in meetings)
    if prev is None:
        return Recalled(None, None, recent, first)
    return Recalled(_last_time(store, prev, topics, zone), prev.id, recent, first)


_TOOK_PLACE = (OccurrenceStatus.HELD, OccurrenceStatus.HELD_NO_NOTES)


def _last_time(store: Store, prev: OccurrenceRecord, topics: Sequence[TopicRecord],
               zone: str) -> LastTime:
    """The previous meeting as its next agenda shows it: the topics done with there (open
    ones are on this agenda anyway), its shared notes (``store.notes`` never returns
    private ones) and the report's comments on it. Erased words are left out."""
    shown = set(prev.agenda_topics)
    done = [t for t in topics if t.text != ERASED and (
        t.discussed_occurrence_id == prev.id
        or (t.id in shown and t.status != TopicStatus.OPEN
            and t.discussed_occurrence_id is None))]
    return LastTime(
        start=prev.start.astimezone(ZoneInfo(zone)),
        topics=tuple(Topic(id=t.id, text=t.text, by=t.by, raised_on=t.raised_on)
                     for t in done),
        notes=tuple(n.text for n in store.notes(prev.id) if n.text != ERASED),
        comments=tuple(c.text for c in store.report_comments(prev.id) if c.text != ERASED),
    )


def question_for(store: Store, settings: Settings, view: PairingView, occ: OccurrenceRecord,
                 bank: Sequence[Question], zone: str, *, first: bool = False
                 ) -> Question | None:
    """The meeting's open question: the one its agenda already has, else a new pick from
    the questions that suit the pair now (none when none do). ``zone``: the series', where
    the meeting's day is counted. ``first``: the pair's first meeting (``Recalled``)."""
    if not bank:
        return None
    if occ.question_id:
        asked = next((q for q in bank if q.id == occ.question_id), None)
        if asked is not None:
            return asked
    cfg = settings.agenda
    rules = QuestionRules(change_at_work=cfg.change_questions,
                          sensitive=cfg.sensitive_questions)
    # On the meeting's own day, as the hire date is a day: a Sydney 09:00 is the day before
    # in UTC, a Los Angeles 17:00 the day after.
    new = is_new_starter(view.report.hire_date, local_date(occ.start, zone),
                         settings.policy.new_starter_days)
    pool = eligible(bank, rules, new_starter=new, first=first)
    if not pool:
        return None
    return pick_question(pool, store.used_questions(view.pairing.id), view.pairing.key,
                         max(occ.meeting_number, 1))


def notes_mailed(settings: Settings) -> str:
    """Who is emailed what the manager types under Notes, for the hint that says so."""
    mail = settings.mail
    if not mail.summaries:
        return NOT_MAILED
    return MAILED_BOTH if mail.cc_manager else MAILED_REPORT
