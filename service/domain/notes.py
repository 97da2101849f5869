"""Read back what the manager typed into an occurrence: notes, new actions, ticked actions.

Input is our block of the body as Graph returns it as text (``body.block_text``); a whole
body is accepted too (the part between our sentinel lines is used). Pure, deterministic,
and it never raises: a line it cannot read as anything else is kept as a note.

How lines are classified, in order:

1. blank lines, our sentinel lines and the agenda's own lines (header, headings, prompts,
   hints, the example action, "3 of 4 topics are Alex's", the question) are skipped - they
   are recognised from ``agenda.prompts`` and fixed patterns, and, when ``template`` (the
   injected block as text) is given, by exact comparison with its lines;
2. a line with ``(#ID)`` for one of ``open_actions`` is that carried action: ticked
   (``[x]``, ``[X]``, ``[✓]``, ``☑``, ``✔``, ``✓``, ``✅``, ``x`` instead of the box,
   ``done``/``completed``/``(done)`` outside the action's own words, or ``~~`` strikethrough)
   closes it, anything else leaves it open; words typed after the marker become a note;
3. a line with ``(topic #ID)`` is a topic; ticked means discussed;
4. headings switch sections (matched case-insensitively, with or without a colon, bullets,
   ``*``/``#`` decoration); sections may appear in any order;
5. under **Actions agreed** a line is read as an action (grammar below); if it cannot be
   read, it is a note;
6. every other line is a note (leading bullets removed, the rest as typed).

Action grammar (one line; ``–``, ``—`` and ``-`` are interchangeable separators)::

    [bullet | "1." | "1)" | "(1)"] [ "[ ]" | "[x]" | "☐" | "☑" ... ]
    OWNER ( ":" | " - " | " to " | " will " | " should " | " needs to " | "'ll " ) WHAT
    [ ( " - " | "," | " by " | " due " | " before " | " on " | " until " | "(" ) DUE [")"] ]

    Sam: send the Q1 plan by 12 Dec
    [ ] Alex – book the course – 2026-12-12
    - Alex - book the course - due 12/12/2026
    • Sam to send the deck by Friday
    1. Alex: draft the proposal (due 3 Jan)
    I'll share the slides by next week          (I/me -> the manager)

OWNER is the first name or full name of either person ("me"/"I" is the manager, "you" the
report), or any other short name, kept as written. For " to "/" will " forms the owner must
be one of the two people or a pronoun, so ordinary sentences are not misread.

DUE (see ``parse_due``): ISO ``2026-12-12``; ``12/12/2026``, ``12/12/26``, ``12.12.2026``
and ``12/12`` are DAY/MONTH (UK style, the guidance's home); ``12 Dec``, ``12th December
2026``, ``Dec 12``, ``December 12, 2026``, optionally after a weekday (``Fri 12 Dec``); a
date without a year is the next such date on or after the meeting; ``today``,
``tomorrow``, weekday names (the first such day after the meeting; ``next Friday`` is the
Friday of the following week), ``end of week``/``this week`` (Friday), ``next week``
(meeting + 7 days), ``end of next week``, ``end of month``, ``next month``,
``in 3 days``/``in two weeks``.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from service.domain import agenda as ag
from service.domain.agenda import OpenAction, first_name
from service.domain.body import block_text, normalise_block_text

# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAction:
    """An action agreed at this meeting. ``line`` is the line as typed (normalised spaces)."""

    owner: str
    text: str
    due: date | None
    line: str
    done: bool = False  # typed with a ticked box: agreed and already done


@dataclass
class ParsedNotes:
    """What the manager wrote.

    ``closed_ids``: carried actions ticked done. ``still_open_ids``: every other open action
    (ticked or not, present or not: open until someone says it is done). ``missing_ids``:
    open actions whose line was not found at all (deleted), for a log line.
    """

    notes: list[str] = field(default_factory=list)
    new_actions: list[NewAction] = field(default_factory=list)
    closed_ids: set[int] = field(default_factory=set)
    still_open_ids: set[int] = field(default_factory=set)
    topics_discussed: set[int] = field(default_factory=set)
    # True when the text could not be parsed and every line was kept as a note: nothing can
    # then be concluded about actions (none added, none withdrawn).
    fallback: bool = False
    missing_ids: set[int] = field(default_factory=set)


# -- text clean-up --------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
# Glyph bullets may touch the text; "-", "*", "–", "—", ">" only count with a space after
# (so "-5 degrees" stays as typed).
_LEADING_BULLETS = re.compile(r"^(?:[•·◦▪▫●○■▸►‣⁃∙]\s*|[-*–—>]+\s+)+")
_NUMBERING = re.compile(r"^(?:\(?\d{1,3}[.)]|\(\d{1,3}\)|[a-z][.)])\s+", re.I)
_SPACE = re.compile(r"\s+")


def _clean(line: str) -> str:
    """One line with NBSP/tabs/odd spaces as single spaces, invisibles removed, stripped."""
    line = line.translate(_INVISIBLE)
    return _SPACE.sub(" ", line.replace("\u00a0", " ")).strip()


_INNER_BOX = re.compile(r"\[\s*[xX✓✔]?\s*\]|[☐☑☒✅]")


def _key(line: str) -> str:
    """Comparison key for recognising the agenda's own lines."""
    line = _LEADING_BULLETS.sub("", line).replace("’", "'").replace("‘", "'")
    line = line.strip(" *_#:").casefold()
    # Tick boxes inside a line don't make it another line: a manager who replaces every
    # "[ ]" with "[x]" also changes the hint "change [ ] to [x]", which is still ours.
    line = _INNER_BOX.sub("[]", line)
    return _SPACE.sub(" ", line)


def _strip_bullets(line: str) -> str:
    out = _LEADING_BULLETS.sub("", line)
    return out if out.strip() else line


# -- dates --------------------------------------------------------------------------------

_MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTHS.update({name.casefold(): i for i, name in enumerate(ag.MONTHS_LONG, 1)})
_MONTHS["sept"] = 9
_WEEKDAYS: dict[str, int] = {}
for _i, _name in enumerate(ag.DAYS_LONG):
    _low = _name.casefold()
    for _abbr in (_low, _low[:3], _low[:4]):  # not 2 letters: "we", "th" are words
        _WEEKDAYS.setdefault(_abbr, _i)
_WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12}
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_RE = r"([a-z]{3,9})\.?"
_YEAR_RE = r"(?:[,-]?\s*('?\d{4}|'?\d{2}))?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?")
_DAY_MONTH = re.compile(rf"(\d{{1,2}}){_ORD}(?:\s+of)?\s*[- ]\s*{_MONTH_RE}{_YEAR_RE}")
_MONTH_DAY = re.compile(rf"{_MONTH_RE}\s*(\d{{1,2}}){_ORD}{_YEAR_RE}")
_IN_N = re.compile(r"in\s+(\d{1,3}|[a-z]+)\s+(day|days|week|weeks|wk|wks|month|months)")
_WEEKDAY_PREFIX = re.compile(r"^([a-z]{2,9})\.?,?\s+(?=\d|[a-z]{3,9}\.?\s*\d)")


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    raw = raw.lstrip("'")
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _next_on_or_after(day: int, month: int, start: date) -> date | None:
    """The first ``day``/``month`` on or after ``start`` (29 Feb: the next leap year)."""
    for year in range(start.year, start.year + 9):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= start:
            return d
    return None


def _make(day: int, month: int, year: int | None, meeting: date) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is None:
        return _next_on_or_after(day, month, meeting)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _weekday_after(meeting: date, weekday: int) -> date:
    """The first ``weekday`` strictly after the meeting day."""
    return meeting + timedelta(days=(weekday - meeting.weekday() - 1) % 7 + 1)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def parse_due(text: str, meeting_date: date) -> date | None:
    """A due date from the whole of ``text`` (see the module notes), or None."""
    s = _clean(text).casefold().strip(" .,;:!()[]")
    s = re.sub(r"^(?:due|by|before|on|until|deadline|for)\b\s*:?\s*", "", s).strip()
    if not s or len(s) > 40:
        return None
    friday = 4
    relative = {
        "today": meeting_date, "end of day": meeting_date, "eod": meeting_date,
        "tomorrow": meeting_date + timedelta(days=1),
        "next week": meeting_date + timedelta(days=7),
        "a week": meeting_date + timedelta(days=7),
        "end of week": None, "end of the week": None, "this week": None, "eow": None,
        # Friday of the following (ISO) week
        "end of next week": meeting_date + timedelta(days=7 - meeting_date.weekday() + friday),
        "end of month": None, "end of the month": None, "this month": None, "eom": None,
        "next month": _add_months(meeting_date, 1),
    }
    if s in relative:
        value = relative[s]
        if value is not None:
            return value
        if "month" in s or s == "eom":
            return meeting_date.replace(day=calendar.monthrange(meeting_date.year,
                                                                meeting_date.month)[1])
        return meeting_date + timedelta(days=(friday - meeting_date.weekday()) % 7)
    m = _IN_N.fullmatch(s)
    if m:
        raw, unit = m.groups()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if n is None:
            return None
        if unit.startswith("month"):
            return _add_months(meeting_date, n)
        return meeting_date + timedelta(days=n * (7 if unit.startswith("w") else 1))
    words = s.split()
    if len(words) <= 2 and words[-1].rstrip(".") in _WEEKDAYS and (
            len(words) == 1 or words[0] in ("this", "next", "coming")):
        target = _weekday_after(meeting_date, _WEEKDAYS[words[-1].rstrip(".")])
        if words[0] == "next" and target.isocalendar()[:2] == meeting_date.isocalendar()[:2]:
            target += timedelta(days=7)
        return target
    prefix = _WEEKDAY_PREFIX.match(s)
    if prefix and prefix.group(1) in _WEEKDAYS:
        s = s[prefix.end():]
    m = _ISO.fullmatch(s)
    if m:
        return _make(int(m.group(3)), int(m.group(2)), int(m.group(1)), meeting_date)
    m = _NUMERIC.fullmatch(s)
    if m:  # day/month[/year]: UK order
        return _make(int(m.group(1)), int(m.group(2)), _year(m.group(3)), meeting_date)
    m = _DAY_MONTH.fullmatch(s)
    if m and m.group(2) in _MONTHS:
        return _make(int(m.group(1)), _MONTHS[m.group(2)], _year(m.group(3)), meeting_date)
    m = _MONTH_DAY.fullmatch(s)
    if m and m.group(1) in _MONTHS:
        return _make(int(m.group(2)), _MONTHS[m.group(1)], _year(m.group(3)), meeting_date)
    return None


_DUE_SPLIT = re.compile(
    r"\s+[–—-]+\s*|\s*[–—]\s*|,\s*|\s*\(\s*|\s*;\s*"
    r"|\s+(?=(?:due|by|before|on|until|deadline)\b)"
    # relative phrases need no separator: "chase HR next week", "call Jo tomorrow"
    r"|\s+(?=(?:next|this|tomorrow|today|end of|in \w+ (?:day|week|month)s?)\b)", re.I)


def split_due(rest: str, meeting_date: date) -> tuple[str, date | None]:
    """Split 'send the plan by 12 Dec' into ('send the plan', date); no date: (rest, None)."""
    for m in _DUE_SPLIT.finditer(rest):
        if m.start() == 0 or len(rest) - m.end() > 60:  # a due date is a short tail
            continue
        tail = rest[m.end():].strip()
        if m.group().strip() == "(":
            if not tail.endswith(")"):
                continue
            tail = tail[:-1]
        due = parse_due(tail, meeting_date)
        if due is not None:
            head = rest[:m.start()].rstrip(" –—-,;:")
            if head:
                return head, due
    return rest, None


# -- owners and actions ---------------------------------------------------------------------

_MANAGER_WORDS = {"me", "i", "myself"}
_REPORT_WORDS = {"you", "yourself"}


def resolve_owner(raw: str, manager_name: str, report_name: str) -> str | None:
    """The owner's full name for a known person or pronoun; None if not one of the pair."""
    key = _SPACE.sub(" ", raw.strip(" .,;:*_")).casefold()
    if key in _MANAGER_WORDS:
        return manager_name
    if key in _REPORT_WORDS:
        return report_name
    if key == manager_name.casefold():
        return manager_name
    if key == report_name.casefold():
        return report_name
    firsts = {first_name(manager_name).casefold(): manager_name,
              first_name(report_name).casefold(): report_name}
    if len({first_name(manager_name).casefold(), first_name(report_name).casefold()}) == 2:
        return firsts.get(key)
    return None  # both have the same first name: only a full name tells them apart


_BOX = re.compile(r"^\[\s*([^\]]{0,8}?)\s*\]\s*")
_TICK_GLYPHS = "☑☒✔✓✅✗✘√"
_OPEN_GLYPHS = "☐□❑❒"
_TICK_WORDS = {"x", "✓", "✔", "✅", "√", "*", "done", "yes", "☑", "☒", "v", "y"}
_COLON = re.compile(r"^(?P<o>[^:]{1,60}?)\s*:\s*(?P<r>\S.*)$")
_DASH = re.compile(r"^(?P<o>.{1,60}?)\s+[–—-]{1,2}\s*(?P<r>\S.*)$"
                   r"|^(?P<o2>.{1,60}?)\s*[–—]\s*(?P<r2>\S.*)$")
_VERB = re.compile(
    r"^(?P<o>.{1,60}?)(?:\s+(?:to|will|shall|should|must|needs to|need to|is to|is going to|"
    r"are to|agreed to|agrees to|offered to)|['’]ll)\s+(?P<r>\S.*)$", re.I)


def _owner_like(raw: str) -> bool:
    words = raw.split()
    return (0 < len(words) <= 4 and "http" not in raw.casefold()
            and not any(ch in raw for ch in "[](){}<>\"“”?!=")
            and not raw[:1].isdigit())


def _leading_box(s: str) -> tuple[str, bool | None]:
    """Remove a leading checkbox; returns (rest, ticked) with ticked None when no box."""
    m = _BOX.match(s)
    if m:
        return s[m.end():], m.group(1).casefold() in _TICK_WORDS
    if s[:1] in _TICK_GLYPHS:
        return s[1:].lstrip(), True
    if s[:1] in _OPEN_GLYPHS:
        return s[1:].lstrip(), False
    return s, None


def parse_action(line: str, *, meeting_date: date, manager_name: str,
                 report_name: str) -> NewAction | None:
    """One action line in the forgiving form (see the module notes), or None."""
    s = _clean(line)
    s = _strip_bullets(s)
    s = _NUMBERING.sub("", s)
    s = _strip_bullets(s)
    s, ticked = _leading_box(s)
    s = s.strip()
    if not s:
        return None
    candidates: list[tuple[int, str, str]] = []
    m = _COLON.match(s)
    if m and _owner_like(m.group("o")):
        candidates.append((len(m.group("o")), m.group("o"), m.group("r")))
    m = _DASH.match(s)
    if m:
        owner, rest = (m.group("o"), m.group("r")) if m.group("o") else (m.group("o2"),
                                                                         m.group("r2"))
        if _owner_like(owner):
            candidates.append((len(owner), owner, rest))
    m = _VERB.match(s)
    if m and resolve_owner(m.group("o"), manager_name, report_name):
        candidates.append((len(m.group("o")), m.group("o"), m.group("r")))
    if not candidates:
        return None
    known = [c for c in candidates if resolve_owner(c[1], manager_name, report_name)]
    _, raw_owner, rest = min(known or candidates, key=lambda c: c[0])
    owner = resolve_owner(raw_owner, manager_name, report_name) or raw_owner.strip(" *_")
    text, due = split_due(rest.strip(), meeting_date)
    text = text.strip()
    if not text:
        return None
    return NewAction(owner=owner, text=text, due=due, line=_clean(line), done=bool(ticked))


# -- carried actions and topics -------------------------------------------------------------

_ACTION_MARK = re.compile(r"\(\s*#\s*(\d{1,12})\s*\)")
_TOPIC_MARK = re.compile(r"\(\s*topic\s*#\s*(\d{1,12})\s*\)", re.I)
_DONE_WORD = re.compile(r"(?<![\w-])(?:done|completed|complete|closed|finished)(?![\w-])", re.I)


def _is_ticked(line: str, own_text: str | None) -> bool:
    """Does a carried-action or topic line say it is done?"""
    s = _strip_bullets(_clean(line))
    rest, box = _leading_box(s)
    if box:
        return True
    if box is None and re.match(r"^[xX]\b\s*", s):
        return True
    if "~~" in s:
        return True
    outside = s.replace(own_text, " ", 1) if own_text and own_text in s else rest
    if _DONE_WORD.search(outside):
        return True
    # a box later in the line ("Sam – send the plan [x] (#5)")
    return any(m.group(1).casefold() in _TICK_WORDS
               for m in re.finditer(r"\[\s*([^\]]{0,8}?)\s*\]", outside))


def _after_marker(line: str, marker: re.Match[str]) -> str:
    extra = line[marker.end():].replace("~~", " ").strip(" –—-:;,.·")
    extra = _DONE_WORD.sub("", extra).strip(" –—-:;,.·()[]✓✔☑✅xX")
    return extra


# -- the agenda's own lines -----------------------------------------------------------------

_HEADINGS = {_key(title): key for key, title in ag.TITLES.items()}
_HEADINGS.update({
    "meeting notes": ag.NOTES, "notes from the meeting": ag.NOTES, "note": ag.NOTES,
    "actions": ag.ACTIONS_AGREED, "agreed actions": ag.ACTIONS_AGREED,
    "action points": ag.ACTIONS_AGREED, "new actions": ag.ACTIONS_AGREED,
    "next steps": ag.ACTIONS_AGREED, "actions agreed today": ag.ACTIONS_AGREED,
    "action items": ag.ACTIONS_AGREED,
})
_HEADER = re.compile(r"^1-2-1 · .+ & .+ · .+, \d{1,2}:\d{2}(?: [\w+-]+)?$")
_SHARE = re.compile(r"^\d+ of \d+ topics? (?:is|are) .+'s$|^no topics yet: .+$", re.I)
_TOPIC_LINE = re.compile(
    r"— [^—]+, raised \d{1,2} [A-Z][a-z]{2} \d{4}(?:, carried \d+×)?(?: \(topic #\d+\))?$")
_SENTINEL = re.compile(r"onetoone\s+agenda\s+(?:starts|ends)", re.I)
_QUOTED = re.compile(r"^[“\"].*[”\"]$")
_TOPIC_MAIL = re.compile(r"^add a topic any time: email \S+@\S+", re.I)


def _static_lines(manager_name: str, report_name: str) -> set[str]:
    lines = {_key(h) for h in ag.HINTS}
    for texts in ag.prompts(manager_name, report_name).values():
        lines.update(_key(t) for t in texts)
    return lines


def _strip_to_block(text: str) -> str:
    if _SENTINEL.search(text):
        inner = block_text(text)
        if inner is not None:
            return inner
    return text


def action_fingerprint(owner: str, text: str, due: date | None, *,
                       source: str = "outlook") -> str:
    """Identity of an agreed action: who, what and by when, in canonical form.

    Not the raw line: a bullet, a tick box ticked the next day, or Outlook's spacing changes
    must leave the same action, not make a second one. Actions added with the CLI carry their
    source, so re-reading the Outlook notes never takes them for lines a manager removed.
    """
    canonical = "\x1f".join(normalise_block_text(part).casefold()
                             for part in (owner, text, due.isoformat() if due else ""))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return digest if source == "outlook" else f"{source}:{digest}"


def parse_block(
    text: str,
    open_actions: Sequence[OpenAction],
    *,
    meeting_date: date,
    manager_name: str,
    report_name: str,
    template: str | None = None,
) -> ParsedNotes:
    """Notes, new actions and closed/open carried actions from our block read as text.

    ``template``, when given, is our block as injected, as text; its lines are then
    recognised exactly (useful with an organisation's own template). Never raises.
    """
    result = ParsedNotes()
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        _parse(text, open_actions, meeting_date, manager_name, report_name, template, result)
    except Exception:  # pragma: no cover - defensive: a bug must not lose the notes
        result.fallback = True
        result.notes.clear()
        result.new_actions.clear()
        result.notes.extend(
            c for c in (_clean(x) for x in str(text).splitlines()) if c)
    open_ids = {a.id for a in open_actions}
    result.still_open_ids.update(open_ids - result.closed_ids)
    return result


def _parse(text: str, open_actions: Sequence[OpenAction], meeting_date: date,
           manager_name: str, report_name: str, template: str | None,
           result: ParsedNotes) -> None:
    by_id = {a.id: a for a in open_actions}
    seen: set[int] = set()
    static = _static_lines(manager_name, report_name)
    from_template: Counter[str] = Counter()
    if template:
        from_template.update(_key(c) for c in (_clean(x) for x in
                             _strip_to_block(template).splitlines()) if c)
    section: str | None = None
    question_pending = False
    text = _strip_to_block(text)  # no Unicode normalisation: keep what people typed
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _clean(raw)
        if not line or _SENTINEL.search(line):
            continue
        key = _key(line)
        if not key:  # only bullets / decoration
            continue
        marks = [m for m in _ACTION_MARK.finditer(line) if int(m.group(1)) in by_id]
        if marks:
            mark = marks[-1]
            action = by_id[int(mark.group(1))]
            seen.add(action.id)
            if _is_ticked(line[:mark.start()] + line[mark.end():], _clean(action.text)):
                result.closed_ids.add(action.id)
            extra = _after_marker(line, mark)
            if extra:
                result.notes.append(f"(#{action.id}) {extra}")
            continue
        topic = _TOPIC_MARK.search(line)
        if topic:
            if _is_ticked(line[:topic.start()], None):
                result.topics_discussed.add(int(topic.group(1)))
            extra = _after_marker(line, topic)
            if extra:
                result.notes.append(f"(topic #{topic.group(1)}) {extra}")
            continue
        heading = _HEADINGS.get(key)
        if heading is not None and len(line) <= 40:
            section = heading
            question_pending = heading == ag.QUESTION
            continue
        if from_template.get(key, 0) > 0:
            from_template[key] -= 1
            continue
        if (key in static or _HEADER.match(line) or _SHARE.match(line)
                or _TOPIC_MAIL.match(line)
                or _TOPIC_LINE.search(line) or key.startswith("for example:")
                or (_ACTION_MARK.search(line) and _BOX.match(line) and " – " in line)):
            continue
        if question_pending and _QUOTED.match(line):
            question_pending = False
            continue
        question_pending = False
        if section == ag.ACTIONS_AGREED:
            new = parse_action(line, meeting_date=meeting_date, manager_name=manager_name,
                               report_name=report_name)
            if new is not None:
                result.new_actions.append(new)
                continue
        result.notes.append(_strip_bullets(line).strip())
    result.missing_ids.update(set(by_id) - seen)
