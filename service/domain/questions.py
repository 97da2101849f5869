"""The question bank: one open question per 1-2-1, never repeated for a pair too soon.

The guidance (seed 002) recommends a set of favourite open questions to start the
conversation, and checking in on the person, their growth, change at work and the support
they need. ``templates/questions.toml`` holds our bank; an organisation may supply its own.

Bank format (TOML)::

    [[question]]
    id = "checkin-01"        # stable: the pair's history stores it
    theme = "check-in"       # any non-empty name; themes rotate
    text = "What has given you energy at work lately?"

Pure: ``load_bank`` parses text it is given; ``pick_question`` is deterministic.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from service.errors import ConfigError

THEMES = ("check-in", "work", "growth", "change", "support")


@dataclass(frozen=True)
class Question:
    """One open question from the bank."""

    id: str
    theme: str
    text: str


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
        for key in ("id", "theme", "text"):
            value = entry.get(key)
            if value is None:
                raise ConfigError(f"{where}: missing '{key}'")
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: '{key}' must be a non-empty string")
            values[key] = " ".join(value.split())
        unknown = sorted(set(entry) - {"id", "theme", "text"})
        if unknown:
            raise ConfigError(f"{where} ({values['id']}): unknown key(s) {', '.join(unknown)}")
        qid = values["id"]
        if qid in seen:
            first = seen[qid]
            raise ConfigError(f"{where}: duplicate id '{qid}' (first used by question #{first})")
        seen[qid] = number
        bank.append(Question(id=qid, theme=values["theme"], text=values["text"]))
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
