"""What one summary mail carries of a long record (service/domain/summary_fit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from service.domain.summary_fit import LINE_COST, newest_open, notes_within


def test_notes_that_fit_go_whole_and_say_nothing_more() -> None:
    lines = ["Went well", "Rob leads the Q1 plan"]
    assert notes_within(lines) == (tuple(lines), "")


def test_notes_over_the_budget_stop_at_a_whole_line_and_count_the_rest() -> None:
    lines = [f"line {i:02d} " + "x" * 30 for i in range(10)]
    budget = 3 * (len(lines[0]) + LINE_COST) + 5
    kept, more = notes_within(lines, budget)
    assert kept == tuple(lines[:3])
    assert more.startswith("+ 7 more lines of the notes, not in this email")


def test_one_pasted_paragraph_over_the_budget_is_shown_in_part() -> None:
    kept, more = notes_within(["y" * 10_000, "after"], 1_000)
    assert kept == ("y" * (1_000 - LINE_COST) + "…",)
    assert more.startswith("+ 1 more line of the notes")


def test_one_note_cut_short_says_so() -> None:
    """A single pasted paragraph cut short: the mail says the rest is not in it, not only
    "…", which could be taken for the manager's own."""
    kept, more = notes_within(["y" * 10_000], 1_000)
    assert kept == ("y" * (1_000 - LINE_COST) + "…",)
    assert more.startswith("The rest of this note is not in this email")
    assert notes_within(["y" * 100], 1_000) == (("y" * 100,), "")


@dataclass(frozen=True)
class _Action:
    id: int
    raised_on: date
    owner: str = "Rob"
    text: str = "send the draft"


def test_newest_open_lists_the_newest_oldest_first_and_counts_the_older() -> None:
    actions = [_Action(i, date(2024 + i // 12, i % 12 + 1, 1)) for i in range(30)]
    listed, more = newest_open(list(reversed(actions)), 12)
    assert listed == tuple(actions[18:])
    assert more.startswith("+ 18 older open actions, raised 1 Jun 2025 or before")
    assert newest_open(actions[:3], 12) == (tuple(actions[:3]), "")
    with pytest.raises(ValueError):
        newest_open(actions, 0)


def test_still_open_stays_within_a_size_and_a_huge_action_hides_none() -> None:
    """Actions are pasted lines of any length: the summary's still-open list keeps to the
    agenda's size for them (a mail over 4 MB is refused), and one action too long to list
    at all is counted out without taking the others with it."""
    huge = _Action(99, date(2026, 11, 30), text="x" * 5_000_000)
    rest = [_Action(i, date(2026, 11, i + 1)) for i in range(5)]
    listed, more = newest_open([*rest, huge], 12)
    assert listed == tuple(rest)
    assert more.startswith("+ 1 older open action, raised 30 Nov 2026 or before")
    many = [_Action(i, date(2026, 1, 1), text="y" * 3_000) for i in range(50)]
    listed, more = newest_open(many, 200)
    assert 0 < len(listed) < 50 and sum(len(a.text) for a in listed) <= 20_000
    assert more.startswith(f"+ {50 - len(listed)} older open actions")
