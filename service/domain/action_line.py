"""One action as the manager typed it under Actions agreed: a line, or a row of a table.

The grammar is in ``service.domain.notes``' module notes. Who owns an action is read from
the line, never guessed: one of the pair named on either side of the separator ("Rob: send
the plan", "Send the plan - Rob - Friday"; ``owners`` says how a person is named), anyone
picked with an Outlook @mention, or someone outside the pair written as a name before it
("Jo from HR: confirm the dates"; before a colon in lower case too, "sam: book the room";
an "@" typed in front read past). A line naming no owner that way is no action (the notes
parser keeps it as a note): "Send the Q1 plan - Friday" has no owner, and taking "Send the
Q1 plan" for one would put a task in the Who column of the report's summary.

Pure, deterministic, never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date

from service.domain.body import SPACE, clean_line, fold, strip_bullets
from service.domain.due_dates import MON_TO_FRI, DateOrder, parse_due, split_due
from service.domain.htmltext import PARAGRAPH
from service.domain.mentions import NO_MENTIONS, LineMentions
from service.domain.owners import Addresses, resolve_owner
from service.domain.ticks import leading_box


@dataclass(frozen=True)
class NewAction:
    """An action agreed at this meeting. ``line`` is the line as typed (normalised spaces)."""

    owner: str
    text: str
    due: date | None
    line: str
    done: bool = False  # typed with a ticked box: agreed and already done
    # (owner, text) as the release before read the same line, where it read it otherwise
    # (a surname it took for someone else's, "<mailto:…>" after a mention): a meeting read
    # back then keeps the action it recorded (``action_identity.recorded_as``).
    formerly: tuple[tuple[str, str], ...] = ()


# (Roman numerals too: a list numbered "i, ii, iii" in Outlook on the web.)
_NUMBERING = re.compile(r"^(?:\(?\d{1,3}[.)]|\(\d{1,3}\)|[a-z][.)]|[ivx]{2,5}[.)])\s+", re.I)

# -- owners ---------------------------------------------------------------------------------

_COLON = re.compile(r"^(?P<o>[^:]{1,60}?)\s*:\s*(?P<r>\S.*)$")
_DASH = re.compile(r"^(?P<o>.{1,60}?)\s+[–—-]{1,2}\s*(?P<r>\S.*)$"
                   r"|^(?P<o2>.{1,60}?)\s*[–—]\s*(?P<r2>\S.*)$")
# The same separators, to cut a line into its parts ("task - owner - date").
_DASHES = re.compile(r"\s+[–—-]{1,2}\s*|\s*[–—]\s*")
_VERB = re.compile(
    r"^(?P<o>.{1,60}?)(?:\s+(?:to|will|shall|should|must|needs to|need to|is to|is going to|"
    r"are to|agreed to|agrees to|offered to)|['’]ll)\s+(?P<r>\S.*)$", re.I)


# Labels people put in front of an action; never its owner.
_LABEL = re.compile(r"^(?:actions?(?:\s+(?:points?|items?))?|ap|ai|todo|to[\s-]do|next\s+step)"
                    r"\s*:\s*(?=\S)", re.I)
# Those that say a line is an action wherever it stands, in the Notes too.
_ACTION_LABEL = re.compile(r"^(?:actions?(?:\s+(?:points?|items?))?|ap|todo|to[\s-]do)\s*:\s*"
                           r"(?=\S)", re.I)


# Words people put in front of a line that are not a person: "Note: the room is booked" is
# a note, "For example: ..." the agenda's own hint, never an action owned by "Note" or
# "For example" (an owner containing a colon is a label in front of something too).
_NOT_OWNERS = frozenset((
    "note", "notes", "nb", "ps", "fyi", "update", "updates", "question", "questions", "q", "re",
    "deadline", "for example", "example", "e.g", "eg", "i.e", "ie", "info", "reminder", "idea",
    "issue", "risk", "decision", "agreed", "outcome", "summary", "context", "background",
    "comment", "comments", "feedback", "status", "topic", "agenda", "follow up", "follow-up",
    "next", "next time", "today", "tomorrow", "important", "urgent", "subject", "date", "due",
    "also", "blocker", "blockers", "concern", "goal", "result", "priority", "progress",
    "asap", "later", "soon", "now", "ongoing", "pending", "tbc", "tbd", "n/a"))


def _owner_like(raw: str) -> bool:
    """Could ``raw`` be the name of someone outside the pair (short, no markup, no label,
    no column's heading: "Who", "Name", "Owner" head the owners, they are none)?"""
    words = raw.split()
    key = fold(SPACE.sub(" ", raw.strip(" .,;:*_")))
    return (0 < len(words) <= 4 and "http" not in raw.casefold()
            and not any(ch in raw for ch in "[](){}<>\"“”?!=:")
            and not raw[:1].isdigit()
            and key not in _NOT_OWNERS and not _heading_word(key))


# Small words inside a name of someone outside the pair ("Jo from HR", "the Finance team"),
# and the words of a group or a role, written in lower case in one ("Rob's manager").
_GROUP_WORDS = frozenset((
    "team", "teams", "dept", "department", "group", "office", "manager", "managers", "lead",
    "support", "desk", "boss", "director", "head", "partner", "buddy", "mentor", "sponsor",
    "admin", "ops", "people"))
_JOINING = frozenset(("from", "of", "and", "&"))
_NAME_WORDS = _GROUP_WORDS | _JOINING | frozenset((
    "at", "in", "the", "for", "de", "da", "di", "du", "van", "von", "der", "den", "la", "le",
    "bin"))
# Words that start or carry a task's object ("send the plan", "book a room"), never a name's.
_DETERMINERS = frozenset((
    "the", "a", "an", "this", "that", "these", "those", "my", "our", "your", "their", "his",
    "her", "its", "some", "any", "all", "each", "every", "no"))


def _lower_case(word: str) -> bool:
    """A word written all in lower case ("send", "hr"; not "eBay", "Rob's", "田中")."""
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and letters[0].islower() and not any(ch.isupper() for ch in letters)


def _name_shaped(raw: str) -> bool:
    """Is ``raw`` written as a name (each word capitalised, or one of a name's small words),
    as "Jo from HR", "Rob's manager", "eBay team" or "Finance" are and a task ("send the Q1
    plan") is not? A word in a script without capitals (Japanese, Arabic) counts as written
    as a name; so does a group's word alone, capitalised ("Team")."""
    words = raw.strip(" .,;*_").split()
    named = False
    for word in words:
        if fold(word) in _NAME_WORDS:
            continue
        if _lower_case(word):
            return False
        named = named or any(ch.isalpha() for ch in word)
    lone = len(words) == 1 and fold(words[0]) in _GROUP_WORDS and not _lower_case(words[0])
    return named or lone


def _named_in_lower_case(raw: str, *, colon: bool) -> bool:
    """Is ``raw``, typed in lower case, a name all the same: one word ("sam", "team"), or
    before a colon (how people write an owner: "X: task") a possessive ("sam's manager") or
    a name joined by a name's word ("jo from hr", "finance team")? Never with a determiner
    ("the team", "send the plan"), a task's words or a sentence's; before a dash one word
    only, as the words before it are as often the task ("send the forecast - friday")."""
    words = [fold(word) for word in raw.strip(" .,;*_").split()]
    if (not words or any(word in _DETERMINERS for word in words)
            or words[0] in _NOT_OWNERS or _heading_word(words[0])):
        return False
    return len(words) == 1 or (colon and (
        any(word.endswith(("'s", "’s")) for word in words[:-1])
        or any(word in _JOINING or word in _GROUP_WORDS for word in words[1:])))


def _outside_owner(raw: str, *, colon: bool) -> bool:
    """Someone outside the pair, written as their name (``_name_shaped``) or in lower case
    as one (``_named_in_lower_case``)."""
    return _owner_like(raw) and (_name_shaped(raw) or _named_in_lower_case(raw, colon=colon))


@dataclass(frozen=True)
class Owners:
    """Who an action on one line may be owned by: the pair (``resolve_owner``), a person
    mentioned on the line, or someone outside the pair written as a name."""

    manager_name: str
    report_name: str
    given_names: tuple[str, str] = ("", "")
    # The manager's addresses and the report's ("": unknown; owners.Addresses).
    emails: tuple[Addresses, Addresses] = ("", "")
    mentions: LineMentions = NO_MENTIONS  # the line's (``service.domain.mentions``)
    former: bool = False  # as the release before read it (``resolve_owner``)
    # How the manager types "12/10" (due_dates.date_order): part of reading a line's date.
    date_order: DateOrder = DateOrder.DAY_FIRST

    def pair(self, raw: str) -> str | None:
        """One of the pair, named by ``raw``."""
        return resolve_owner(raw, self.manager_name, self.report_name, self.given_names,
                             emails=self.emails, mentions=self.mentions, former=self.former)

    def named(self, raw: str) -> str | None:
        """One of the pair, or anyone picked with an Outlook mention (by the name shown):
        a person, wherever they stand on the line."""
        return self.pair(raw) or (None if self.former else self.mentions.named(raw))

    def outside(self, raw: str, *, colon: bool) -> bool:
        """Someone outside the pair written as a name (an "@" in front read past)."""
        return _outside_owner(raw if self.former else self.as_written(raw), colon=colon)

    def as_written(self, raw: str) -> str:
        """``raw`` as the name of someone outside the pair."""
        name = raw.strip(" *_")
        return name if self.former else name.removeprefix("@").strip()

    def goes_by(self, raw: str) -> bool:
        """Is ``raw`` one of the pair by a name they go by (full, first, given) or a
        pronoun: not by a family name or initials alone (which ``former`` does not read)."""
        return resolve_owner(raw, self.manager_name, self.report_name, self.given_names,
                             former=True) is not None


def _named_after(left: str, right: str, owners: Owners, meeting_date: date,
                 working_days: Collection[int]) -> tuple[str, str, date | None] | None:
    """Task first, then one of the pair (or a mention): "Review the plan: Rob", "Send the
    plan - Rob - Friday", "Send the plan - Friday - Rob". (owner, what, due), or None."""
    head, due = split_due(right.strip(), meeting_date, working_days, owners.date_order)
    who = owners.named(head)
    if who is not None:
        return who, left, due
    parts = [p for p in _DASHES.split(right) if p.strip()]
    for at in (0, len(parts) - 1) if len(parts) > 1 else ():
        who = owners.named(parts[at])
        if who is not None:
            rest = " – ".join([left, *parts[:at], *parts[at + 1:]])
            text, due = split_due(rest, meeting_date, working_days, owners.date_order)
            return who, text, due
    return None


def _owner_and_rest(s: str, owners: Owners, meeting_date: date,
                    working_days: Collection[int]) -> tuple[str, str, date | None] | None:
    """Who owns the action on line ``s``, what it is and by when; None when no owner is
    named (see the module notes)."""
    splits: list[tuple[str, str]] = []
    colon: tuple[str, str] | None = None
    m = _COLON.match(s)
    if m:
        colon = (m.group("o"), m.group("r"))
        splits.append(colon)
    m = _DASH.match(s)
    if m:
        splits.append((m.group("o"), m.group("r")) if m.group("o") else
                      (m.group("o2"), m.group("r2")))
    m = _VERB.match(s)
    # (A mention names a person as surely as one of the pair's names: "@Jo to send it".)
    verb = [(m.group("o"), m.group("r"))] if m and owners.named(m.group("o")) else []
    chosen: tuple[str, str] | None = None
    known = [c for c in (*splits, *verb) if owners.named(c[0])]
    if known:  # one of the pair first, as the grammar has it
        chosen = min(known, key=lambda c: len(c[0]))
    else:
        for left, right in splits:  # the task first, one of the pair after it
            found = _named_after(left, right, owners, meeting_date, working_days)
            if found is not None:
                return found
        # (Never a date: "Friday: send the plan" names when, not who.)
        outside = [c for c in splits if owners.outside(c[0], colon=c is colon)
                   and parse_due(c[0], meeting_date, working_days, owners.date_order) is None]
        if outside:  # someone else, written as a name, first ("Jo from HR: ...")
            chosen = min(outside, key=lambda c: len(c[0]))
    if chosen is None:
        return None
    owner = owners.named(chosen[0]) or owners.as_written(chosen[0])
    text, due = split_due(chosen[1].strip(), meeting_date, working_days,
                          owners.date_order)
    return owner, text, due


# -- one line -------------------------------------------------------------------------------

_STRUCK = re.compile(r"^~~(?P<t>(?:(?!~~).)+)~~$")


def _unstrike(s: str) -> tuple[str, bool]:
    """A line struck through as a whole (``html_to_text`` wraps it in ``~~``): its words,
    and True - the manager marked it done, as for a carried action."""
    m = _STRUCK.match(s)
    return (m.group("t").strip(), True) if m else (s, False)


# A capital and a full stop before a name, then a colon ("B. Jones: send the deck"), or
# filling a Who cell: the owner's initial, or a lettered list's label (``_initial_kept``).
_INITIALLED = re.compile(r"^[A-Z]\.\s+(?P<name>[^:]{1,40}?)\s*:\s*\S")
_INITIALLED_CELL = re.compile(r"^[A-Z]\.\s+(?P<name>[^:]{1,40}?)\s*$")


def _initial_kept(s: str, owners: Owners, meeting_date: date,
                  working_days: Collection[int], *, cell: bool = False) -> bool:
    """Is the letter starting ``s`` the initial of its owner's name, not a list's label?
    "B. Jones: send the deck" is B. Jones's (someone outside the pair, even where the
    report is Alex Jones); "A. Jones: …" Alex Jones's. It is a label before a name one of
    the pair goes by ("A. Rob: send the plan": item A, Rob's), a mention or an "@", words
    that are no one's name ("B. Review budget", "B. Note: …", "C. Friday: …", a task, a
    sentence) and in a lower-case or bracketed letter ("a. send the deck", "B) Jones: …")."""
    m = (_INITIALLED_CELL if cell else _INITIALLED).match(s)
    if m is None or owners.former:  # (the release before always read a label)
        return False
    name = m.group("name").strip()
    if owners.pair(s[:m.end("name")]) is not None:
        return True
    if name.startswith("@") or owners.goes_by(name) or owners.mentions.address(name):
        return False
    return (len(name.split()) <= 3 and _owner_like(name) and _name_shaped(name)
            and parse_due(name, meeting_date, working_days, owners.date_order) is None)


def _words_and_tick(line: str, kept: Callable[[str], bool] = lambda _: False
                    ) -> tuple[str, bool]:
    """The line without bullets, numbering, a label or a tick box, and whether it was
    ticked (or struck through as a whole). ``kept``: whether a letter starting the line
    is an initial, kept with the name (``_initial_kept``)."""
    s = clean_line(line)
    s = strip_bullets(s)
    s = s if kept(s) else _NUMBERING.sub("", s)
    s = strip_bullets(s)
    s, struck = _unstrike(s)  # "~~Rob: send the plan~~": struck through in Outlook
    s, ticked = leading_box(s)
    s = _LABEL.sub("", s, count=1)  # "Action: Ben: send the plan" - the owner is Ben
    if ticked is None:
        s, ticked = leading_box(s)
    if not struck:
        s, struck = _unstrike(s.strip())  # "[ ] ~~Rob: send the plan~~"
    return s.strip(), bool(ticked or struck)


def parse_action(line: str, *, meeting_date: date, manager_name: str,
                 report_name: str, working_days: Collection[int] = MON_TO_FRI,
                 given_names: tuple[str, str] = ("", ""),
                 emails: tuple[Addresses, Addresses] = ("", ""),
                 mentions: LineMentions = NO_MENTIONS, former: bool = False,
                 date_order: DateOrder = DateOrder.DAY_FIRST) -> NewAction | None:
    """One action line in the forgiving form (see the module notes), or None.
    ``working_days``: the manager's working week ("end of week" is its last day);
    ``given_names``, ``emails``: the pair's from the directory; ``mentions``: the line's
    Outlook mentions; ``former``: read as the release before did (``resolve_owner``);
    ``date_order``: how the manager types "12/10" (due_dates.date_order)."""
    owners = Owners(manager_name, report_name, given_names, emails, mentions, former,
                    date_order)
    return read_action(line, owners, meeting_date, working_days)


def read_action(line: str, owners: Owners, meeting_date: date,
                working_days: Collection[int]) -> NewAction | None:
    """``parse_action`` for a line whose owners are known already."""
    s, ticked = _words_and_tick(
        line, lambda s: _initial_kept(s, owners, meeting_date, working_days))
    if not s:
        return None
    found = _owner_and_rest(s, owners, meeting_date, working_days)
    if found is None:
        return None
    owner, text, due = found
    text = text.strip()
    if not text:
        return None
    return NewAction(owner=owner, text=text, due=due, line=clean_line(line), done=ticked)


def labelled(line: str) -> bool:
    """Does ``line`` start with a label that says it is an action ("Action:", "AP:",
    "TODO:", any case, after a bullet, a number or a box): one in the Notes is read as
    an action too. ("AI:" and "Next step:" are not enough there: "AI: the new tool".)"""
    s = strip_bullets(_NUMBERING.sub("", strip_bullets(clean_line(line))))
    s, _struck = _unstrike(s)
    s, _ticked = leading_box(s)
    return bool(_ACTION_LABEL.match(s.strip()))


# -- a row of a table -----------------------------------------------------------------------

OWNER, WHAT, DUE, STATE = "owner", "what", "due", "state"
SKIP = "skip"  # a column numbering the rows ("#", "No."): no part of the action
# A header of headings none of which names the owner or the action ("Topic | Notes"): a
# table of notes typed under Actions agreed, whose first column is no one's name.
NOTES_TABLE = "notes-table"
# A table's header row, in any order: "Who | What | When", "Action | Owner | Due date".
_HEADER_WORDS = {
    **dict.fromkeys(("who", "owner", "owners", "action owner", "person", "responsible",
                     "assignee", "assigned to", "by whom", "lead", "name", "who by",
                     "owned by", "action by", "accountable"), OWNER),
    **dict.fromkeys(("what", "action", "actions", "action item", "action items", "task",
                     "tasks", "item", "items", "description", "to do", "todo", "next step",
                     "next steps", "action point", "action points"), WHAT),
    **dict.fromkeys(("when", "by when", "due", "due date", "due by", "deadline", "date",
                     "by", "target date", "target", "timing", "when by", "eta"), DUE),
    **dict.fromkeys(("status", "done", "state", "complete", "completed"), STATE),
    **dict.fromkeys(("#", "no", "nr", "num", "number", "ref", "id", "item no", "item #"), SKIP),
}
# Headings of columns the parser has no role for ("Who | What | When | Notes"): a header
# row all the same, and what is typed under them stays with the action's words.
_OTHER_HEADINGS = frozenset((
    "notes", "note", "comments", "comment", "remarks", "remark", "details", "detail",
    "context", "update", "updates", "progress", "priority", "outcome", "result", "results",
    "link", "links", "blocker", "blockers", "dependencies", "dependency", "risk", "risks",
    "topic", "area", "theme", "category", "type", "why", "how", "where", "follow up",
    "follow-up", "next", "agreed", "decision"))
_DONE_CELL = frozenset(("done", "completed", "complete", "closed", "finished", "yes", "y"))
_NO_DATE = frozenset(("", "-", "–", "—", "n/a", "na", "none", "tbc", "tbd", "?"))
_DUE_WORD = re.compile(r"^(?:by|due|before|on|until)\s+", re.I)


def _heading_key(cell: str) -> str:
    return fold(SPACE.sub(" ", strip_bullets(cell).strip(" .:;*_?")))


def _heading_word(key: str) -> bool:
    """Is ``key`` (folded) a column's heading, never a person ("lead" may be one)?"""
    return key != "lead" and (key in _HEADER_WORDS or key in _OTHER_HEADINGS)


def table_cells(raw: str) -> list[str] | None:
    """The cells of a table's row (``html_to_text`` puts a tab between them), each as a
    line, its paragraphs kept apart by ``PARAGRAPH``; None when ``raw`` is not a row with
    at least two cells filled in."""
    if "\t" not in raw:
        return None
    cells = [PARAGRAPH.join(p for p in (clean_line(part) for part in cell.split(PARAGRAPH))
                            if p) for cell in raw.split("\t")]
    return cells if sum(1 for cell in cells if cell) >= 2 else None


def row_line(cells: Sequence[str]) -> str:
    """A row as one line of text (a note, or how a row is compared): its filled cells, a
    cell's paragraphs kept apart ("Panel in March; Needs two examples", where a space alone
    would run them into one sentence)."""
    return " – ".join(_paragraphs(cell) for cell in cells if cell)


def _paragraphs(cell: str) -> str:
    parts = [part for part in cell.split(PARAGRAPH) if part.strip()]
    out = parts[:1]
    for part in parts[1:]:
        out.append((" " if out[-1].rstrip().endswith((".", "!", "?", "…", ":", ";", ","))
                    else "; ") + part)
    return "".join(out)


def split_row(cells: Sequence[str]) -> list[list[str]]:
    """The rows a row of actions stands for: a cell of several paragraphs (two actions typed
    one under the other in the What cell) gives a row for each, the row's other cells going
    with each (or, as many paragraphs as it, each its own: "Rob" over "Mia" in the Who
    cell); a cell of some other count keeps its paragraphs as one line. A paragraph starting
    in lower case under one that does not, or with "(", goes on the line above it."""
    paragraphs: list[list[str]] = []
    for cell in cells:
        parts: list[list[str]] = []
        for part in cell.split(PARAGRAPH) if cell else []:
            if parts and (part.startswith("(") or (part[:1].islower()
                                                    and not parts[0][0][:1].islower())):
                parts[-1].append(part)
            else:
                parts.append([part])
        paragraphs.append([" ".join(words) for words in parts])
    count = max((len(parts) for parts in paragraphs), default=0)
    if count < 2:
        return [[" ".join(parts) for parts in paragraphs]]
    return [[parts[at] if len(parts) == count else " ".join(parts) for parts in paragraphs]
            for at in range(count)]


def header_roles(cells: Sequence[str], is_data: Callable[[str], bool] = lambda _: False
                 ) -> dict[str, int] | None:
    """The column of each role when ``cells`` is a header row ("Who | What | When"), or
    None when it is not one. A header row is mostly headings (at least two, naming the owner
    or the action): "Who | What | When | Notes" is one, its Notes column read as part of the
    action; a cell that ``is_data`` (a date, one of the pair) makes it a row of data. Only
    headings, none naming the owner or the action ("Topic | Notes"): {NOTES_TABLE: 0}, a
    table of notes (its rows' first words are no owner)."""
    roles: dict[str, int] = {}
    headings = others = 0
    for at, cell in enumerate(cells):
        key = _heading_key(cell)
        if not key:
            continue
        role = _HEADER_WORDS.get(key)
        if role is not None and role in roles and role != SKIP:
            return None  # "Who | Who": not a header
        if role is not None or key in _OTHER_HEADINGS:
            headings += 1
            if role is not None:
                roles.setdefault(role, at)
        elif is_data(cell):
            return None
        else:
            others += 1
    if headings >= 2 and not others and not (OWNER in roles or WHAT in roles):
        return {NOTES_TABLE: 0}
    if headings < 2 or others >= headings or not (OWNER in roles or WHAT in roles):
        return None
    return roles


def _cell_due(cell: str, meeting_date: date, working_days: Collection[int],
              order: DateOrder) -> date | None:
    return (parse_due(cell, meeting_date, working_days, order)
            or parse_due(_DUE_WORD.sub("", cell), meeting_date, working_days, order))


def parse_row(cells: Sequence[str], roles: dict[str, int] | None, *, meeting_date: date,
              manager_name: str, report_name: str,
              working_days: Collection[int] = MON_TO_FRI,
              given_names: tuple[str, str] = ("", ""),
              emails: tuple[Addresses, Addresses] = ("", ""),
              mentions: LineMentions = NO_MENTIONS, former: bool = False,
              date_order: DateOrder = DateOrder.DAY_FIRST) -> NewAction | None:
    """One row of a table typed under Actions agreed (one of ``split_row``), or None (then
    it is a note).

    With ``roles`` (its table's header row) each column is what its header says; any short
    name in the Who column is its owner; a column of no role (Notes) is kept with the
    action's words, one numbering the rows is not. Without, the row reads as the line of its
    cells ("Rob | send the plan | Friday", or task first: "Send the plan | Rob | Friday").
    The other arguments are ``parse_action``'s (``mentions``: the row's)."""
    owners = Owners(manager_name, report_name, given_names, emails, mentions, former,
                    date_order)
    return read_row(cells, roles, owners, meeting_date, working_days)


def read_row(cells: Sequence[str], roles: dict[str, int] | None, owners: Owners,
             meeting_date: date, working_days: Collection[int]) -> NewAction | None:
    """``parse_row`` for a row whose owners are known already."""
    cells = [cell.replace(PARAGRAPH, " ") for cell in cells]
    if roles is not None and NOTES_TABLE in roles:
        return None  # its rows are notes ("Promotion | Alex to send evidence")
    line = row_line(cells)
    who = -1 if roles is None else roles.get(OWNER, -1)  # a Who cell: "B. Jones" alone

    def kept(at: int) -> Callable[[str], bool]:
        return lambda s: _initial_kept(s, owners, meeting_date, working_days, cell=at == who)

    marks = [_words_and_tick(cell, kept(at)) if cell else ("", False)
             for at, cell in enumerate(cells)]
    done = False
    words: list[str] = []
    for at, (text, ticked) in enumerate(marks):
        done = done or ticked
        state = roles is not None and roles.get(STATE) == at
        # A column of ticks ("[x]", "✓", "Done") says whether it is done, not what it is.
        if state or (cells[at] and not text) or fold(text) in _DONE_CELL:
            done = done or fold(text) in _DONE_CELL
            text = ""
        if roles is not None and roles.get(SKIP) == at:
            text = ""  # the row's number
        words.append(text)
    if roles is None or WHAT not in roles:
        found = read_action(row_line(words), owners, meeting_date, working_days)
        return None if found is None else NewAction(
            owner=found.owner, text=found.text, due=found.due, line=line,
            done=found.done or done)

    def cell(role: str) -> str:
        at = roles.get(role, -1)
        return words[at] if 0 <= at < len(words) else ""

    what, owner_cell, due_cell = cell(WHAT), cell(OWNER), cell(DUE)
    if not what:
        return None
    # Columns of no role ("Notes": "waiting on finance"): their words go with the action's.
    extra = [w for at, w in enumerate(words) if w and at not in roles.values()]
    written = owners.as_written(owner_cell)
    owner = owners.named(owner_cell) or (
        written if _owner_like(owner_cell if owners.former else written) else None)
    if owner is None:  # no owner in its column: the What may name one ("Rob: ...")
        found = read_action(" – ".join(w for w in (what, due_cell) if w), owners,
                            meeting_date, working_days)
        return None if found is None else NewAction(
            owner=found.owner, text=" – ".join((found.text, *extra)), due=found.due,
            line=line, done=found.done or done)
    due = (_cell_due(due_cell, meeting_date, working_days, owners.date_order) if due_cell
           else None)
    if due is None and fold(due_cell) not in _NO_DATE:
        what = f"{what} – {due_cell}"  # "ASAP", "after the reorg": kept with its words
    if due is None:
        what, due = split_due(what, meeting_date, working_days, owners.date_order)
    return NewAction(owner=owner, text=" – ".join((what.strip(), *extra)), due=due, line=line,
                     done=done)
