"""Outlook's @mentions, carried from the body's HTML to the notes parser.

A manager who types "@" in Outlook picks a person, and the body gets a link to their
address: Outlook desktop writes ``<a id="OWAAM…" href="mailto:…"><span>@Last, First</span>
</a>``, OWA and the new Outlook ``<a href="mailto:…" id="OWAAM…" class="… mention …">@Name
</a>``; people often shorten the name shown afterwards ("@Rob"). What the manager sees is
the name, so that is what the text holds (never "<mailto:…>" after it); which person was
picked is the address, and it is the surest way to know an action's owner.

``html_to_text(…, mentions=True)`` therefore writes a mention as the name shown between
marks (private-use characters, with the link's address) that only it can write: it drops
them from any text it reads, so no words typed or pasted anywhere, nor a literal
"<mailto:…>", can pass for a mention. The notes parser takes the marks off each line first
(``split_line``), keeping for that line which words were a mention of which address.

Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from service.domain.body import SPACE, clean_line, fold

# Around a mention: OPEN, the link's address, SHOWN, the name as shown, CLOSE. (Private use
# code points: in no font, and dropped from every text the converter reads.)
OPEN, SHOWN, CLOSE = "\ue0a0", "\ue0a1", "\ue0a2"
_MARKS = dict.fromkeys(map(ord, OPEN + SHOWN + CLOSE), None)
_MARKED = re.compile(f"{OPEN}([^{OPEN}{SHOWN}{CLOSE}]*){SHOWN}([^{OPEN}{SHOWN}{CLOSE}]*)"
                     f"{CLOSE}")


def unmarked(text: str) -> str:
    """``text`` without any of the marks (text read from a body, before it is written)."""
    return text.translate(_MARKS)


def as_shown(text: str) -> str:
    """``text`` (from ``html_to_text(…, mentions=True)``) with each mention as the name it
    shows, as the converter writes it without ``mentions``."""
    return unmarked(_MARKED.sub(lambda m: m.group(2), text))


def is_mention(href: str, attrs: dict[str, str | None], shown: str) -> bool:
    """Is a link to ``href`` showing ``shown`` Outlook's mention of a person: a ``mailto:``
    link that Outlook marked as one (an ``OWAAM…`` id, a ``mention`` class) or whose text
    starts with "@" (as every Outlook writes a mention until it is shortened)?"""
    if not href.strip().casefold().startswith("mailto:"):
        return False
    ident = (attrs.get("id") or "").strip().upper()
    classes = (attrs.get("class") or "").casefold().split()
    return ident.startswith("OWAAM") or "mention" in classes or shown.startswith("@")


def marked(shown: str, href: str) -> str:
    """A mention's text as ``html_to_text(…, mentions=True)`` writes it."""
    return f"{OPEN}{unmarked(href)}{SHOWN}{unmarked(shown)}{CLOSE}"


def address(href: str) -> str:
    """The address a ``mailto:`` link is to, compared casefolded ("" when none)."""
    target = href.strip()[len("mailto:"):].split("?", 1)[0]
    return unquote(target).strip().casefold()


@dataclass(frozen=True)
class Mention:
    """Words of a line that were a mention: the name as shown, and the link's address."""

    shown: str
    href: str


def _key(words: str) -> str:
    return fold(SPACE.sub(" ", clean_line(words).strip(" .,;:*_")))


def _count(words: str, text: str) -> int:
    """How often ``words`` stand in ``text`` as words of their own."""
    return len(re.findall(rf"(?<![\w@]){re.escape(words)}(?!\w)", text))


@dataclass(frozen=True)
class LineMentions:
    """The mentions on one line of the text (``line``: as shown, without marks)."""

    line: str
    found: tuple[Mention, ...] = ()

    def address(self, words: str) -> str | None:
        """The address of the person ``words`` (an owner as cut from the line) mention, or
        None: only when they are the whole of a mention shown on this line, and every
        time those words stand on the line they are a mention of that one address. The
        same words typed as well ("@Rob" typed beside a picked "@Rob") say nothing: typed
        text never claims an address."""
        if not self.found:
            return None
        key = _key(words)
        if not key:
            return None
        hits = [m for m in self.found if _key(m.shown) == key]
        targets = {address(m.href) for m in hits}
        if not hits or len(targets) != 1 or "" in targets:
            return None
        # (Inside a longer mention on the line, "@Rob" of "@Rob Smith", they do not stand.)
        standing = _count(key, _key(self.line)) - sum(
            _count(key, _key(m.shown)) for m in self.found if _key(m.shown) != key)
        return targets.pop() if standing == len(hits) else None

    def named(self, words: str) -> str | None:
        """``words``, a mention on this line (``address``), as a name: without its "@"."""
        if self.address(words) is None:
            return None
        return clean_line(words).strip(" .,;:*_").removeprefix("@").strip() or None


NO_MENTIONS = LineMentions("")


def split_line(raw: str) -> tuple[str, str, tuple[Mention, ...]]:
    """A line of ``html_to_text(…, mentions=True)``: as shown (mentions as their names),
    as the release before this one wrote it (each followed by ``<mailto:…>``, how notes
    read then are compared: see ``notes``), and its mentions in order."""
    if OPEN not in raw:
        shown = unmarked(raw)
        return shown, shown, ()
    found: list[Mention] = []

    def shown_as(m: re.Match[str]) -> str:
        found.append(Mention(shown=m.group(2), href=m.group(1)))
        return m.group(2)

    def written_as(m: re.Match[str]) -> str:
        return f"{m.group(2)}<{m.group(1)}>" if m.group(1) else m.group(2)

    return (unmarked(_MARKED.sub(shown_as, raw)), unmarked(_MARKED.sub(written_as, raw)),
            tuple(found))
