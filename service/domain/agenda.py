"""What goes in one occurrence's agenda (pure: dates and ``now`` are arguments).

The guidance (seeds 000-004) shapes it:

- the report leads: their topics come first and the agenda says how much of it is theirs
  (seed 000 asks for at least three quarters);
- a check-in on how they are, wellbeing and workload (001, 002, 004);
- continuity: last time's actions, with owner, due date, overdue marker and how many
  times each has been carried (002, 004);
- progress and obstacles, recognition, feedback both ways (001, 003, 004);
- learning and development in some meetings, not only day-to-day work (001): every Nth
  meeting, or when it has not been covered for too long (``AgendaPolicy``);
- one open question from the bank (002);
- a **Notes** area and an **Actions agreed** area the manager types into (003).

The wording shown in the invite lives here (titles, prompts, hints) so the notes parser can
recognise the agenda's own lines and never mistake them for notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from service.domain.questions import Question
from service.domain.status import MissedReason

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
DAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Section keys, in the order they appear.
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

# Hint lines shown in the invite (fixed text: the parser ignores them wherever they end up).
LAST_ACTIONS_HINT = ("Tick what's done: change [ ] to [x]. "
                     "Anything left unticked carries to next time.")
NO_OPEN_ACTIONS = "Nothing carried over from last time."
NOTES_HINT = ("Type notes below, under this line. onetoone reads them back after the meeting "
              "and keeps them as the record of this 1-2-1.")
ACTIONS_HINT = "One action per line: who, what, and by when if there's a date."
ACTIONS_EXAMPLE_PREFIX = "For example: "
FOOTER = ("A 1-2-1 is a supportive conversation, never a disciplinary meeting. "
          "Agenda by onetoone.")
HINTS = (LAST_ACTIONS_HINT, NO_OPEN_ACTIONS, NOTES_HINT, ACTIONS_HINT, FOOTER)


def first_name(name: str) -> str:
    """The first word of a display name ("Alex Jones" -> "Alex"); the name if one word."""
    parts = name.split()
    return parts[0] if parts else name


def format_date(d: date) -> str:
    """'12 Dec 2026': unambiguous in every locale and read back by the notes parser."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_day(day: datetime | date) -> str:
    """'Tuesday 8 December 2026'."""
    return f"{DAYS_LONG[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def format_when(start: datetime) -> str:
    """'Tuesday 8 December 2026, 10:00 GMT' in the meeting's own zone, named: both people
    read the same invite body, and they may work in different zones."""
    zone = start.tzname() or ""
    return (f"{DAYS_LONG[start.weekday()]} {start.day} {MONTHS_LONG[start.month - 1]} "
            f"{start.year}, {start:%H:%M}{' ' + zone if zone else ''}")


def actions_example(manager_name: str, report_name: str) -> str:
    """The example action line shown under Actions agreed (uses the pair's first names)."""
    return (f"{ACTIONS_EXAMPLE_PREFIX}{first_name(report_name)}: book the course by 12 Dec"
            f"  ·  [ ] {first_name(manager_name)} – send the Q1 plan – Friday")


def prompts(manager_name: str, report_name: str) -> dict[str, tuple[str, ...]]:
    """The standing prompts of each section, in the product's own words."""
    r, m = first_name(report_name), first_name(manager_name)
    return {
        TOPICS: (f"This is {r}'s time: {r}'s topics come first. "
                 "Anything not reached carries over to next time.",),
        CHECK_IN: (
            "How are things, at work and more generally?",
            "How is the workload: about right, too much, too little?",
        ),
        LAST_ACTIONS: (LAST_ACTIONS_HINT,),
        PROGRESS: (
            "What has moved forward since last time, and what comes next?",
            f"What's in the way, and what could {m} do to clear it or help prioritise?",
        ),
        RECOGNITION: ("What went well recently, big or small, that deserves a mention?",),
        DEVELOPMENT: (
            f"What would {r} like to learn, try or take on next?",
            "Any training, stretch work, mentoring or secondment worth looking at?",
            "Where would you like to be in a year or two?",
        ),
        FEEDBACK: (
            f"Feedback for {r} on recent work.",
            f"What could {m} do more of, less of, or differently?",
            f"Any questions for {m}? Are these 1-2-1s working for you?",
        ),
        QUESTION: (),
        NOTES: (NOTES_HINT,),
        ACTIONS_AGREED: (ACTIONS_HINT, actions_example(manager_name, report_name)),
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
    """When development must be on the agenda (seed 001: some meetings, not only day-to-day)."""

    development_every: int = 3
    development_max_days: int = 60

    def __post_init__(self) -> None:
        if self.development_every < 1:
            raise ValueError("development_every must be at least 1")
        if self.development_max_days < 1:
            raise ValueError("development_max_days must be at least 1")


@dataclass(frozen=True)
class AgendaTopic:
    """A topic as shown: who raised it (first name) and when."""

    topic: Topic
    by_name: str

    @property
    def line(self) -> str:
        """'[ ] text — Alex, raised 3 Dec 2026 (topic #12)': tick to mark it discussed."""
        extra = f", carried {self.topic.carried}×" if self.topic.carried else ""
        marker = f" (topic #{self.topic.id})" if self.topic.id is not None else ""
        return (f"[ ] {self.topic.text} — {self.by_name}, raised "
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


MISSED_REASONS = (MissedReason.CANCELLED, MissedReason.DECLINED, MissedReason.NOT_HELD)


@dataclass(frozen=True)
class MissedMeeting:
    """The pair's last 1-2-1 didn't happen as planned (cancelled, declined, or ended with no
    notes), and whether a single meeting was booked to replace it.

    ``start`` and ``rebooked_start`` are aware, in the meeting's zone. ``this_meeting``: the
    agenda being built is the replacement itself.
    """

    start: datetime
    reason: str  # a MissedReason
    rebooked_start: datetime | None = None
    this_meeting: bool = False

    def __post_init__(self) -> None:
        if self.reason not in MISSED_REASONS:
            words = tuple(str(r) for r in MISSED_REASONS)
            raise ValueError(f"MissedMeeting.reason must be one of {words}")
        if self.start.tzinfo is None:
            raise ValueError("MissedMeeting.start must be timezone-aware")

    def line(self, manager_name: str, report_name: str) -> str:
        """One line, shaped like the agenda's header ("1-2-1 · Sam & Alex · ... · <when>")
        so the notes parser recognises it as ours and never keeps it as a note:
        '1-2-1 · Sam & Alex · the last one was missed (cancelled) and not rebooked ·
        Tuesday 8 December 2026, 10:00 GMT'."""
        why = {MissedReason.CANCELLED: "cancelled",
               MissedReason.DECLINED: f"declined by {first_name(report_name)}",
               MissedReason.NOT_HELD: "no notes recorded"}[MissedReason(self.reason)]
        head = f"1-2-1 · {manager_name} & {report_name} · "
        if self.this_meeting:
            return (f"{head}this meeting replaces the last one, missed ({why}) · "
                    f"{format_when(self.start)}")
        if self.rebooked_start is not None:
            return (f"{head}the last one was missed ({why}) on {format_day(self.start)} and "
                    f"rebooked · {format_when(self.rebooked_start)}")
        return f"{head}the last one was missed ({why}) and not rebooked · {format_when(self.start)}"


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
    topics: tuple[AgendaTopic, ...]
    report_topics: int
    actions: tuple[AgendaAction, ...]
    sections: tuple[Section, ...]
    question: Question | None
    covers_development: bool
    meeting_number: int
    missed: MissedMeeting | None = None

    @property
    def missed_text(self) -> str:
        """The line saying the last 1-2-1 was missed ("" when it wasn't)."""
        if self.missed is None:
            return ""
        return self.missed.line(self.manager_name, self.report_name)

    @property
    def report_first_name(self) -> str:
        return first_name(self.report_name)

    @property
    def manager_first_name(self) -> str:
        return first_name(self.manager_name)

    @property
    def report_share(self) -> float:
        """Fraction of the topics raised by the report (0.0 when there are none)."""
        return self.report_topics / len(self.topics) if self.topics else 0.0

    @property
    def share_text(self) -> str:
        """'3 of 4 topics are Alex's' (or an invitation when there are none yet)."""
        r = self.report_first_name
        if not self.topics:
            return f"No topics yet: {r}, bring anything you'd like to talk about."
        n = len(self.topics)
        noun = "topic is" if n == 1 else "topics are"
        return f"{self.report_topics} of {n} {noun} {r}'s"

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
        return actions_example(self.manager_name, self.report_name)


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
) -> Agenda:
    """The agenda for one occurrence starting at ``meeting_start`` (aware, manager's zone).

    ``missed``: the pair's previous 1-2-1 didn't happen (the agenda says so, and when)."""
    if meeting_start.tzinfo is None or meeting_start.utcoffset() is None:
        raise ValueError("meeting_start must be timezone-aware (in the manager's zone)")
    if meeting_number < 1:
        raise ValueError("meeting_number is 1-based")
    meeting_date = meeting_start.date()
    names = {"report": first_name(report_name), "manager": first_name(manager_name)}
    # Report's first, then manager's; each by raised_on, ties in the order given (stable).
    ordered = sorted(topics, key=lambda t: (t.by != "report", t.raised_on))
    shown = tuple(AgendaTopic(topic=t, by_name=names[t.by]) for t in ordered)
    actions = tuple(
        AgendaAction(action=a, overdue=a.due is not None and a.due < meeting_date)
        for a in sorted(open_actions, key=lambda a: (a.raised_on, a.id))
    )
    covers = development_due(meeting_date=meeting_date, meeting_number=meeting_number,
                             last_development_on=last_development_on, policy=policy)
    keys = [TOPICS, CHECK_IN, LAST_ACTIONS, PROGRESS, RECOGNITION]
    if covers:
        keys.append(DEVELOPMENT)
    keys.append(FEEDBACK)
    if question is not None:
        keys.append(QUESTION)
    keys += [NOTES, ACTIONS_AGREED]
    texts = prompts(manager_name, report_name)
    sections = tuple(Section(key=k, title=TITLES[k], prompts=texts[k]) for k in keys)
    tz = meeting_start.tzinfo
    return Agenda(
        meeting_date=meeting_date,
        when_text=format_when(meeting_start),
        time_zone=str(getattr(tz, "key", None) or meeting_start.tzname() or ""),
        manager_name=manager_name,
        report_name=report_name,
        topics=shown,
        report_topics=sum(1 for t in ordered if t.by == "report"),
        actions=actions,
        sections=sections,
        question=question,
        covers_development=covers,
        meeting_number=meeting_number,
        missed=missed,
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
