"""Whether a person ticked one of our lines, and what they typed into it.

An agenda line of ours (a carried action, a topic) is read against the line as we rendered
it: only a change is the manager's (a box ticked, a tick glyph, "done", ``~~``, words typed
in front of our marker or after it). Our own words - whatever a report wrote into a topic -
are compared away first, so they never tick anything.
"""

from __future__ import annotations

import difflib
import re

from service.domain.body import clean_line, strip_bullets

BOX = re.compile(r"^\[\s*([^\]]{0,8}?)\s*\]\s*")
_TICK_GLYPHS = "☑☒✔✓✅√"
# A cross in notes says "not done" (a ✓/✗ column, Outlook's Insert > Symbol cross): never a
# tick. In front of a line it is read as an open box, so the owner after it is still found.
_CROSS_GLYPHS = "✗✘❌✖"
_OPEN_GLYPHS = "☐□❑❒" + _CROSS_GLYPHS
_TICK_WORDS = {"x", "✓", "✔", "✅", "√", "*", "done", "yes", "☑", "☒", "v", "y"}
# A variation selector after a glyph: the emoji panel (Windows, iOS, Android) types "☑️"
# and "✔️" as the glyph + U+FE0F. Left in front of the words, it would make "Sam" another
# owner ("️ Sam"), and "I'll"/"Alex to" no owner at all (the action lost as a note).
_AFTER_GLYPH = re.compile(r"^[\ufe0e\ufe0f]*\s*")


def leading_box(s: str) -> tuple[str, bool | None]:
    """Remove a leading checkbox; returns (rest, ticked) with ticked None when no box."""
    m = BOX.match(s)
    if m:
        return s[m.end():], m.group(1).casefold() in _TICK_WORDS
    if s[:1] in _TICK_GLYPHS:
        return _AFTER_GLYPH.sub("", s[1:]), True
    if s[:1] in _OPEN_GLYPHS:
        return _AFTER_GLYPH.sub("", s[1:]), False
    return s, None


_DONE_WORD = re.compile(r"(?<![\w-])(?:done|completed|complete|closed|finished)(?![\w-])", re.I)
# A topic is marked discussed in words as often as with a tick. Never an action: an action
# "discussed with HR" is not done.
_DISCUSSED_WORD = re.compile(
    r"(?<![\w-])(?:discussed|covered|talked (?:about|through)(?: (?:it|this|that))?)(?![\w-])",
    re.I)
# ... unless the words say it is not: "not done yet, moving to January", "isn't finished",
# "half done", "still to be done", "not discussed" leave the line open, as typed.
_NOT_YET = re.compile(
    r"(?:(?<![\w-])(?:not|never|almost|nearly|half|partly|partially|mostly|to be)|n['’]t)"
    r"(?:\s+(?:yet|quite|really|fully|been|be|being|all|completely|entirely|properly))*"
    r"\s+(?:done|completed|complete|closed|finished|discussed|covered|talked)(?![\w-])", re.I)


_TOKEN = re.compile(r"\w+|\s+|.", re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")
_LEADING_X = re.compile(r"^[xX]\b")
_LATER_BOX = re.compile(r"\[\s*([^\]]{0,8}?)\s*\]")


def typed_into(line: str, ours: str) -> list[str]:
    """The runs of ``line`` that are not in ``ours``: what a person typed into our line.

    Compared word by word, so the words we rendered (a topic's or an action's own text,
    an owner such as "Closed Loop Ltd") are never read as something the manager typed.
    """
    mine, theirs = _TOKEN.findall(ours), _TOKEN.findall(line)
    matcher = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
    return ["".join(theirs[j1:j2]) for op, _i1, _i2, j1, j2 in matcher.get_opcodes()
            if op in ("replace", "insert")]


def says_done(typed: str) -> bool:
    """Does text a person typed say "done" (a done word, a tick, a ticked box, ~~)?"""
    typed = _NOT_YET.sub(" ", typed)
    if "~~" in typed or _DONE_WORD.search(typed) or any(g in typed for g in _TICK_GLYPHS):
        return True
    return any(m.group(1).casefold() in _TICK_WORDS for m in _LATER_BOX.finditer(typed))


def says_discussed(typed: str) -> bool:
    """Does text typed after a topic say it was discussed (as ``says_done``, or in words)?"""
    return says_done(typed) or bool(_DISCUSSED_WORD.search(_NOT_YET.sub(" ", typed)))


def box_ticked(line: str, ours: str | None) -> bool:
    """A ticked box in front of the line, or an "x" typed in place of the box (an "x" that
    starts our own text, as in "X-ray results", is not one)."""
    s = strip_bullets(clean_line(line))
    _rest, box = leading_box(s)
    if box is not None:
        return box
    if not _LEADING_X.match(s):
        return False
    if ours is None:
        return True
    own, _ = leading_box(strip_bullets(clean_line(ours)))
    return not s.startswith(own.strip()[:40])


def ticked_against(line: str, ours: str, *, topic: bool = False) -> bool:
    """Is our rendered line ``ours``, as found now (``line``), ticked by the manager?

    Only a change counts: the leading box ticked, or a tick, "done" or ``~~`` added (or, on
    a ``topic``, "discussed"). Our own words - whatever a report wrote into a topic - are
    compared away first.
    """
    if box_ticked(line, ours) and not box_ticked(ours, None):
        return True
    said = says_discussed if topic else says_done
    return any(said(typed) for typed in typed_into(clean_line(line), clean_line(ours)))


def words_typed(line: str, ours: str) -> str:
    """Words a person typed into our line in front of its marker ("blocked by finance,
    moving to January"), to keep as a note of that line; "" for none. A tick, or a number
    or a date changed on its own, is not a note (a line re-rendered later can differ there)."""
    own = {t.casefold() for t in _TOKEN.findall(ours)}
    runs = [r.strip(" –—-:;,.·()[]") for r in typed_into(line, ours) if not says_done(r)]
    words = [w for r in runs for w in _WORD.findall(r) if w.casefold() not in own]
    return " … ".join(r for r in runs if r) if len(words) >= 2 else ""


def ticked_outside(line: str, marker: re.Match[str]) -> bool:
    """Without our rendered line to compare with (a topic line we can't reproduce): only
    the box in front and what follows the marker can be the manager's; the text between
    is the topic's own and is never read for ticks."""
    head = strip_bullets(clean_line(line[:marker.start()]))
    return bool(leading_box(head)[1]) or says_discussed(line[marker.end():])


def after_marker(line: str, marker: re.Match[str], *, topic: bool = False) -> str:
    """What the manager typed after our marker, less the words that ticked it."""
    extra = line[marker.end():].replace("~~", " ").strip(" –—-:;,.·")
    if _NOT_YET.search(extra):
        return extra  # "not done yet, …": the words as typed, their "done" included
    extra = _DONE_WORD.sub("", extra)
    if topic:
        extra = _DISCUSSED_WORD.sub("", extra)
    return extra.strip(" –—-:;,.·()[]✓✔☑✅xX\ufe0f" + _CROSS_GLYPHS)
