"""The question bank: loading, validation and the no-repeat rotation."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.questions import THEMES, Question, load_bank, pick_question
from service.errors import ConfigError

BANK_FILE = Path(__file__).resolve().parents[2] / "templates" / "questions.toml"


@pytest.fixture(scope="module")
def bank() -> list[Question]:
    return load_bank(BANK_FILE.read_text(encoding="utf-8"), source=str(BANK_FILE))


def test_shipped_bank_covers_every_theme(bank: list[Question]) -> None:
    """The shipped bank has at least 8 questions in each of the five themes."""
    counts = Counter(q.theme for q in bank)
    assert set(counts) == set(THEMES)
    assert all(n >= 8 for n in counts.values()), counts


def test_shipped_bank_ids_unique_and_texts_open(bank: list[Question]) -> None:
    """Ids are unique and every question is a non-trivial open question."""
    assert len({q.id for q in bank}) == len(bank)
    assert all(len(q.text) > 15 and q.text.endswith("?") for q in bank)


def test_duplicate_id_is_named() -> None:
    """A duplicate id raises ConfigError naming the id and both entries."""
    text = '[[question]]\nid="a"\ntheme="work"\ntext="One?"\n' \
           '[[question]]\nid="a"\ntheme="work"\ntext="Two?"\n'
    with pytest.raises(ConfigError, match=r"question #2: duplicate id 'a' .*#1"):
        load_bank(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[question]]\nid="a"\ntheme="work"\n', "question #1: missing 'text'"),
        ('[[question]]\nid="a"\ntheme="work"\ntext="  "\n', "'text' must be a non-empty"),
        ('[[question]]\nid="a"\ntext="Q?"\n', "missing 'theme'"),
        ('[[question]]\nid=3\ntheme="w"\ntext="Q?"\n', "'id' must be a non-empty string"),
        ('[[question]]\nid="a"\ntheme="w"\ntext="Q?"\nextra=1\n', "unknown key"),
        ('title = "nothing here"\n', "no \\[\\[question\\]\\] entries"),
        ("question = [", "not valid TOML"),
        ("question = []", "no questions"),
    ],
)
def test_bad_bank_is_refused(text: str, message: str) -> None:
    """Each kind of bad bank raises ConfigError with a message saying what is wrong."""
    with pytest.raises(ConfigError, match=message):
        load_bank(text, source="bank.toml")


def _run(bank: list[Question], seed: str, meetings: int) -> list[Question]:
    used: list[str] = []
    out = []
    for n in range(1, meetings + 1):
        q = pick_question(bank, used, seed, n)
        used.append(q.id)
        out.append(q)
    return out


def test_no_repeat_until_bank_used_up(bank: list[Question]) -> None:
    """A pair gets every question once before any repeats, then a new round starts."""
    picks = _run(bank, "p-abc", 2 * len(bank) + 3)
    first, second = picks[: len(bank)], picks[len(bank): 2 * len(bank)]
    assert len({q.id for q in first}) == len(bank)
    assert len({q.id for q in second}) == len(bank)
    assert [q.id for q in first] != [q.id for q in second]  # a new order each round


def test_themes_rotate(bank: list[Question]) -> None:
    """Consecutive meetings get a different theme while the round has other themes left."""
    picks = _run(bank, "p-rot", 30)
    assert all(a.theme != b.theme for a, b in pairwise(picks))


def test_pick_is_deterministic(bank: list[Question]) -> None:
    """The same history and seed give the same question; different pairs differ."""
    assert _run(bank, "p-1", 10) == _run(bank, "p-1", 10)
    assert [q.id for q in _run(bank, "p-1", 10)] != [q.id for q in _run(bank, "p-2", 10)]


def test_unknown_history_ids_are_ignored(bank: list[Question]) -> None:
    """Ids of retired questions in a pair's history do not break picking."""
    q = pick_question(bank, ["retired-1", "retired-2"], "p", 1)
    assert q in bank


def test_empty_bank_refused() -> None:
    """Picking from an empty bank is a configuration error."""
    with pytest.raises(ConfigError):
        pick_question([], [], "p", 1)


@given(seed=st.text(max_size=12), size=st.integers(1, 12), themes=st.integers(1, 4),
       start=st.integers(1, 50))
def test_no_repeat_property(seed: str, size: int, themes: int, start: int) -> None:
    """For any bank and seed, a run of len(bank) picks never repeats a question."""
    bank = [Question(id=f"q{i}", theme=f"t{i % themes}", text=f"Q{i}?") for i in range(size)]
    used: list[str] = []
    for n in range(start, start + size):
        used.append(pick_question(bank, used, seed, n).id)
    assert sorted(used) == sorted(q.id for q in bank)
