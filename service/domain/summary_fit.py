"""How much of a pair's record one summary mail carries.

The record itself is never cut: every note line and every open action stays stored as typed.
Only the mail is kept to a size Graph accepts and a report can read, and it says what it
leaves out:

- **Notes**: a manager who pastes a long email thread into a meeting's notes can type
  megabytes; Graph refuses a sendMail request over 4 MB (413), and the summary, the agreed
  actions with it, would never go. The notes are carried whole lines at a time up to
  ``NOTES_CHARS``, far more than anyone types in a meeting, then one line says how many more
  there are.
- **Actions agreed**: a manager may paste thousands of lines under Actions agreed, each one
  kept as an action. The mail carries them in the order typed up to ``AGREED_CHARS``
  (list_fit.py), then one line says how many more there are and where they are.
- **Still open**: actions nobody ticks pile up over the years. As on the agenda
  (``[agenda] actions_shown``), the newest are listed and the older ones counted: a list that
  only grows buries the ones worth following up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from service.domain.agenda import format_date
from service.domain.list_fit import AGREED_CHARS, ActionT, leading, newest_listed

# Characters of note lines one summary carries (about 15,000 words). Each line also counts
# LINE_COST for its markup: what is sent is HTML in JSON, where a character can take up to
# 12 bytes (an escaped quote, an emoji as two \u escapes), so this stays well under 4 MB.
NOTES_CHARS = 100_000
LINE_COST = 60
MORE_NOTES = ("+ {count} more line{s} of the notes, not in this email: too long for one. "
              "They are kept as typed with the record of this meeting.")
REST_OF_NOTE = ("The rest of this note is not in this email: too long for one. It is kept "
                "as typed with the record of this meeting.")
MORE_AGREED = ("+ {count} more action{s} agreed, not in this email: too many for one. They "
               "are kept as typed with the record of this meeting (and in its invite, where "
               "typed there), and stay open until done.")
MORE_OPEN = ("+ {count} older open action{s}, raised {last} or before, not listed here. "
             "They stay open and come up on the agenda as the ones above are done.")


def notes_within(lines: Sequence[str], budget: int = NOTES_CHARS) -> tuple[tuple[str, ...], str]:
    """The note lines one mail carries, in order, and the line on those left out ("" when
    none are). Whole lines only, except a first line longer than the whole budget (one
    pasted paragraph), which is carried up to it with "…", so the mail never shows none."""
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = len(line) + LINE_COST
        if used + cost > budget:
            if not kept:
                kept.append(line[:max(0, budget - LINE_COST)] + "…")
            break
        kept.append(line)
        used += cost
    left = len(lines) - len(kept)
    if left == 0:
        # (A first line cut short is said too: the "…" alone would pass for the manager's.)
        cut = bool(kept) and kept[0] != lines[0]
        return tuple(kept), REST_OF_NOTE if cut else ""
    return tuple(kept), MORE_NOTES.format(count=left, s="" if left == 1 else "s")


class _Agreed(Protocol):
    @property
    def owner(self) -> str: ...

    @property
    def text(self) -> str: ...


G = TypeVar("G", bound=_Agreed)


def agreed_within(actions: Sequence[G], budget: int = AGREED_CHARS) -> tuple[tuple[G, ...], str]:
    """The actions agreed one mail lists, in the order typed, and the line on those left out
    ("" when none are)."""
    listed = tuple(actions[n] for n in leading(actions, lambda a: len(a.owner) + len(a.text),
                                               budget))
    left = len(actions) - len(listed)
    more = MORE_AGREED.format(count=left, s="" if left == 1 else "s") if left else ""
    return listed, more


def newest_open(actions: Sequence[ActionT], shown: int) -> tuple[tuple[ActionT, ...], str]:
    """The newest ``shown`` of ``actions``, oldest first (as the agenda lists them), within
    the agenda's size for them (``list_fit.newest_listed``: actions are pasted lines of any
    length, and a mail over 4 MB is refused), and the line on those left out ("" when none
    are)."""
    if shown < 1:
        raise ValueError("shown must be at least 1")
    left, listed = newest_listed(actions, shown)
    if not left:
        return tuple(listed), ""
    return tuple(listed), MORE_OPEN.format(
        count=len(left), s="" if len(left) == 1 else "s",
        last=format_date(max(a.raised_on for a in left)))
