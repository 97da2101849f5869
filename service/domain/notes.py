"""Read back what the manager typed into an occurrence: notes, new actions, ticked actions.

Input is our block of the body as Graph returns it as text (``body.block_text``); a whole
body is accepted too (the part between our sentinel lines is used). Pure, deterministic,
and it never raises: a line it cannot read as anything else is kept as a note.

How lines are classified, in order:

1. blank lines, our sentinel lines and the agenda's own lines (header, headings, prompts,
   hints, the example action, "3 of 4 topics are Alex's", the question) are skipped - they
   are recognised from ``agenda.prompts`` (with any names: a display name may have changed
   since) and fixed patterns (Last time's, topic and share lines only outside Notes and
   Actions agreed), and, when ``template`` (the injected block as text) is given, by exact
   comparison with its lines; a pasted copy of an earlier agenda (between its own marker
   lines) ticks nothing and adds no action, and its other lines are kept as notes;
2. a line with ``(#ID)`` for one of ``open_actions`` is that carried action: ticked
   (``[x]``, ``[X]``, ``[✓]``, ``☑``, ``✔``, ``✓``, ``✅``, ``x`` instead of the box,
   ``done``/``completed``/``(done)`` outside the action's own words - not "not done yet" -
   or ``~~`` strikethrough) closes it, anything else leaves it open (a cross, ``✗``/``❌``,
   says "not done"); words typed after the marker become a note;
3. a line with ``(topic #ID)`` is a topic; ticked means discussed;
4. headings switch sections (matched case-insensitively, with or without a colon, bullets,
   ``*``/``#`` decoration); sections may appear in any order;
5. under **Actions agreed** a line is read as an action (grammar below, in
   ``action_line``), and so is a table's row (its header row, "Who | What | When", says
   which column is which and is skipped); a carried action typed again with no new date is
   that action (ticked, it closes it), unless its carried line was ticked done: then it is
   agreed anew, a new action; a line that cannot be read is a note;
6. under **Notes**, a line that starts with an action's label ("Action:", "AP:", "TODO:",
   ``action_line.labelled``) is read as under Actions agreed - never one of the agenda's
   or the template's lines;
7. every other line is a note (leading bullets removed, the rest as typed; an Outlook
   @mention as the name it shows: ``service.domain.mentions``).

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
    Send the Q1 plan - Alex - Friday            (task first: the person named owns it)

OWNER is the first name or full name of either person ("me"/"I" is the manager, "you" the
report), an Outlook @mention of any of either's addresses, their family name or initials where
they are one of the two's only (``owners``), before or after WHAT ("Review the plan:
Alex"), or someone else written as a name ("Jo from HR", "Finance"; before ":" in lower
case too, "jo from hr"; anyone mentioned, "@Jo") before it, kept as written, never a
label ("Note", "FYI", "For example") or a column's heading ("Who"). A capital and a full
stop before a name and ":" are the owner's initial ("B. Jones: send the deck"), not a
lettered list's label (``action_line._initial_kept``). No owner named: no
action (the task is never taken for one). Names compare NFC and casefolded. For " to "/
" will " forms the owner must be one of the two people, a pronoun or a mention, so
ordinary sentences are not misread.

DUE (see ``parse_due``): ISO ``2026-12-12``; ``12/12/2026``, ``12/12/26``, ``12.12.2026``
and ``12/12`` in the manager's order (``due_dates.date_order``: MONTH/DAY for a format such
as "M/d/yyyy", else DAY/MONTH, the guidance's; the other way round only when that order
cannot be a date, "12/15"); ``12 Dec``, ``12th December
2026``, ``Dec 12``, ``December 12, 2026``, optionally after a weekday (``Fri 12 Dec``); a
date without a year is the next such date on or after the meeting; ``Dec 2026`` (that
month's last day); ``today``,
``tomorrow``, weekday names (the first such day after the meeting; ``next Friday`` is the
Friday of the following week, as the manager's working week starts it), ``end of
week``/``this week`` (the last day of the manager's working week: Friday, or Thursday for
a Sunday-Thursday week), ``next week`` (meeting + 7 days), ``end of next week``, ``end of
month``, ``next month``, ``in 3 days``/``in two weeks``.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from service.domain import agenda as ag
from service.domain.action_identity import action_fingerprint
from service.domain.action_line import (
    NewAction,
    Owners,
    header_roles,
    labelled,
    parse_action,
    read_action,
    read_row,
    resolve_owner,
    row_line,
    split_row,
    table_cells,
)
from service.domain.agenda import OpenAction
from service.domain.agenda_lines import (
    ACTION_MARK,
    HEADINGS,
    QUOTED,
    TOPIC_MARK,
    TYPING_AREAS,
    agenda_shaped,
    is_header,
    is_prompt,
    static_lines,
)
from service.domain.body import (
    block_lines,
    block_text,
    clean_line,
    line_key,
    pasted_spans,
    sentinel_kind,
    strip_bullets,
)
from service.domain.due_dates import MON_TO_FRI, DateOrder, parse_due, split_due
from service.domain.mentions import LineMentions, split_line
from service.domain.owners import Addresses
from service.domain.recall import quoted
from service.domain.ticks import after_marker, ticked_against, ticked_outside, words_typed
from service.domain.wording import pair_first_names

__all__ = ["NewAction", "ParsedNotes", "action_fingerprint", "parse_action", "parse_block",
           "parse_due", "resolve_owner", "split_due"]

# -- results --------------------------------------------------------------------------------


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


_LINE_END = re.compile(r"\r\n|\r|\n")


def _text_line(raw: str) -> str:
    """One line of the text as the parser compares it (a table's row: its cells)."""
    cells = table_cells(raw)
    return row_line(cells) if cells else clean_line(raw)


def _strip_to_block(text: str) -> str:
    inner = block_text(text)
    return text if inner is None else inner


def _our_marker(line: str) -> re.Match[str] | None:
    """The last action or topic marker on a line: the one we put there."""
    found = [*ACTION_MARK.finditer(line), *TOPIC_MARK.finditer(line)]
    return max(found, key=lambda m: m.start(), default=None)


def _marker_id(mark: re.Match[str]) -> tuple[str, int]:
    return ("topic" if mark.group(0)[1:].lstrip().casefold().startswith("topic") else "action",
            int(mark.group(1)))


def _action_line(action: OpenAction, meeting_date: date) -> str:
    """A carried action's line as the built-in agenda renders it."""
    overdue = action.due is not None and action.due < meeting_date
    return ag.AgendaAction(action=action, overdue=overdue).line


def _resembles(line: str, ours: str) -> bool:
    """Is ``line`` our line ``ours`` with a few edits, rather than another line that holds
    the same marker (a header whose display name reads "(#1)")?"""
    head = ours.split(" ", 1)[-1] if ours.startswith("[") else ours
    if head[:40] in line:
        return True
    return difflib.SequenceMatcher(None, ours, line, autojunk=False).ratio() >= 0.6


def _closest(line: str, candidates: Sequence[str]) -> str:
    if len(candidates) == 1:
        return candidates[0]
    return max(candidates, key=lambda c: difflib.SequenceMatcher(None, c, line).ratio())


def parse_block(
    text: str,
    open_actions: Sequence[OpenAction],
    *,
    meeting_date: date,
    manager_name: str,
    report_name: str,
    template: str | None = None,
    working_days: Collection[int] = MON_TO_FRI,
    given_names: tuple[str, str] = ("", ""),
    emails: tuple[Addresses, Addresses] = ("", ""),
    date_order: DateOrder = DateOrder.DAY_FIRST,
) -> ParsedNotes:
    """Notes, new actions and closed/open carried actions from our block read as text.

    ``template``, when given, is our block as injected, as text; its lines are then
    recognised exactly (useful with an organisation's own template). ``given_names``: the
    manager's and the report's from the directory ("": none), which the agenda's lines
    call them by and an action's owner may be written as; ``emails``: their addresses (each
    one, or all they are known by: owners.Addresses), an Outlook mention of which names
    them (``text`` from ``html_to_text(…, mentions=True)``: see
    ``service.domain.mentions``); ``date_order``: how "12/10" is read (the meeting's:
    due_dates.notes_order). Never raises.
    """
    result = ParsedNotes()
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        _parse(text, open_actions, meeting_date,
               Owners(manager_name, report_name, given_names, emails, date_order=date_order),
               template, result, working_days)
    except Exception:  # pragma: no cover - defensive: a bug must not lose the notes
        result.fallback = True
        result.notes.clear()
        result.new_actions.clear()
        result.notes.extend(
            c for c in (clean_line(split_line(x)[0]) for x in str(text).splitlines()) if c)
    open_ids = {a.id for a in open_actions}
    result.still_open_ids.update(open_ids - result.closed_ids)
    return result


def _parse(text: str, open_actions: Sequence[OpenAction], meeting_date: date,
           owners: Owners, template: str | None, result: ParsedNotes,
           working_days: Collection[int] = MON_TO_FRI) -> None:
    by_id = {a.id: a for a in open_actions}
    seen: set[int] = set()
    static = static_lines(*pair_first_names(owners.manager_name, owners.report_name,
                                            owners.given_names))
    from_template: Counter[str] = Counter()
    rendered: dict[tuple[str, int], list[str]] = {}
    exact: Counter[str] = Counter()
    if template:
        # Split as the body is (``block_lines``: at line ends only), not ``splitlines``: a
        # topic or name holding U+2028, U+2029 or NEL is one line in the body, and split
        # here its halves would match nothing and its words be read as the manager's.
        for c in (_text_line(x) for x in _LINE_END.split(_strip_to_block(template))):
            if c:
                from_template[line_key(c)] += 1
                exact[c] += 1
                tmark = _our_marker(c)
                if tmark is not None:
                    rendered.setdefault(_marker_id(tmark), []).append(c)
    agenda_lines = set(from_template) | set(exact)  # as keys and as rendered
    # Our headings as the block was written: one met alone in Notes or Actions agreed once
    # ours have all gone by ("Recognition", typed there to head some notes) is the
    # manager's; one that opens a run of them is an agenda pasted there without its marker
    # lines, read as before. (With no template, the built-in layout's: the typing areas
    # come last.)
    headings_left: Counter[str] = Counter()
    for key, count in from_template.items():
        if key in HEADINGS and len(key) <= 40:
            headings_left[HEADINGS[key]] += count

    def agenda_line(raw: str) -> bool:  # opens our block: header, a heading, a line of ours
        line = _text_line(split_line(raw)[0])
        key = line_key(line)
        return bool(key) and (is_header(line) or key in agenda_lines
                              or (key in HEADINGS and len(line) <= 40))

    # No Unicode normalisation of the lines themselves: keep what people typed.
    # Each line as shown (a mention as its name), as the release before wrote it (with
    # "<mailto:…>"), and the mentions on it.
    readings = [split_line(raw) for raw in block_lines(text, agenda_line)]
    raws = [shown for shown, _before, _found in readings]
    rows = [table_cells(raw) for raw in raws]  # a table's row: its cells, else None
    lines = [row_line(cells) if cells else clean_line(raw)
             for raw, cells in zip(raws, rows, strict=True)]
    pasted = pasted_spans(lines)
    # Our own END line with a copy pasted after it (below the Teams block, say): what lies
    # between is the body outside our block, kept as notes but never read as actions.
    kinds = [sentinel_kind(line) for line in lines]
    last_start = max((i for i, k in enumerate(kinds) if k == "start"), default=-1)
    pasted_ends = set(pasted.values())
    ours_end = {i for i, k in enumerate(kinds)
                if k == "end" and i < last_start and i not in pasted_ends}
    # The heading each line is (None: none), and after each line the next one there is.
    headed = [HEADINGS.get(line_key(line)) if len(line) <= 40 else None for line in lines]
    next_heading: list[str | None] = [None] * (len(lines) + 1)
    for at in range(len(lines) - 1, -1, -1):
        next_heading[at] = headed[at + 1] if at + 1 < len(lines) and headed[at + 1] else (
            next_heading[at + 1])
    pasted_end = -1
    # Actions agreed lines taken for a carried action typed again, with where they were read.
    retyped: list[tuple[OpenAction, NewAction, int]] = []

    def is_data(here: Owners, cell: str) -> bool:  # naming one of the pair or a date
        return (here.pair(cell) is not None
                or parse_due(cell, meeting_date, working_days, here.date_order) is not None)

    table: dict[str, int] | None = None  # the header of the table being read, if it has one
    outside: tuple[str | None, bool] = (None, False)
    section: str | None = None
    question_pending = False
    for i, line in enumerate(lines):
        if i in pasted and i > pasted_end:
            # A copy of an earlier agenda (its own marker lines around it): read with its
            # own headings, then our sections go on where they were.
            outside, pasted_end = (section, question_pending), pasted[i]
            section, question_pending = None, False
            continue
        if i == pasted_end:
            section, question_pending = outside
            continue
        if i in ours_end:
            section, question_pending = None, False
        key = line_key(line)
        if not key or sentinel_kind(line):  # blank, only bullets, or a marker line
            continue
        heading = headed[i]
        if heading is not None:
            if (section in TYPING_AREAS and heading not in TYPING_AREAS
                    and headings_left[heading] <= 0
                    and next_heading[i] in (None, *TYPING_AREAS)):
                result.notes.append(strip_bullets(line).strip())
                continue  # typed under our typing area: their words, read on as theirs
            if i >= pasted_end:  # (a pasted copy's headings are its own, not ours)
                headings_left[heading] -= 1
            section = heading
            question_pending = heading == ag.QUESTION
            continue
        # In a pasted copy, a line of this agenda's, or a note of last time it recalls, is
        # that meeting's: recorded when it was read back.
        copy = i < pasted_end
        if copy and (line in agenda_lines or key in agenda_lines
                     or line_key(f"From the notes: {quoted(line)}") in agenda_lines):
            continue
        # A line exactly as we rendered it is ours and untouched, whatever words a report or
        # a display name put in it ("Budget (#1) done?", "Closed Loop Ltd").
        if not copy and exact.get(line, 0) > 0:
            exact[line] -= 1
            if from_template.get(key, 0) > 0:
                from_template[key] -= 1
            mark = _our_marker(line)
            if mark is not None and _marker_id(mark)[0] == "action":
                seen.add(_marker_id(mark)[1])
            question_pending = False
            continue
        # Otherwise the last marker on a line is ours (we render it last); one inside a
        # topic's or an action's own words is their text, never a tick.
        mark = _our_marker(line)
        kind, ident = _marker_id(mark) if mark else ("", 0)
        if copy and mark is not None and (kind == "topic" or ident in by_id):
            kind = "copied"  # an earlier agenda's carried line: it ticks nothing now
        ours: str | None = None
        if mark is not None and (kind == "topic" or (kind == "action" and ident in by_id)):
            candidates = rendered.get((kind, ident), [])
            was_rendered = bool(candidates)
            if not candidates and kind == "action":
                candidates = [_action_line(by_id[ident], meeting_date)]
            ours = _closest(line, candidates) if candidates else ""
            if was_rendered and not _resembles(line, ours):
                kind = ""  # a line of ours that merely holds the marker, edited: no tick
        carried = kind == "action" and ident in by_id and ours is not None
        if carried and ours is not None:
            seen.add(ident)
            if ticked_against(line, ours):
                result.closed_ids.add(ident)
        elif kind == "topic" and mark is not None and (
                ticked_against(line, ours, topic=True) if ours
                else ticked_outside(line, mark)):
            result.topics_discussed.add(ident)
        if (carried or kind in ("topic", "copied")) and mark is not None:
            extra = after_marker(line, mark, topic=kind == "topic")
            if ours and kind != "copied":
                own_mark = _our_marker(ours)
                typed = words_typed(clean_line(line[:mark.start()]),
                                     clean_line(ours[:own_mark.start()] if own_mark else ours))
                extra = " … ".join(x for x in (typed, extra) if x)
            if extra:
                topic = "topic " if _marker_id(mark)[0] == "topic" else ""
                result.notes.append(f"({topic}#{ident}) {extra}")
            continue
        if not copy and from_template.get(key, 0) > 0:
            from_template[key] -= 1
            continue
        in_typing_area = section in TYPING_AREAS
        if (key in static or is_prompt(key, in_typing_area)
                or agenda_shaped(line, in_typing_area)):
            continue
        if question_pending and QUOTED.match(line):
            question_pending = False
            continue
        question_pending = False
        cells = rows[i]
        table = table if cells is not None and i - 1 >= 0 and rows[i - 1] is not None else None
        # A line in the Notes that says it is an action ("Action: Rob to book the course")
        # is read as one, as under Actions agreed; never a line of the agenda's (its hints,
        # its template's, the series' text), however often it stands there.
        labelled_note = (section == ag.NOTES and cells is None and not copy
                         and key not in agenda_lines and not is_prompt(key, False)
                         and labelled(line))
        if section == ag.ACTIONS_AGREED or labelled_note:
            here = replace(owners, mentions=LineMentions(line, readings[i][2]))
            if cells is not None and table is None:
                # "Who | What | When": how the rows read.
                table = header_roles(cells, functools.partial(is_data, here))
                if table is not None:
                    continue
            # A row's cell may hold two actions, one under the other: each is read.
            parts: list[list[str] | None] = [*split_row(cells)] if cells is not None else [None]
            earlier = _earlier_parts(readings[i][1], cells, len(parts))
            unread: list[str] = []
            for part, before in zip(parts, earlier, strict=True):
                new = (read_row(part, table, here, meeting_date, working_days)
                       if part is not None else
                       read_action(line, here, meeting_date, working_days))
                if new is not None and not copy:
                    new = _formerly(new, before, table, replace(owners, former=True),
                                    meeting_date, working_days)
                # (One closed in this read is no match for a line typed now: see the end.)
                known = next((a for a in by_id.values() if new and _same_action(new, a)
                              and (copy or a.id not in result.closed_ids)), None)
                # A carried action typed again, in other words or not ("Book the course -
                # Rob" for "Rob - book the course"), with no new date, is that action, not a
                # second one: ticked, it closes it. (A new date makes it a new action.)
                again = (known is not None and new is not None and not copy
                         and new.due in (None, known.due))
                if again and new is not None and known is not None:
                    if new.done:
                        result.closed_ids.add(known.id)
                        seen.add(known.id)
                    else:  # unless its carried line is ticked too (below it, say): see the end
                        retyped.append((known, new, len(result.new_actions)))
                elif new is not None and not copy:
                    result.new_actions.append(new)
                # A copied action line still open is that action, not a new one (its "by 20
                # Dec" would move a year on); any other copied line is kept as a note.
                elif known is None:
                    unread.append(line if part is None else row_line(part))
            # A row none of which reads as an action is one note, as typed.
            for note in [line] if unread and len(unread) == len(parts) else unread:
                result.notes.append(strip_bullets(note).strip())
            continue
        result.notes.append(strip_bullets(line).strip())
    # A carried action ticked done at this meeting and typed again under Actions agreed
    # ("[x] Rob – book the course", then "Rob: book the course": booked, cancelled, to be
    # booked again) is agreed anew: a new open action, not the one just closed. (Inserted
    # where it was typed, last first so the earlier places still hold.)
    for known, new, at in reversed(retyped):
        if known.id in result.closed_ids and not any(
                a.id not in result.closed_ids and _same_action(new, a) for a in by_id.values()):
            result.new_actions.insert(at, new)
    result.missing_ids.update(set(by_id) - seen)


def _same_action(new: NewAction, known: OpenAction) -> bool:
    """The same owner and words, whatever the due date (read against this meeting), as
    read now or as the release before read the line (``NewAction.formerly``): one carried
    from then is typed again in the same words."""
    carried = action_fingerprint(known.owner, known.text, None)
    return any(action_fingerprint(owner, text, None) == carried
               for owner, text in ((new.owner, new.text), *new.formerly))


def _earlier_parts(before: str, cells: list[str] | None, count: int
                   ) -> list[list[str] | str | None]:
    """A line as the release before this one wrote it (``mentions.split_line``), cut as
    the line is now into ``count`` parts (a row's cells as ``split_row`` cuts them; a line
    whole); None for each where it cuts otherwise."""
    if cells is None:
        return [clean_line(before)]
    earlier = table_cells(before)
    parts = split_row(earlier) if earlier is not None else []
    return list(parts) if len(parts) == count else [None] * count


def _formerly(new: NewAction, before: list[str] | str | None, table: dict[str, int] | None,
              owners: Owners, meeting_date: date, working_days: Collection[int]
              ) -> NewAction:
    """``new``, with how the release before read its line (``before``, as that release
    wrote it) where that was another owner or other words."""
    if before is None:
        return new
    then = (read_action(before, owners, meeting_date, working_days) if isinstance(before, str)
            else read_row(before, table, owners, meeting_date, working_days))
    if then is None or (then.owner, then.text) == (new.owner, new.text):
        return new
    return replace(new, formerly=((then.owner, then.text),))
