"""The topics a mail carries: its new text (``service.domain.mail_reply.new_text``) a line
at a time, and a fresh mail's subject. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.domain.mail_phrases import is_opener
from service.domain.mail_reply import ELLIPSIS

MAX_TOPICS = 10  # topic lines taken from one mail; more is a document, not an agenda
MAX_TOPIC_CHARS = 300
_BULLET = re.compile(r"^\s*(?:[-*•·–—▪►◦o]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s+|[a-z][.)]\s+)",
                     re.I)
GENERIC_SUBJECTS = frozenset({"", "topic", "topics", "topic for our 1-2-1", "1-2-1",
                              "1:1", "one to one", "agenda"})


@dataclass(frozen=True)
class TopicLines:
    """The topics a mail carries, and what was left out of them."""

    topics: tuple[str, ...]
    dropped: int = 0  # lines over MAX_TOPICS
    shortened: int = 0  # lines cut to MAX_TOPIC_CHARS


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word near ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def topic_lines(text: str, *, subject: str = "", reply: bool = False, limit: int = MAX_TOPICS,
                width: int = MAX_TOPIC_CHARS) -> TopicLines:
    """Each non-empty line of a mail's new text is one topic (a greeting and list bullets
    dropped). A mail that is not a ``reply`` may name its topic in the (bare) ``subject``
    instead: with no body it is the topic; with a one-line body the two make one topic
    ("subject: line")."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    # "Hi Mia," "Thanks!": not topics. Cut once: a line at a time copied the rest of a mail
    # of thousands of such lines (emoji, "----") per line, quadratic.
    lines = lines[next((i for i, line in enumerate(lines) if not is_opener(line)), len(lines)):]
    lines = [_BULLET.sub("", line, count=1).strip() for line in lines]
    lines = [line for line in lines if line]
    topic_subject = "" if reply else " ".join(subject.split())
    if topic_subject.lower() in GENERIC_SUBJECTS:
        topic_subject = ""
    if topic_subject and not lines:
        lines = [topic_subject]
    elif topic_subject and len(lines) == 1:
        lines = [f"{topic_subject}: {lines[0]}"]
    kept = lines[:limit]
    topics = tuple(shorten(line, width) for line in kept)
    shortened = sum(1 for before, after in zip(kept, topics, strict=True)
                    if after.endswith(ELLIPSIS) and not before.endswith(ELLIPSIS))
    return TopicLines(topics, dropped=max(0, len(lines) - limit), shortened=shortened)


def topic_key(text: str) -> str:
    """What makes two topics the same one: case, spacing and end punctuation aside."""
    return " ".join(text.casefold().split()).rstrip(" .!?;:,")


def new_topics(texts: Sequence[str], open_topics: Iterable[str]) -> tuple[str, ...]:
    """``texts`` without those already open for the pair, or said twice in ``texts``: a
    report answering the prep mail often lists again what it showed as already on the list,
    and each copy would otherwise take a line of a 30-minute agenda."""
    seen = {topic_key(t) for t in open_topics}
    out: list[str] = []
    for text in texts:
        key = topic_key(text)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out)
