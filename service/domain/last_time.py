"""Last time: the pair's previous held 1-2-1, as the next agenda recalls it (its own
section of ``service.domain.agenda``, which the notes parser knows as ours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from service.domain.recall import defang, quoted
from service.domain.wording import format_date, format_when

NO_SHARED_NOTES = "No shared notes were kept."
TALKED_ABOUT = "We talked about:"
MORE_TOPICS = "…and more."


class Topic(Protocol):
    """A topic as Last time recalls it (``agenda.Topic``, which imports this module)."""

    @property
    def text(self) -> str: ...
    @property
    def by(self) -> str: ...
    @property
    def raised_on(self) -> date: ...

# Last time's lines are short: a glance before the meeting, not the record.
LAST_TOPICS = 4
LAST_NOTES = 3
LAST_COMMENTS = 2


@dataclass(frozen=True)
class LastTime:
    """The pair's previous held 1-2-1, as the next agenda recalls it.

    ``start`` is aware, in the meeting's zone. ``topics``: what was on its agenda and done
    with there (open ones are on this agenda anyway). ``notes``: its shared notes in order,
    never private ones. ``comments``: what the report added to its record afterwards.
    """

    start: datetime
    topics: tuple[Topic, ...] = ()
    notes: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("LastTime.start must be timezone-aware")

    def lines(self, manager_name: str, report_name: str, manager_first: str,
              report_first: str) -> tuple[str, ...]:
        """The section's lines: when it was (shaped like the agenda's header, so the notes
        parser knows it as ours), topics as "text — Alex, raised 3 Dec 2026", then up to
        three lines of notes and two of the report's comments, each clipped."""
        return tuple("".join(line) for line in self.parts(
            manager_name, report_name, manager_first, report_first))

    def parts(self, manager_name: str, report_name: str, manager_first: str,
              report_first: str) -> tuple[tuple[str, str, str], ...]:
        """`lines`, each as our words before, a person's text ("" if none) and ours after:
        the template isolates that text (``|bdi``), so that a topic or comment written right
        to left never reorders our words after it on the line."""
        names = {"report": report_first, "manager": manager_first}
        topics = [t for t in self.topics if t.text.strip()]
        notes = [n for n in self.notes if n.strip()]
        comments = [c for c in self.comments if c.strip()]
        out = [(f"1-2-1 · {manager_name} & {report_name} · last time · "
                f"{format_when(self.start)}", "", "")]
        if topics:
            out.append((TALKED_ABOUT, "", ""))
        for t in topics[:LAST_TOPICS]:
            out.append(("", defang(t.text),
                        f" — {names[t.by]}, raised {format_date(t.raised_on)}"))
        if len(topics) > LAST_TOPICS:
            out.append((MORE_TOPICS, "", ""))
        out += [("From the notes: ", quoted(n), "") for n in notes[:LAST_NOTES]]
        out += [(f"{names['report']} added: ", quoted(c), "")
                for c in comments[:LAST_COMMENTS]]
        if not topics and not notes and not comments:
            out.append((NO_SHARED_NOTES, "", ""))
        return tuple(out)
