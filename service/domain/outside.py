"""Words typed outside our block: noticed, never read.

Only what is between the START and END lines is read as notes (docs/agendas-and-notes.md).
The rest of the body may hold anything - the Teams join block, the series' own note, what
a manager keeps there for themselves - and none of it is ours to read. But Outlook puts the
caret at the top of the body, above our START line, and a manager who types the notes there
would otherwise be told that nothing was recorded and offered times to rebook a meeting that
took place. So the read-back notices that words were added outside the block since the
agenda went in, without reading them: when an agenda is written, the words outside it are
counted and hashed (``outside_print``); when the notes are read back, the same is done
again, and more words than then means someone typed there.

Only that print is kept, never the text (it may hold anything). It is of the words alone,
case-folded, in order, so what Outlook changes when it saves a body again - its own HTML,
spacing, line wrapping, bullets, punctuation (AutoCorrect's quotes and dashes), the address
the text view writes after a link - gives the same print. The Teams join block (the lines
between its two rules of underscores) is left out: Exchange adds it, or writes it again, of
its own accord. Fewer words than when the agenda went in (something deleted, Teams turned
off) is not typing.

Pure: strings in, strings out.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from service.domain.body import fold, sentinel_kind

# The rule Teams writes above and below its join block (as body._TEAMS_RULE, per line).
_RULE = re.compile(r"^[ \t\u00a0]*_{20,}[ \t\u00a0]*$")
# Where a link points, as the text view writes it ("Click here<https://…>"), or a bare one:
# an address is not words anyone typed, and a client may rewrite it (Safe Links, tracking).
_ADDRESS = re.compile(r"<[^<>\s]*[:/@][^<>\s]*>|\b(?:https?|mailto):\S+", re.I)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class OutsidePrint:
    """How many words are outside the block, and a hash of them: "<words>:<sha256 hex>"
    as stored (``str``)."""

    words: int
    digest: str

    def __str__(self) -> str:
        return f"{self.words}:{self.digest}"

    @classmethod
    def parse(cls, stored: str | None) -> OutsidePrint | None:
        """The print as stored; None when there is none (or it is not one)."""
        words, _, digest = (stored or "").partition(":")
        if not words.isdigit() or len(digest) != 64:
            return None
        return cls(int(words), digest)


def outside_lines(text: str) -> list[str]:
    """The lines of a body read as text that are outside our block: above its START line
    and below its END line, as ``body.block_text`` bounds the block (the first START line,
    the last END line after it; with the START line deleted the block runs from the top,
    with the END line deleted to the Teams rule). All of them when neither line is there."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds = [sentinel_kind(line) for line in lines]
    start = next((i for i, kind in enumerate(kinds) if kind == "start"), None)
    ends = [i for i, kind in enumerate(kinds)
            if kind == "end" and (start is None or i > start)]
    if start is None and not ends:
        return lines
    if start is None:
        return lines[ends[-1] + 1:]
    if not ends:
        rule = next((i for i in range(start + 1, len(lines)) if _RULE.match(lines[i])),
                    len(lines))
        return lines[:start] + lines[rule:]
    return lines[:start] + lines[ends[-1] + 1:]


def _without_teams(lines: list[str]) -> list[str]:
    """The lines without each Teams join block: from a rule line to the next one, both
    included. A rule with none after it is dropped alone (its words, if it has any, stay)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _RULE.match(lines[i]):
            closing = next((j for j in range(i + 1, len(lines)) if _RULE.match(lines[j])),
                           None)
            i = (closing if closing is not None else i) + 1
            continue
        out.append(lines[i])
        i += 1
    return out


def outside_words(text: str) -> list[str]:
    """The words outside our block in a body read as text, normalised (see the module)."""
    kept = "\n".join(_without_teams(outside_lines(text)))
    kept = _ADDRESS.sub(" ", unicodedata.normalize("NFKC", kept))
    return _WORD.findall(fold(kept))


def outside_print(text: str) -> OutsidePrint:
    """The print of the words outside our block in a body read as text."""
    words = outside_words(text)
    return OutsidePrint(len(words), hashlib.sha256(" ".join(words).encode()).hexdigest())


def typed_outside(written: str | None, text: str) -> bool:
    """Whether a body read as text has words outside our block that were not there when the
    agenda went in (``written``: the print stored then). False when none was stored: an
    agenda written before prints were kept, or a body never ours, tells nothing."""
    then = OutsidePrint.parse(written)
    if then is None:
        return False
    now = outside_print(text)
    return now.digest != then.digest and now.words > then.words
