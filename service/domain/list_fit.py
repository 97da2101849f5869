"""How many of a pair's topics and actions one invite or mail lists (pure).

Nothing stored is cut: every topic and action stays as it was raised or typed. Only what is
rendered is kept to a size Graph accepts (a request over 4 MB is refused with 413: an agenda
is then given up for that meeting, a summary never sent) and a person can read. A report
may mail topics ten at a time for as long as they like, and a manager may paste thousands
of lines under Actions agreed; left uncapped, either makes the next invite or summary too
large to send. Each list is carried whole items at a time, the ones that matter most first,
up to a number and a budget of characters (each item also counts ``LINE_COST`` for its
markup, as the notes do: see summary_fit.py), and the caller says how many it left out.

No item is ever shortened: the notes parser knows a carried line by its words, and a topic
or an action cut short would read back as one the manager edited. An item that does not fit
ends the list (the ones after it are left out too, so the order shown stays the order of
importance), unless it is larger than the whole budget on its own: it could never be listed,
and ending the list there would list nothing at all, each time (an action is ticked off in a
meeting only on an agenda that lists it), so it is passed over and counted with the rest
left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol, TypeVar

# Each item's markup in the rendered HTML (its paragraph and inline style, the owner, due
# date and marker around an action's words): about this many characters.
LINE_COST = 60
# Topics one agenda lists: more is not a 30-minute conversation, and the rest carry over.
TOPICS_SHOWN = 20
# Characters of topics, and of carried actions, one agenda lists. With the rest of the agenda
# a block stays far under 4 MB even where every character takes 12 bytes in the JSON (an
# emoji as two \u escapes).
TOPICS_CHARS = 20_000
ACTIONS_CHARS = 20_000
# Characters of a meeting's agreed actions one summary carries (as many lines again as
# anyone agrees in a meeting; the notes have their own budget, summary_fit.NOTES_CHARS).
AGREED_CHARS = 30_000

# Shown under an agenda's topics when some are left out.
MORE_TOPICS = ("+ {count} more topic{s}, not listed here to keep the agenda short. "
               "onetoone keeps them all; they come up here as these are ticked.")

T = TypeVar("T")


def leading(items: Sequence[T], size: Callable[[T], int], budget: int,
            most: int | None = None) -> list[int]:
    """The positions of the ``items`` listed, from the first: at most ``most`` (None: any
    number), and whole items while their sizes, each plus ``LINE_COST``, stay within
    ``budget``. One larger than ``budget`` on its own is passed over, not the end (see
    the module docstring)."""
    used, out = 0, list[int]()
    for n, item in enumerate(items):
        if most is not None and len(out) >= most:
            break
        cost = size(item) + LINE_COST
        if cost > budget:
            continue  # never listable: it must not hide the ones after it
        used += cost
        if used > budget:
            break
        out.append(n)
    return out


class _Topic(Protocol):
    @property
    def by(self) -> str: ...

    @property
    def raised_on(self) -> date: ...

    @property
    def text(self) -> str: ...


TopicT = TypeVar("TopicT", bound=_Topic)


def topics_in_order(topics: Sequence[TopicT]) -> list[TopicT]:
    """The report's topics first, then the manager's; each by the day raised, ties in the
    order given ("let the member of staff go first": seed 000)."""
    return sorted(topics, key=lambda t: (t.by != "report", t.raised_on))


def topics_listed(topics: Sequence[TopicT], most: int = TOPICS_SHOWN,
                  budget: int = TOPICS_CHARS) -> tuple[list[TopicT], int]:
    """The topics an agenda lists, in order (``topics_in_order``), and how many it leaves
    out: those after the first ``most``, or after the budget runs out. The report's come
    first, so a flood of the manager's never pushes theirs off, and the oldest of each
    (carried longest) before the newest."""
    ordered = topics_in_order(topics)
    shown = [ordered[n] for n in leading(ordered, lambda t: len(t.text), budget, most)]
    return shown, len(ordered) - len(shown)


def more_topics(count: int) -> str:
    """The line on ``count`` topics left out of an agenda ("" when none are)."""
    return MORE_TOPICS.format(count=count, s="" if count == 1 else "s") if count else ""


class _Action(Protocol):
    @property
    def raised_on(self) -> date: ...

    @property
    def id(self) -> int: ...

    @property
    def owner(self) -> str: ...

    @property
    def text(self) -> str: ...


ActionT = TypeVar("ActionT", bound=_Action)


def newest_listed(actions: Sequence[ActionT], most: int | None,
                  budget: int = ACTIONS_CHARS) -> tuple[list[ActionT], list[ActionT]]:
    """Open actions oldest first, split into (those left out: the older ones, and any too
    large to list at all; the newest listed): at most ``most`` (None: any number) and within
    ``budget`` characters, counted from the newest (an action carried unticked for months is
    rarely the one to follow up)."""
    by_age = sorted(actions, key=lambda a: (a.raised_on, a.id))
    last = len(by_age) - 1
    listed = {last - n for n in leading(by_age[::-1], lambda a: len(a.owner) + len(a.text),
                                        budget, most)}
    return ([a for n, a in enumerate(by_age) if n not in listed],
            [a for n, a in enumerate(by_age) if n in listed])


# Shown under the carried actions when older open ones are left out (agenda.build_agenda).
MORE_ACTIONS = ("+ {count} older open action{s}, raised {last} or before, not listed here to "
                "keep the agenda short. They stay open and come back here as these are ticked.")
# The same when one left out is not older than those listed (too long to list at all).
MORE_OPEN_ACTIONS = ("+ {count} more open action{s}, not listed here to keep the agenda short. "
                     "They stay open.")


def more_actions(left_out: Sequence[ActionT], listed: Sequence[ActionT],
                 format_date: Callable[[date], str]) -> str:
    """The line on open actions left out of the agenda (``newest_listed``; "" when none
    are): "older" only when each is (one too long to list at all may be the newest)."""
    if not left_out:
        return ""
    s = "" if len(left_out) == 1 else "s"

    def key(a: ActionT) -> tuple[date, int]:
        return (a.raised_on, a.id)

    if listed and max(map(key, left_out)) > min(map(key, listed)):
        return MORE_OPEN_ACTIONS.format(count=len(left_out), s=s)
    return MORE_ACTIONS.format(count=len(left_out), s=s,
                               last=format_date(left_out[-1].raised_on))
