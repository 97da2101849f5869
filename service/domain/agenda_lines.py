"""The agenda's own lines, as the notes parser knows them in what Graph gives back as text:
its headings, header, prompts and hints (with any names: a display name may have changed
since the agenda went in), the markers of carried actions and topics, and the shapes of
the lines it writes (last time's, topics, the share line).

Pure; used by ``service.domain.notes`` to skip them, never to read them as notes.
"""

from __future__ import annotations

import functools
import re

from service.domain import agenda as ag
from service.domain.body import line_key
from service.domain.missed_line import MISSED_OPENINGS
from service.domain.ticks import BOX

# -- carried actions and topics -------------------------------------------------------------

ACTION_MARK = re.compile(r"\(\s*#\s*(\d{1,12})\s*\)")
TOPIC_MARK = re.compile(r"\(\s*topic\s*#\s*(\d{1,12})\s*\)", re.I)

# -- the agenda's own lines -----------------------------------------------------------------

HEADINGS = {line_key(title): key for key, title in ag.TITLES.items()}
HEADINGS.update({
    "meeting notes": ag.NOTES, "notes from the meeting": ag.NOTES, "note": ag.NOTES,
    "actions": ag.ACTIONS_AGREED, "agreed actions": ag.ACTIONS_AGREED,
    "action points": ag.ACTIONS_AGREED, "new actions": ag.ACTIONS_AGREED,
    "next steps": ag.ACTIONS_AGREED, "actions agreed today": ag.ACTIONS_AGREED,
    "action items": ag.ACTIONS_AGREED,
})
_HEADER_START = "1-2-1 · "
# The zone as agenda.zone_label writes it: "GMT", "UTC+03", or "UTC+05:45" (Kathmandu).
_HEADER_END = re.compile(r", \d{1,2}:\d{2}(?: [\w+-]+(?::\d{2})?)?$")


def is_header(line: str) -> bool:
    """Our header's shape, "1-2-1 · <names> & <names> · <day>, <time>[ <zone>]": between
    its start and its time, a " & " then a " · ", each with text around it. Found with
    ``find``, not one regex: ``.+ & .+ · .+`` tried every split of a long typed line of
    "&" and "·" that was no header (cubic: a 16 kB line took minutes)."""
    end = _HEADER_END.search(line) if line.startswith(_HEADER_START) else None
    if end is None:
        return False
    middle = line[len(_HEADER_START):end.start()]
    amp = middle.find(" & ", 1)  # the first: leaves the most room for the " · " after it
    return amp >= 0 and middle.rfind(" · ", amp + 4, len(middle) - 1) >= 0


_MORE_ACTIONS = re.compile(
    r"^\+ \d+ older open actions?, raised \d{1,2} [A-Z][a-z]{2} \d{4} or before, not listed here"
    r"|^\+ \d+ more open actions?, not listed here"  # list_fit.MORE_OPEN_ACTIONS
    r"|^\+ \d+ more topics?, not listed here")  # list_fit.MORE_TOPICS
_SHARE = re.compile(r"^\d+ of \d+ topics? (?:is|are) .+'s$|^no topics yet: .+$", re.I)
_TOPIC_LINE = re.compile(
    r"— [^—]+, raised \d{1,2} [A-Z][a-z]{2} \d{4}(?:, carried \d+×)?(?: \(topic #\d+\))?$")
# The line saying the last 1-2-1 was missed (agenda.MissedMeeting.line): its opening, then
# the day it was on.
_MISSED = re.compile("^(?:" + "|".join(re.escape(o) for o in MISSED_OPENINGS)
                     + r")[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}[,;.]", re.I)
QUOTED = re.compile(r"^[“\"].*[”\"]$")
_TOPIC_MAIL = re.compile(r"^add a topic any time: email \S+@\S+", re.I)
_PRIVATE_MAIL = re.compile(r"^a note for the manager's own record only: the manager emails it "
                           r"to \S+@\S+", re.I)
# Last time's recalled lines (domain/recall.quoted): known by shape too, so notes edited
# after this agenda went in (the re-render then recalls other words) are never read again
# as notes of this meeting.
_RECALLED = re.compile(r"^(?:from the notes|[^:]{1,80} added): “.*”$", re.I)


def static_lines(m: str, r: str) -> set[str]:
    """Our agenda's lines for a pair of these first names (manager's, report's)."""
    lines = {line_key(h) for h in ag.HINTS}
    for texts in ag.prompts(m, r).values():
        lines.update(line_key(t) for t in texts)
    lines.update(line_key(t.format(r=r, m=m))
                 for t in (*ag.FORMER_PROMPTS, *ag.FORMER_TYPING_PROMPTS))
    return lines


# Stand-ins for the pair's first names while the prompts are turned into patterns (private
# use code points: never in the product's own wording).
_SLOT_M, _SLOT_R = "\ue000", "\ue001"
# Prompts of the areas the manager types into: recognised there too (the rest only outside
# them, so a note that happens to read like a prompt about someone else stays a note).
TYPING_AREAS = (ag.NOTES, ag.ACTIONS_AGREED)
_TYPING_PROMPTS = (*TYPING_AREAS, ag.NOTES_WORDINGS)


def _slot_pattern(text: str) -> re.Pattern[str]:
    """A prompt's key as a whole-line pattern, each name slot matching any one word."""
    parts = re.split(f"[{_SLOT_M}{_SLOT_R}]", line_key(text))
    return re.compile(r"\S*".join(re.escape(p) for p in parts))


@functools.lru_cache(maxsize=1)
def _prompt_patterns() -> tuple[tuple[re.Pattern[str], bool], ...]:
    """The prompts naming the pair as patterns with the names left open (and whether they
    count in the typing areas too): the invite has the names of the day it was written, and
    a display name changed since must not turn the agenda's prompts into notes."""
    out: dict[str, tuple[re.Pattern[str], bool]] = {}
    for key, texts in ag.prompts(_SLOT_M, _SLOT_R).items():
        for text in texts:
            if _SLOT_M in text or _SLOT_R in text:
                anywhere = key in _TYPING_PROMPTS
                out[text] = (_slot_pattern(text), anywhere or out.get(text, (None, False))[1])
    for text in (*ag.FORMER_PROMPTS, *ag.FORMER_TYPING_PROMPTS):
        former = text.format(r=_SLOT_R, m=_SLOT_M)
        # (The example action sat in a typing area too.)
        anywhere = (text in ag.FORMER_TYPING_PROMPTS
                    or former.startswith(ag.ACTIONS_EXAMPLE_PREFIX))
        out[former] = (_slot_pattern(former), anywhere)
    return tuple(out.values())


@functools.lru_cache(maxsize=2)
def _prompts_in(in_typing_area: bool) -> re.Pattern[str]:
    """The prompts that count here as one pattern, each an alternative: one match per line,
    not one per prompt (a pasted thread is tens of thousands of lines)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p, anywhere in _prompt_patterns()
                               if anywhere or not in_typing_area) or "(?!)")


def is_prompt(key: str, in_typing_area: bool) -> bool:
    """Is ``key`` (``line_key``) one of the prompts naming the pair, with any names? In the
    areas the manager types into only those of those areas."""
    return _prompts_in(in_typing_area).fullmatch(key) is not None


def agenda_shaped(line: str, in_typing_area: bool) -> bool:
    """Lines known by their shape as our agenda's. Last time's, topic and share lines only
    outside the areas the manager types into: there "Finance added: “…”" is their note."""
    if is_header(line) or _TOPIC_MAIL.match(line) or _PRIVATE_MAIL.match(line):
        return True
    if in_typing_area:
        # "[ ] Rob – fix the bug (#4521) – Friday" typed there is the manager's action
        # (a ticket number is not one of our markers): only our carried lines' own area
        # holds lines shaped like them.
        return False
    return bool(_SHARE.match(line) or _RECALLED.match(line) or _MORE_ACTIONS.match(line)
                or _MISSED.match(line)
                or _TOPIC_LINE.search(line)
                or (ACTION_MARK.search(line) and BOX.match(line) and " – " in line))
