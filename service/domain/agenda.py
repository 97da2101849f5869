"""What goes in one occurrence's agenda (pure: dates and ``now`` are arguments).

The guidance (seeds 000-004) shapes it:

- continuity: it opens with "Last time", the previous held meeting's date, topics and a
  few lines of its shared notes (never private ones): "in our last 1-2-1 you mentioned..."
  (002, 004);
- the report leads: their topics come first and the agenda says, in encouraging words, how
  much of it is theirs (seed 000 asks for at least three quarters; see ``share``);
- a check-in on how they are, wellbeing and workload (001, 002, 004);
- continuity: last time's actions, with owner, due date, overdue marker and how many
  times each has been carried (002, 004);
- progress and obstacles, recognition, feedback both ways (001, 003, 004);
- learning and development in some meetings, not only day-to-day work (001): every Nth
  meeting, or when it has not been covered for too long (``AgendaPolicy``);
- one open question from the bank (002);
- every Nth meeting held on Teams, a line suggesting this one be face to face (001, 000:
  ``in_person``);
- a **Notes** area and an **Actions agreed** area the manager types into (003); its hint
  says plainly who is emailed what is typed there.

Two layouts: ``full`` (every standing section) and ``compact``, which fits 30 minutes:
topics, how are you, last time's actions, one focus area in rotation (development when it
is due), the question, notes and actions.

The wording shown in the invite lives here (titles, prompts, hints) so the notes parser can
recognise the agenda's own lines and never mistake them for notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from service.domain.in_person import IN_PERSON_HINT, in_person_due
from service.domain.last_time import (  # (also imported from here)
    MORE_TOPICS,
    NO_SHARED_NOTES,
    TALKED_ABOUT,
    LastTime,
)
from service.domain.list_fit import more_actions, more_topics, newest_listed, topics_listed
from service.domain.missed_line import MissedMeeting  # (also imported from here)
from service.domain.questions import Question
from service.domain.share import FORMER_WORDINGS, Share, share_line, share_wordings

# (Also imported from here by the jobs and the notes parser: the agenda's wording.)
from service.domain.wording import (
    format_date,
    format_when,
    pair_first_names,
)

# Section keys, in the order they appear.
LAST_TIME = "last-time"
TOPICS = "topics"
CHECK_IN = "check-in"
LAST_ACTIONS = "last-actions"
PROGRESS = "progress"
RECOGNITION = "recognition"
DEVELOPMENT = "development"
FEEDBACK = "feedback"
QUESTION = "question"
NOTES = "notes"
ACTIONS_AGREED = "actions-agreed"

TITLES = {
    LAST_TIME: "Last time",
    TOPICS: "Topics",
    CHECK_IN: "How are you?",
    LAST_ACTIONS: "Last time's actions",
    PROGRESS: "Progress and obstacles",
    RECOGNITION: "Recognition",
    DEVELOPMENT: "Development and growth",
    FEEDBACK: "Feedback both ways",
    QUESTION: "An open question",
    NOTES: "Notes",
    ACTIONS_AGREED: "Actions agreed",
}

FULL, COMPACT = "full", "compact"
LAYOUTS = (FULL, COMPACT)
# The compact layout's one focus area, in turn (development takes the turn when it is due).
FOCUS_ROTATION = (PROGRESS, FEEDBACK, RECOGNITION)

# Who is emailed what is typed under Notes ([mail] summaries and cc_manager decide).
MAILED_BOTH, MAILED_REPORT, NOT_MAILED = "both", "report", "none"

# Hint lines shown in the invite (fixed text: the parser ignores them wherever they end up).
# The Last time's actions hint of agendas written before it named who ticks (still in invites).
LAST_ACTIONS_HINT = ("Tick what's done: change [ ] to [x]. "
                     "Anything left unticked carries to next time.")
NO_OPEN_ACTIONS = "Nothing carried over from last time."
# The Notes hint of agendas written before it said who is emailed (still in invites).
NOTES_HINT = ("Type notes below, under this line. onetoone reads them back after the meeting "
              "and keeps them as the record of this 1-2-1.")
# ... and before it named who types (still in invites too).
NOTES_NOT_MAILED = ("Type notes below this line. onetoone keeps them as the record of this "
                    "1-2-1; they are not emailed.")
# Only the manager's copy of the invite is read back (the report's is theirs alone): the
# hints that ask for ticks and notes say whose copy counts.
IN_YOUR_COPY = "in your copy of this invite"
ACTIONS_HINT = "One action per line: who, what, and by when if there's a date."
ACTIONS_EXAMPLE_PREFIX = "For example: "
FOOTER = ("A 1-2-1 is a supportive conversation, never a disciplinary meeting. "
          "Agenda by onetoone.")
HINTS = (LAST_ACTIONS_HINT, NO_OPEN_ACTIONS, NOTES_HINT, NOTES_NOT_MAILED, ACTIONS_HINT,
         NO_SHARED_NOTES, TALKED_ABOUT, MORE_TOPICS, FOOTER, IN_PERSON_HINT)
# prompts() keys that are not sections: every wording the Notes hint and the share line can
# have, and a pair's first meeting's prompts. The notes parser knows each, so a line written
# under another [mail] setting, or before the pair's topics were discussed, is never kept as
# a note.
NOTES_WORDINGS = "notes-wordings"
SHARE_WORDINGS = "share-wordings"
FIRST_MEETING = "first-meeting"


# Prompt lines earlier versions wrote into invites, still known as ours when the notes of a
# meeting whose agenda went in before an upgrade are read back (else they would be notes).
FORMER_PROMPTS = (
    "This is {r}'s time: {r}'s topics come first. Anything not reached carries over to next "
    "time.",
    ACTIONS_EXAMPLE_PREFIX + "{r}: book the course by 12 Dec  ·  [ ] {m} – send the Q1 plan – "
    "Friday",
    "This is {r}'s time: {r}'s topics come first. Tick a topic's box once it has been "
    "discussed; anything not ticked carries over to next time.",
    "Where would you like to be in a year or two?",
    *FORMER_WORDINGS,
)
# ... and those of the areas the manager types into: known there too.
FORMER_TYPING_PROMPTS = (
    "Type notes below this line. After the meeting {r} is emailed what is typed here, and "
    "the Actions agreed go to you both.",
    "Type notes below this line. After the meeting {r} is emailed what is typed here, with "
    "the Actions agreed.",
)


def actions_example(manager_first: str, report_first: str) -> str:
    """The example action line shown under Actions agreed, with the pair's first names."""
    return (f"{ACTIONS_EXAMPLE_PREFIX}{report_first}: book the course by Friday"
            f"  ·  [ ] {manager_first} – share the slides – end of month")


def notes_hint(manager_first: str, report_first: str, mailed: str = MAILED_BOTH) -> str:
    """The Notes area's hint: says plainly who types there, and who is emailed it."""
    r, typing = report_first, f"{manager_first}: type notes below this line, {IN_YOUR_COPY}."
    if mailed == MAILED_BOTH:
        return (f"{typing} After the meeting {r} is emailed what is typed here, and the "
                "Actions agreed go to you both.")
    if mailed == MAILED_REPORT:
        return (f"{typing} After the meeting {r} is emailed what is typed here, with the "
                "Actions agreed.")
    return f"{typing} onetoone keeps them as the record of this 1-2-1; they are not emailed."


def last_actions_hint(manager_first: str) -> str:
    """The hint above last time's actions: who ticks them, and where."""
    return (f"{manager_first}: tick what's done {IN_YOUR_COPY} (change [ ] to [x]). "
            "Anything left unticked carries to next time.")


# A pair's first meeting has no "last time" to look back on (seed 004's reflection starts at
# the second): its Progress prompt asks about now.
PROGRESS_FIRST = "What is {r} working on now, and what comes next?"


def prompts(manager_first: str, report_first: str, mailed: str = MAILED_BOTH, *,
            first: bool = False) -> dict[str, tuple[str, ...]]:
    """The standing prompts of each section, in the product's own words, with the pair's
    first names (``first_name``). ``first``: the pair's first meeting (nothing to look back
    on). The pair is named in the third person, as the invite goes to both."""
    r, m = report_first, manager_first
    progress = (PROGRESS_FIRST.format(r=r) if first
                else "What has moved forward since last time, and what comes next?")
    return {
        LAST_TIME: (),
        TOPICS: (f"This is {r}'s time: {r}'s topics come first. {m}: tick a topic's box "
                 f"{IN_YOUR_COPY} once it has been discussed; anything not ticked carries "
                 "over to next time.",),
        CHECK_IN: (
            "How are things, at work and more generally?",
            "How is the workload: about right, too much, too little?",
        ),
        LAST_ACTIONS: (last_actions_hint(m),),
        PROGRESS: (
            progress,
            f"What's in the way, and what could {m} do to clear it or help prioritise?",
        ),
        RECOGNITION: ("What went well recently, big or small, that deserves a mention?",),
        DEVELOPMENT: (
            f"What would {r} like to learn, try or take on next?",
            "Any training, stretch work, mentoring or secondment worth looking at?",
            f"Where would {r} like to be in a year or two?",
        ),
        FEEDBACK: (
            f"Feedback for {r} on recent work.",
            f"What could {m} do more of, less of, or differently?",
            f"Any questions for {m}? Are these 1-2-1s working for you?",
        ),
        QUESTION: (),
        NOTES: (notes_hint(m, r, mailed),),
        ACTIONS_AGREED: (ACTIONS_HINT, actions_example(m, r)),
        NOTES_WORDINGS: tuple(notes_hint(m, r, w)
                              for w in (MAILED_BOTH, MAILED_REPORT, NOT_MAILED)),
        SHARE_WORDINGS: share_wordings(r, m),
        FIRST_MEETING: (PROGRESS_FIRST.format(r=r),),
    }


@dataclass(frozen=True)
class Topic:
    """Something to talk about, raised by the report or the manager."""

    id: int | None
    text: str
    by: str  # "report" | "manager"
    raised_on: date
    carried: int = 0

    def __post_init__(self) -> None:
        if self.by not in ("report", "manager"):
            raise ValueError(f"Topic.by must be 'report' or 'manager', not {self.by!r}")


@dataclass(frozen=True)
class OpenAction:
    """An action agreed at an earlier meeting and not yet done."""

    id: int
    owner: str
    text: str
    due: date | None
    raised_on: date
    carried: int


@dataclass(frozen=True)
class AgendaPolicy:
    """When development must be on the agenda (seed 001: some meetings, not only day-to-day),
    and how often an online pair is asked to meet face to face (001 too; 0: never)."""

    development_every: int = 3
    development_max_days: int = 60
    in_person_every: int = 4

    def __post_init__(self) -> None:
        if self.development_every < 1:
            raise ValueError("development_every must be at least 1")
        if self.development_max_days < 1:
            raise ValueError("development_max_days must be at least 1")
        if self.in_person_every < 0:
            raise ValueError("in_person_every must be 0 (off) or more")


@dataclass(frozen=True)
class AgendaTopic:
    """A topic as shown: who raised it (first name) and when."""

    topic: Topic
    by_name: str

    @property
    def line(self) -> str:
        """'[ ] text — Alex, raised 3 Dec 2026 (topic #12)': tick to mark it discussed."""
        return f"[ ] {self.topic.text}{self.tail}"

    @property
    def tail(self) -> str:
        """The line after the topic's text (' — Alex, raised 3 Dec 2026 (topic #12)'): the
        template isolates the text (``|bdi``), so a right-to-left topic never reorders it."""
        extra = f", carried {self.topic.carried}×" if self.topic.carried else ""
        marker = f" (topic #{self.topic.id})" if self.topic.id is not None else ""
        return (f" — {self.by_name}, raised "
                f"{format_date(self.topic.raised_on)}{extra}{marker}")


@dataclass(frozen=True)
class AgendaAction:
    """An open action as shown in the agenda."""

    action: OpenAction
    overdue: bool

    @property
    def id(self) -> int:
        return self.action.id

    @property
    def due_text(self) -> str:
        return f"due {format_date(self.action.due)}" if self.action.due else "no due date"

    @property
    def line(self) -> str:
        """'[ ] Sam – send the plan – due 12 Dec 2026 · overdue · carried 2× (#17)'."""
        a = self.action
        parts = [f"[ ] {a.owner} – {a.text} – {self.due_text}"]
        if self.overdue:
            parts.append("overdue")
        if a.carried:
            parts.append(f"carried {a.carried}×")
        return " · ".join(parts) + f" (#{a.id})"


@dataclass(frozen=True)
class Section:
    """One agenda section: a heading and its standing prompts."""

    key: str
    title: str
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class Agenda:
    """Everything one occurrence's agenda shows; rendered by templates/agenda.html.j2."""

    meeting_date: date
    when_text: str
    time_zone: str
    manager_name: str
    report_name: str
    manager_first_name: str  # what the agenda calls them (``first_name``)
    report_first_name: str
    topics: tuple[AgendaTopic, ...]
    report_topics: int
    actions: tuple[AgendaAction, ...]
    sections: tuple[Section, ...]
    question: Question | None
    covers_development: bool
    meeting_number: int
    missed: MissedMeeting | None = None
    last_time: LastTime | None = None
    layout: str = FULL
    # The share over the pair's last meetings (this one included), stored with the meeting.
    recent: Share | None = None
    more_actions_text: str = ""  # the line on open actions left out (see build_agenda)
    more_topics_text: str = ""  # the line on topics left out (list_fit.more_topics)
    in_person: bool = False  # this one is suggested face to face (in_person.py)
    topics_by_mail: bool = True  # topics can be added before the meeting (share.share_line)
    first: bool = False  # the pair's first meeting: nothing to look back on

    @property
    def missed_text(self) -> str:
        """The line saying the last 1-2-1 was missed ("" when it wasn't)."""
        if self.missed is None:
            return ""
        return self.missed.line(self.report_first_name)

    @property
    def in_person_text(self) -> str:
        """The line suggesting this meeting be face to face ("" when it isn't)."""
        return IN_PERSON_HINT if self.in_person else ""

    @property
    def report_share(self) -> float:
        """Fraction of the topics raised by the report (0.0 when there are none)."""
        return self.report_topics / len(self.topics) if self.topics else 0.0

    @property
    def today(self) -> Share:
        """Today's topics: how many, and how many are the report's."""
        return Share(self.report_topics, len(self.topics))

    @property
    def share_text(self) -> str:
        """Encouraging words on whose topics these are (see service/domain/share.py)."""
        return share_line(self.report_first_name, self.manager_first_name, self.today,
                          self.recent, topics_by_mail=self.topics_by_mail)

    @property
    def last_time_lines(self) -> tuple[str, ...]:
        """The Last time section's lines (none for a pair's first meeting)."""
        if self.last_time is None:
            return ()
        return self.last_time.lines(self.manager_name, self.report_name,
                                    self.manager_first_name, self.report_first_name)

    @property
    def last_time_parts(self) -> tuple[tuple[str, str, str], ...]:
        """`last_time_lines` in parts, a person's text apart (``LastTime.parts``)."""
        if self.last_time is None:
            return ()
        return self.last_time.parts(self.manager_name, self.report_name,
                                    self.manager_first_name, self.report_first_name)

    @property
    def header(self) -> str:
        return f"1-2-1 · {self.manager_name} & {self.report_name} · {self.when_text}"

    @property
    def section_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    @property
    def overdue_count(self) -> int:
        return sum(1 for a in self.actions if a.overdue)

    @property
    def no_open_actions(self) -> str:
        return NO_OPEN_ACTIONS

    @property
    def footer(self) -> str:
        return FOOTER

    @property
    def example_action(self) -> str:
        return actions_example(self.manager_first_name, self.report_first_name)


def development_due(
    *, meeting_date: date, meeting_number: int, last_development_on: date | None,
    policy: AgendaPolicy,
) -> bool:
    """Development is on this agenda: every Nth meeting, or when not covered for too long.

    Never covered counts as "too long" from the Nth meeting on (so a new pair starts with
    the day-to-day, and development arrives by meeting N at the latest).
    """
    if meeting_number % policy.development_every == 0:
        return True
    if last_development_on is None:
        return meeting_number >= policy.development_every
    return (meeting_date - last_development_on).days >= policy.development_max_days


def focus_area(meeting_number: int, covers_development: bool, policy: AgendaPolicy,
               turns: int | None = None) -> str:
    """The compact layout's one focus area: development when it is due, otherwise progress,
    feedback and recognition in turn. ``turns``: how many of the pair's earlier meetings had
    one of the three, not the meeting number: development due off its every-Nth turn (a
    monthly pair's, about every other meeting) would use up one's turn, and it would wait a
    round more (nine months). None: as if development came every Nth meeting only."""
    if covers_development:
        return DEVELOPMENT
    earlier = meeting_number - 1
    turn = earlier - earlier // policy.development_every if turns is None else turns
    return FOCUS_ROTATION[turn % len(FOCUS_ROTATION)]


def build_agenda(
    *,
    meeting_start: datetime,
    manager_name: str,
    report_name: str,
    topics: Sequence[Topic],
    open_actions: Sequence[OpenAction],
    meeting_number: int,
    last_development_on: date | None,
    policy: AgendaPolicy,
    question: Question | None,
    missed: MissedMeeting | None = None,
    last_time: LastTime | None = None,
    layout: str = FULL,
    mailed: str = MAILED_BOTH,
    recent: Share | None = None,
    actions_shown: int | None = None,
    focus_turns: int | None = None,  # the compact layout's turn: see focus_area
    online: bool = False,
    given_names: tuple[str, str] = ("", ""),
    topics_by_mail: bool = True,
    first: bool = False,
) -> Agenda:
    """The agenda for one occurrence starting at ``meeting_start`` (aware, manager's zone).

    ``missed``: the pair's previous 1-2-1 didn't happen (the agenda says so, and when).
    ``last_time``: the previous held meeting (None: the pair's first, no Last time section).
    ``mailed``: who is emailed the notes (the Notes hint says so). ``recent``: the share
    over the pair's last meetings, this one included (``share.measure``). ``online``: the
    pair's meetings are Teams meetings (every Nth then suggests one face to face).
    ``actions_shown``: the most open actions listed (None: all). The newest are listed: an
    action carried unticked for months is rarely the one to follow up, and a list that only
    grows buries the rest; the older ones stay open and move up as the listed ones are done.
    Both lists also stay within a size (list_fit.py): no input makes an invite Graph refuses.
    ``given_names``: the manager's and the report's given names from the directory ("":
    none), for what the agenda calls them (``first_name``). ``topics_by_mail``: topics can
    be added before the meeting ([mail] topics_mailbox; the share line). ``first``: no
    earlier meeting of the pair took place: no "since last time", and no Last time's
    actions section unless actions are open (none were carried over)."""
    if meeting_start.tzinfo is None or meeting_start.utcoffset() is None:
        raise ValueError("meeting_start must be timezone-aware (in the manager's zone)")
    if meeting_number < 1:
        raise ValueError("meeting_number is 1-based")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    meeting_date = meeting_start.date()
    m_first, r_first = pair_first_names(manager_name, report_name, given_names)
    names = {"report": r_first, "manager": m_first}
    ordered, topics_left = topics_listed(topics)  # the report's first (seed 000)
    shown = tuple(AgendaTopic(topic=t, by_name=names[t.by]) for t in ordered)
    if actions_shown is not None and actions_shown < 1:
        raise ValueError("actions_shown must be at least 1")
    older, newest = newest_listed(open_actions, actions_shown)
    actions = tuple(AgendaAction(action=a, overdue=a.due is not None and a.due < meeting_date)
                    for a in newest)
    covers = development_due(meeting_date=meeting_date, meeting_number=meeting_number,
                             last_development_on=last_development_on, policy=policy)
    # The report's topics come first ("let the member of staff go first"); the recap of
    # last time sits with its actions, which are followed up next.
    keys = [TOPICS, CHECK_IN, *([LAST_TIME] if last_time is not None else []),
            *([] if first and not actions else [LAST_ACTIONS])]
    if layout == COMPACT:
        keys.append(focus_area(meeting_number, covers, policy, focus_turns))
    else:
        keys += [PROGRESS, RECOGNITION, *([DEVELOPMENT] if covers else []), FEEDBACK]
    if question is not None:
        keys.append(QUESTION)
    keys += [NOTES, ACTIONS_AGREED]
    texts = prompts(m_first, r_first, mailed, first=first)
    sections = tuple(Section(key=k, title=TITLES[k], prompts=texts[k]) for k in keys)
    tz = meeting_start.tzinfo
    return Agenda(
        meeting_date=meeting_date,
        when_text=format_when(meeting_start),
        time_zone=str(getattr(tz, "key", None) or meeting_start.tzname() or ""),
        manager_name=manager_name,
        report_name=report_name,
        manager_first_name=m_first,
        report_first_name=r_first,
        topics=shown,
        report_topics=sum(1 for t in ordered if t.by == "report"),
        actions=actions,
        sections=sections,
        question=question,
        covers_development=covers,
        meeting_number=meeting_number,
        missed=missed,
        last_time=last_time,
        layout=layout,
        recent=recent,
        more_actions_text=more_actions(older, newest, format_date),
        more_topics_text=more_topics(topics_left),
        in_person=in_person_due(meeting_number, policy.in_person_every, online=online),
        topics_by_mail=topics_by_mail,
        first=first,
    )


def _topic_key(t: AgendaTopic) -> tuple[object, ...]:
    topic = t.topic
    if topic.id is not None:
        return ("id", topic.id)
    return ("text", topic.by, " ".join(topic.text.split()).casefold())


def material_change(old: Agenda, new: Agenda) -> bool:
    """True when ``new`` has a topic ``old`` did not (worth spending a meeting update on)."""
    before = {_topic_key(t) for t in old.topics}
    return any(_topic_key(t) not in before for t in new.topics)
