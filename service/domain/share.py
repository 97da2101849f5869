"""The report-led share: how much of a pair's 1-2-1s the report's own topics make up.

The guidance's centre is that a 1-2-1 is the report's meeting (seed 000; one organisation
asks for at least three quarters of the agenda to be theirs). The share is measured over the
topics on the agendas of the pair's last ``WINDOW`` meetings (each topic once, however many
agendas carried it), stored with each meeting when its agenda is written, and read by the
HR report. The agenda itself never shows it as a score: its line encourages the report to
lead, in words, from today's topics.

Pure: topic ids and who raised them in, counts and words out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Meetings the stored share looks back over, this one included: about a quarter at a
# fortnightly cadence, six weeks for a new starter's weekly ones.
WINDOW = 6
# Below this many topics over the window, a low share says more about a quiet patch than
# about who leads, so the agenda doesn't nudge.
NUDGE_MIN_TOPICS = 4
NUDGE_MIN_MEETINGS = 3


@dataclass(frozen=True)
class Share:
    """``report`` of ``total`` topics were raised by the report (``total`` may be 0)."""

    report: int
    total: int
    meetings: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.report <= self.total:
            raise ValueError("Share needs 0 <= report <= total")
        if self.meetings < 1:
            raise ValueError("Share covers at least one meeting")

    @property
    def fraction(self) -> float | None:
        """report ÷ total; None when there were no topics at all."""
        return self.report / self.total if self.total else None


def measure(meetings: Sequence[Sequence[int]], authors: Mapping[int, str]) -> Share:
    """The share over these meetings' agendas (each a sequence of topic ids, the latest
    last; only the last ``WINDOW`` count). A topic carried from one agenda to the next is
    one topic; ids whose author is unknown (deleted rows) are left out."""
    window = list(meetings)[-WINDOW:]
    seen: set[int] = set()
    for ids in window:
        seen.update(i for i in ids if i in authors)
    report = sum(1 for i in seen if authors[i] == "report")
    return Share(report=report, total=len(seen), meetings=max(1, len(window)))


NO_TOPICS, NOT_YET, ONE, ALL, MOST, SOME = "none", "not-yet", "one", "all", "most", "some"


def _wordings(r: str) -> dict[str, str]:
    return {
        # "No topics yet:" is how the notes parser has always known this line.
        NO_TOPICS: (f"No topics yet: {r}, bring anything you'd like to talk about "
                    "— the first few minutes are yours."),
        NOT_YET: f"{r} hasn't added a topic yet — the first few minutes are theirs.",
        ONE: f"Today's topic is {r}'s — great.",
        ALL: f"All of today's topics are {r}'s — great.",
        MOST: f"Most of today's topics are {r}'s — great.",
        SOME: f"Some of today's topics are {r}'s — theirs come first.",
    }


def _nudge(r: str, m: str) -> str:
    return f" Lately most topics have been {m}'s: {r}, what's on your mind?"


def share_line(report_first: str, manager_first: str, today: Share,
               recent: Share | None = None) -> str:
    """The agenda's line about whose topics these are: encouraging words, never a grade
    and never a number, so every wording is known beforehand (``share_wordings``) and the
    notes parser never keeps it as a note.

    ``today``: the topics on this agenda. ``recent``: the share over the last meetings
    (this one included); when the manager's topics have led them, one more sentence invites
    the report in. The pair is named by first names (wording.first_name).
    """
    if today.total == 0:
        kind = NO_TOPICS
    elif today.report == 0:
        kind = NOT_YET
    elif today.report == today.total:
        kind = ONE if today.total == 1 else ALL
    else:
        kind = MOST if today.report * 2 > today.total else SOME
    line = _wordings(report_first)[kind]
    if (kind in (NOT_YET, SOME) and recent is not None
            and recent.total >= NUDGE_MIN_TOPICS and recent.meetings >= NUDGE_MIN_MEETINGS
            and recent.report * 2 < recent.total):
        line += _nudge(report_first, manager_first)
    return line


def share_wordings(report_first: str, manager_first: str) -> tuple[str, ...]:
    """Every line ``share_line`` can give for this pair."""
    base = _wordings(report_first)
    nudge = _nudge(report_first, manager_first)
    return (*base.values(), base[NOT_YET] + nudge, base[SOME] + nudge)
