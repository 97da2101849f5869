"""The topics a mail carries: its new text (``service.domain.mail_reply.new_text``) a line
at a time, and a fresh mail's subject. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.domain.mail_phrases import is_closing, is_intro, is_lead_in
from service.domain.mail_reply import ELLIPSIS

MAX_TOPICS = 10  # topic lines taken from one mail; more is a document, not an agenda
MAX_TOPIC_CHARS = 300
_BULLET = re.compile(r"^\s*(?:[-*•·–—▪►◦o]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s+|[a-z][.)]\s+)",
                     re.I)
GENERIC_SUBJECTS = frozenset({"", "topic", "topics", "topic for our 1-2-1", "1-2-1",
                              "1:1", "one to one", "agenda"})
_SENTENCE_END = re.compile(r"[.!?…。！？][\s\"'”’»)\]]*$")
# Our prep mail's subject, answered by a client whose "RE:" is not known as one.
_OURS = re.compile(r"^your 1-2-1 with .*what would you like to talk about\W*$", re.I)


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
    """Each line of a mail's new text that says something is one topic; list bullets are
    dropped, and so is what only frames the topics: the greeting, thanks and lead-in above
    them ("Hi Mia,", "Thanks for asking, a couple of things from me:"), the sign-off below
    ("See you Tuesday", "Let me know if you need anything"). A heading above a list names
    what its items are about ("Budget:" then "- headcount": "Budget: headcount").

    A mail that is not a ``reply`` may name its topic in the (bare) ``subject``: with no
    body it is the topic; with a body it heads each line ("subject: line"), or, when the
    body is one or two sentences about it, the whole body ("Promotion: I'd like to talk
    about the team lead role. Maybe by Q2?"). A subject that only names the meeting, getting
    ready for it or greets ("Topics for Tuesday", "1:1 prep", our own prep mail's) is not a
    topic. A paragraph wrapped over lines is one line; lines written one per line stay
    one topic each."""
    said = _said([line.strip() for line in text.split("\n")])
    topic_subject = "" if reply else _specific(subject, body=bool(said))
    lines = _under(topic_subject, said) if topic_subject else [line for line, _ in said]
    kept = lines[:limit]
    topics = tuple(shorten(line, width) for line in kept)
    shortened = sum(1 for before, after in zip(kept, topics, strict=True)
                    if after.endswith(ELLIPSIS) and not before.endswith(ELLIPSIS))
    return TopicLines(topics, dropped=max(0, len(lines) - limit), shortened=shortened)


def _said(rows: list[str]) -> list[tuple[str, bool]]:
    """The lines that say something, each with whether it was a list item: without the
    opening and closing lines, lead-ins, bullets, and with a list's heading on its items.
    When unsure a line is kept: a greeting kept is a topic to tick, a topic dropped is lost."""
    filled = [i for i, row in enumerate(rows) if row]
    # Cut once at each end: a line at a time copied the rest of a mail of thousands of such
    # lines (emoji, "----") per line, quadratic.
    first = next((n for n, i in enumerate(filled) if not is_intro(rows[i])), len(filled))
    last = next((n for n in range(len(filled) - 1, first - 1, -1)
                 if not is_closing(rows[filled[n]])), first - 1)
    body = [rows[i] for i in filled[first:last + 1]]
    out: list[tuple[str, bool]] = []
    heading = ""
    for n, line in enumerate(body):
        item = _BULLET.match(line) is not None
        text = _BULLET.sub("", line, count=1).strip()
        if not item:
            heading = ""
        if not text:
            continue
        following = body[n + 1] if n + 1 < len(body) else None
        if not item and following is not None and text.endswith((":", "：")):
            if is_lead_in(text, keyed=False):
                continue  # "A couple of things from me:", "Also:" above what it introduces
            if _BULLET.match(following):
                heading = text.rstrip(" :：")  # "Budget:" above its items
                continue
        out.append((f"{heading}: {text}" if heading else text, item))
    return out


def _specific(subject: str, *, body: bool) -> str:
    """The subject when it names a topic ("Promotion", "FW: Team restructure"), else "".
    Beside a body, a subject that only names the meeting or greets is not one ("Topics for
    Tuesday", "Quick question", "Hi Mia"); alone, only the agenda link's is not (a subject
    is all such a mail says)."""
    text = " ".join(subject.split())
    if text.casefold() in GENERIC_SUBJECTS or _OURS.search(text):
        return ""
    if body and (is_intro(text) or is_lead_in(text, keyed=False, subject=True)):
        return ""
    return text


def _under(subject: str, said: list[tuple[str, bool]]) -> list[str]:
    """A fresh mail's lines under its subject: the subject alone, the subject heading each
    line, or (a sentence or two about it) the subject and the two as one topic. Three lines
    or more, a list, or a line that does not end like a sentence are topics of their own:
    the guide asks for one topic per line."""
    if not said:
        return [subject]
    lines = [line for line, _ in said]
    if len(lines) == 2 and not any(item for _, item in said) and all(
            _SENTENCE_END.search(line) for line in lines):
        return [f"{subject}: {' '.join(lines)}"]
    key = topic_key(subject)
    return [line if topic_key(line).startswith(key) else f"{subject}: {line}"
            for line in lines]


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
