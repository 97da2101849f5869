"""The question bank: one open question per 1-2-1, never repeated for a pair too soon.

The guidance (seed 002) recommends a set of favourite open questions to start the
conversation, and checking in on the person, their growth, change at work and the support
they need. ``templates/questions.toml`` holds our bank; an organisation may supply its own.

Bank format (TOML)::

    [[question]]
    id = "checkin-01"        # stable: the pair's history stores it (at most 40 characters)
    theme = "check-in"       # any non-empty name; themes rotate
    text = "What has given you energy at work lately?"
    sensitive = true         # optional: sleep, health, life outside work (default false)

Not every question suits every pair (``eligible``): the theme ``change`` asks about change
at work, which only fits an organisation going through some ([agenda] change_questions);
the theme ``induction`` is for new starters, who get it with check-in and support questions
instead of the rest; a sensitive question is written into an invite only where the
organisation allows it ([agenda] sensitive_questions). A question that looks back to an
earlier meeting ("since we last talked") is not asked at a pair's first (``looks_back``).

Pure: ``load_bank`` parses text it is given; ``pick_question`` is deterministic.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.domain.text import clean_text
from service.errors import ConfigError

THEMES = ("check-in", "work", "growth", "change", "support", "induction")
CHANGE = "change"
INDUCTION = "induction"
# What a new starter is asked: settling in, how they are, what they need.
NEW_STARTER_THEMES = frozenset({INDUCTION, "check-in", "support"})
_KEYS = ("id", "theme", "text")
# A pair's history stores the id (occurrences.question_id, question_uses.question_id: 40
# characters). SQLite ignores the length but PostgreSQL refuses a longer id, after the
# agenda is already in the invite: that meeting's agenda would fail on every run.
MAX_ID_CHARS = 40
# Words that look back to an earlier 1-2-1 of the pair, in our bank or an organisation's:
# "since we last met/talked/spoke", "since we met/spoke (last)", "since our last/previous
# …", "since last time", "last time we", "agreed/discussed last time". (English only: a
# question in other words is asked at a first meeting too.)
_LOOKS_BACK = re.compile(
    r"\bsince (?:we last|we (?:met|spoke|talked|caught up)|our (?:last|previous)|"
    r"(?:the )?(?:last|previous) (?:time|1-2-1|meeting|one-to-one|catch-up|chat))\b"
    r"|\blast time we\b|\b(?:agreed|discussed|talked about|said) last time\b", re.I)


def looks_back(question: Question) -> bool:
    """The question speaks of an earlier meeting of the pair (not asked at its first)."""
    return _LOOKS_BACK.search(question.text) is not None


@dataclass(frozen=True)
class Question:
    """One open question from the bank."""

    id: str
    theme: str
    text: str
    sensitive: bool = False


@dataclass(frozen=True)
class QuestionRules:
    """Which questions an organisation wants in its invites (from [agenda] settings)."""

    change_at_work: bool = False
    sensitive: bool = False


def eligible(bank: Sequence[Question], rules: QuestionRules, *, new_starter: bool,
             first: bool = False) -> list[Question]:
    """The questions this pair may get now, in bank order.

    A new starter gets induction, check-in and support questions (the rest when the bank
    has none of those); everyone else never gets induction ones. Change questions only
    where ``rules.change_at_work``; sensitive ones only where ``rules.sensitive``. At the
    pair's ``first`` meeting, none that looks back to an earlier one (``looks_back``).
    """
    allowed = [q for q in bank if (rules.change_at_work or q.theme != CHANGE)
               and (rules.sensitive or not q.sensitive)
               and not (first and looks_back(q))]
    if new_starter:
        fitting = [q for q in allowed if q.theme in NEW_STARTER_THEMES]
        if any(q.theme == INDUCTION for q in fitting):
            return fitting
    return [q for q in allowed if q.theme != INDUCTION]


def is_new_starter(hire_date: date | None, on: date, new_starter_days: int) -> bool:
    """Hired at most ``new_starter_days`` days before ``on`` (inclusive), or not started
    yet: the cadence policy's rule (service/domain/cadence.py)."""
    return hire_date is not None and (on - hire_date).days <= new_starter_days


def load_bank(text: str, *, source: str = "question bank") -> list[Question]:
    """Parse a TOML question bank; a bad bank raises ConfigError naming the entry and problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    entries = data.get("question")
    if entries is None:
        raise ConfigError(f"{source}: no [[question]] entries")
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: 'question' must be an array of tables ([[question]])")
    bank: list[Question] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: question #{number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table with id, theme and text")
        values: dict[str, str] = {}
        for key in _KEYS:
            value = entry.get(key)
            if value is None:
                raise ConfigError(f"{where}: missing '{key}'")
            # The organisation's file is outside text like any other (domain/text.py): a
            # TOML escape can write a NUL, which PostgreSQL refuses in a stored id.
            if not isinstance(value, str) or not (value := " ".join(
                    clean_text(value)[0].split())):
                raise ConfigError(f"{where}: '{key}' must be a non-empty string")
            values[key] = value
        unknown = sorted(set(entry) - {*_KEYS, "sensitive"})
        if unknown:
            raise ConfigError(f"{where} ({values['id']}): unknown key(s) {', '.join(unknown)}")
        sensitive = entry.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise ConfigError(f"{where} ({values['id']}): 'sensitive' must be true or false")
        qid = values["id"]
        if len(qid) > MAX_ID_CHARS:
            raise ConfigError(f"{where}: id '{qid}' is {len(qid)} characters long; an id is "
                              f"at most {MAX_ID_CHARS} (e.g. \"checkin-01\"). Shorten it.")
        if qid in seen:
            first = seen[qid]
            raise ConfigError(f"{where}: duplicate id '{qid}' (first used by question #{first})")
        seen[qid] = number
        bank.append(Question(id=qid, theme=values["theme"], text=values["text"],
                             sensitive=sensitive))
    if not bank:
        raise ConfigError(f"{source}: no questions")
    return bank


def _rank(seed: str, round_no: int, qid: str) -> str:
    return hashlib.sha256(f"{seed}|{round_no}|{qid}".encode()).hexdigest()


def pick_question(
    bank: Sequence[Question], used_ids: Sequence[str], seed: str, meeting_number: int
) -> Question:
    """The question for this meeting: deterministic, no repeat for a pair within a round.

    ``used_ids`` is the pair's history, oldest first (ids no longer in the bank are
    ignored). A round ends when every question of the bank has been asked; the next round
    starts afresh, in a different order. Themes rotate with ``meeting_number`` (theme order
    is the bank's, offset by ``seed``), skipping themes with nothing left in this round and,
    when possible, the theme asked last time. Within a theme the order is a hash of
    ``seed`` (use the pairing key), so pairs do not all get the same question.
    """
    if not bank:
        raise ConfigError("question bank is empty")
    by_id = {q.id: q for q in bank}
    asked: set[str] = set()
    round_no = 0
    last_theme: str | None = None
    for qid in used_ids:
        if qid not in by_id:
            continue
        last_theme = by_id[qid].theme
        asked.add(qid)
        if len(asked) == len(by_id):
            asked = set()
            round_no += 1
    themes: list[str] = []
    for q in bank:
        if q.theme not in themes:
            themes.append(q.theme)
    offset = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    start = (offset + meeting_number - 1) % len(themes)
    rotation = themes[start:] + themes[:start]
    remaining = [q for q in bank if q.id not in asked]
    open_themes = [t for t in rotation if any(q.theme == t for q in remaining)]
    preferred = [t for t in open_themes if t != last_theme] or open_themes
    theme = preferred[0]
    candidates = [q for q in remaining if q.theme == theme]
    return min(candidates, key=lambda q: _rank(seed, round_no, q.id))
