"""The report-led share: how much of a pair's 1-2-1s the report's own topics make up.

The guidance's centre is that a 1-2-1 is the report's meeting (seed 000; one organisation
asks for at least three quarters of the agenda to be theirs). The share is measured over the
topics on the agendas of the pair's last ``WINDOW`` meetings (each topic once, however many
agendas carried it), stored with each meeting when its agenda is written, and read by the
HR report. The agenda itself never shows it as a score: its line says, in words, whose
today's topics are, and invites the report in when the recent share is under the guidance's
three quarters. The HR report flags a pair whose held meetings have clearly been led by the
manager's topics (``attention_words``).

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
# The HR report's flag (``attention_words``): under half of the topics on the agendas of the
# pair's last WINDOW held meetings, and only with at least 8 topics over at least 3 of them.
# Not at the guidance's 75%: with a handful of topics a pair truly at three quarters falls
# under it one time in three (8 topics: 32%) and the list would be noise; under half it does
# about one time in forty (8 topics at 75%: 2.7%), so a flag says the manager's topics led.
# The agenda's own nudge is the one at 75%.
FLAG_SHARE = 0.5
FLAG_MIN_TOPICS = 8
FLAG_MIN_MEETINGS = 3


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
# Without a topics mailbox nobody can add a topic from Outlook or by mail (the report's
# replies reach the manager's inbox only): the line then speaks of what the report brings.
NOT_YET_NO_CHANNEL = "not-yet-no-channel"
# The guidance's floor (seed 000: the report drives at least three quarters): "most" is said
# at or above it, and the recent share below it draws the nudge.
GUIDANCE = 0.75


def _wordings(r: str, m: str) -> dict[str, str]:
    # Factual, neither praise nor reproach: the invite goes to both, and the report reads
    # about themselves in it ("— great" read as patronising, "hasn't added" as a telling-off).
    return {
        # "No topics yet:" is how the notes parser has always known this line.
        NO_TOPICS: (f"No topics yet: {r}, bring anything you'd like to talk about "
                    "— the first few minutes are yours."),
        NOT_YET: f"So far the topics are {m}'s: anything {r} adds or brings goes first.",
        NOT_YET_NO_CHANNEL: f"So far the topics are {m}'s: anything {r} brings goes first.",
        ONE: f"Today's topic is {r}'s.",
        ALL: f"All of today's topics are {r}'s.",
        MOST: f"Most of today's topics are {r}'s — theirs come first.",
        SOME: f"Some of today's topics are {r}'s — theirs come first.",
    }


def _nudge(r: str, m: str) -> str:
    # True whenever it is shown: below three quarters for the report is above a quarter
    # for the manager.
    return (f" Lately more than a quarter of the topics have been {m}'s: {r}, what would "
            "you like to talk about?")


# What earlier versions wrote, still in invites: the notes parser knows them as ours.
# ({r}: the report's first name, {m}: the manager's.)
FORMER_WORDINGS = (
    "{r} hasn't added a topic yet — the first few minutes are theirs.",
    "Today's topic is {r}'s — great.",
    "All of today's topics are {r}'s — great.",
    "Most of today's topics are {r}'s — great.",
    "{r} hasn't added a topic yet — the first few minutes are theirs. Lately most topics "
    "have been {m}'s: {r}, what's on your mind?",
    "Some of today's topics are {r}'s — theirs come first. Lately most topics have been "
    "{m}'s: {r}, what's on your mind?",
)


def _kind(today: Share, topics_by_mail: bool) -> str:
    if today.total == 0:
        return NO_TOPICS
    if today.report == 0:
        return NOT_YET if topics_by_mail else NOT_YET_NO_CHANNEL
    if today.report == today.total:
        return ONE if today.total == 1 else ALL
    return MOST if today.report >= GUIDANCE * today.total else SOME


def below_guidance(share: Share) -> bool:
    """Fewer than three quarters of these topics were the report's."""
    return share.report < GUIDANCE * share.total


def share_line(report_first: str, manager_first: str, today: Share,
               recent: Share | None = None, *, topics_by_mail: bool = True) -> str:
    """The agenda's line about whose topics these are: factual words, never a grade and
    never a number, so every wording is known beforehand (``share_wordings``) and the
    notes parser never keeps it as a note.

    ``today``: the topics on this agenda. ``recent``: the share over the last meetings
    (this one included); when under the guidance's three quarters were the report's, over
    enough topics, one more sentence invites the report in. ``topics_by_mail``: there is a
    way to add topics before the meeting ([mail] topics_mailbox); without one the line
    never asks the report for topics they had no way to add, and never nudges. The pair is
    named by first names (wording.first_name).
    """
    kind = _kind(today, topics_by_mail)
    line = _wordings(report_first, manager_first)[kind]
    if (topics_by_mail and kind in (NOT_YET, SOME) and recent is not None
            and recent.total >= NUDGE_MIN_TOPICS and recent.meetings >= NUDGE_MIN_MEETINGS
            and below_guidance(recent)):
        line += _nudge(report_first, manager_first)
    return line


def share_wordings(report_first: str, manager_first: str) -> tuple[str, ...]:
    """Every line ``share_line`` can give for this pair."""
    base = _wordings(report_first, manager_first)
    nudge = _nudge(report_first, manager_first)
    return (*base.values(), base[NOT_YET] + nudge, base[SOME] + nudge)


def attention_words(held: Sequence[Sequence[int]], authors: Mapping[int, str]) -> str:
    """The HR report's words for a pair whose last ``WINDOW`` held meetings (each its
    agenda's topic ids, the latest last) were led by the manager's topics, or "" (see
    ``FLAG_SHARE``). Topics are those recorded: added by mail or `onetoone topics add`."""
    share = measure(held, authors)
    if (share.meetings < FLAG_MIN_MEETINGS or share.total < FLAG_MIN_TOPICS
            or share.report >= FLAG_SHARE * share.total):
        return ""
    return (f"report-led share {share.report}/{share.total} topics over the last "
            f"{share.meetings} held 1-2-1s (the guidance asks for at least three quarters)")
