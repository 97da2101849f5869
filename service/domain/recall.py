"""People's words recalled in a later agenda ("Last time"): one short line each, that can
never be read back as one of the agenda's own lines.

Notes, topics and comments may hold anything (line breaks, a whole essay, our own markers,
emoji sequences). The agenda shows a glance, not the record: each is one line, clipped at a
word boundary, and any "(#12)" or "(topic #12)" in it is shown as "(＃12)", so the notes
parser never takes it for that action or topic and ticks or closes it.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re
import unicodedata

from service.domain.body import INVISIBLES

CLIP = 140
# The notes parser drops invisibles before it looks for a marker (body.clean_line), so a
# marker with one inside, "(\u200e#17)", is live once read back: they may sit anywhere here.
_GAP = f"[\\s{INVISIBLES}]*"
_MARK = re.compile(rf"\({_GAP}(?:{_GAP.join('topic')}{_GAP})?#", re.I)
_LEADING_MARK = re.compile(r"^\(\s*(?:topic\s*)?#\s*\d+\s*\)\s*", re.I)
# Zero-width joiner and variation selectors: an emoji sequence is never cut next to one.
_JOINERS = "\u200d\ufe0e\ufe0f"


def clip(text: str, limit: int = CLIP) -> str:
    """One line of at most ``limit`` characters (plus "…" when cut): whitespace and line
    breaks made single spaces, cut at a word boundary when there is one late enough, and
    never between a character and its combining marks or inside an emoji sequence."""
    if limit < 10:
        raise ValueError("clip needs a limit of at least 10")
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    end = cut if cut >= limit * 0.6 else limit
    while end > 1 and (unicodedata.combining(line[end]) or line[end] in _JOINERS
                       or line[end - 1] in _JOINERS):
        end -= 1
    return line[:end].rstrip(" ,;:–—-") + "…"


def defang(text: str, limit: int = CLIP) -> str:
    """``text`` clipped to one line, its "(#n)"/"(topic #n)" markers made inert."""
    return clip(_MARK.sub(lambda m: m.group(0).replace("#", "＃"), text), limit)


def quoted(text: str, limit: int = CLIP) -> str:
    """A note or comment as recalled: without the "(#n)" a note typed after an action's
    marker starts with, made inert, clipped, in quotes (so it never fills a line alone,
    which is what the block's sentinel lines do)."""
    return f"“{defang(_LEADING_MARK.sub('', ' '.join(text.split())), limit)}”"
