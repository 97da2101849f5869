"""Parse the pairs CSV file (manager, report and optional per-pair cadence and minutes).

Pure: takes the file's text and its name (for messages); reading the file is the caller's job.

Format, one pair per line::

    manager,report[,cadence,minutes]

- an optional header row (its first cell is ``manager``); a header naming the same columns in
  another order (``report,manager``) is refused, as the columns are read by position, and so
  is a first row with no address that names columns otherwise (``Manger,Report``);
- ``#`` comment lines and blank lines are ignored;
- cells are trimmed, emails lower-cased; a UTF-8 BOM and CRLF line ends are tolerated;
- empty optional cells mean "use the policy" (``a@x.com,b@x.com,,45``);
- trailing empty cells (as spreadsheets export them) are ignored.

Rules across lines: a report has one manager; nobody is their own manager; and the lines form
no management cycle (A manages B and B manages A, or longer: A -> B -> C -> A), which would
make someone their own manager's manager. Whoever manages someone in the file gets the
managers-of-others cadence on their own line (``jobs.pairs.gather`` works that out with the
directory's lines).

Lines whose columns are separated by ``;`` or a tab (as Excel saves "CSV" in many locales)
are reported together in one message, not one per line. They are not accepted: the format
is documented as comma-separated and a ``;`` is never part of an email, so the fix is
unambiguous but left to the admin, who then has one format to know. A cadence written as a
common synonym (``biweekly``) gets the right suggestion (``fortnightly``), not accepted. So
does an address pasted from Outlook with more than the address (``mailto:ann@x.com``,
``Ann Smith <ann@x.com>``): the message names the address to write, also when the name's
own comma, not in quotes, split the cell in two (``Smith, Ann <ann@x.com>``).

Every problem is reported as ``file:line: what is wrong. How to fix it.``; all problems (up to
``MAX_ERRORS``) are collected into one :class:`~service.errors.PairsFileError`. Line numbers are
physical lines of the text, so a quoted cell must not span lines. Messages reach terminals and
logs, and [pairs] file may name the wrong file: a quoted cell or line is cut short, and a line
that is no pair row at all (a setting, a URL, no address) is named but not repeated.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.domain.cadence import cadence_hint
from service.domain.events import DirectoryUser
from service.domain.exclude import Exclusion
from service.domain.model import CadenceKind
from service.errors import PairsFileError

MIN_MINUTES = 15
MAX_MINUTES = 120
MAX_ERRORS = 20
HEADER_FIRST_CELLS = frozenset({"manager", "manager_email", "manager email"})
# Every name a header cell may have: a first row made only of these is a header, whatever
# its order (and refused unless the manager comes first).
HEADER_CELLS = HEADER_FIRST_CELLS | {"report", "report_email", "report email", "cadence",
                                     "minutes"}
# Words that make a first row without an address a header (see _misnamed_header).
_HEADER_WORDS = ("manager", "report", "email", "e-mail", "employee", "cadence", "minutes")
# Column separators that spreadsheets write instead of a comma (never part of an email).
_OTHER_SEPARATORS = {";": ("';'", "each ';'"), "\t": ("a tab", "each tab")}
# Deliberately simple: one @, no spaces or list separators, a dot in the domain. Graph is the
# final judge of whether a mailbox exists; this only catches typos and pasted junk. An
# apostrophe is allowed before the @: Entra ID takes it in a user principal name (Graph's user
# resource: A-Z a-z 0-9 ' . - _ ! # ^ ~) and Exchange in an address (sean.o'brien@...).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"^[^@\s,;<>()\[\]\"]+@{_LABEL}(?:\.{_LABEL})+$")
# The longest address SMTP carries (RFC 5321's 256-octet path less its brackets): also what
# bounds an address that messages, here and after the directory look-up, repeat whole.
MAX_EMAIL = 254
# The most of a cell or line a message repeats, quotes included: enough to find it, while a
# pasted blob or a line of the wrong file is not printed whole to the terminal and the log.
_SHOWN = 80
# A line of an env, TOML or INI file (NAME=value, export NAME=value, name = "value"): [pairs]
# file pointing at the wrong file, whose values may be secrets.
_SETTING = re.compile(r"(?:export\s+)?[A-Za-z_][\w.-]*\s*=")
_NO_ADDRESS = "no cell holds an email address (no @)"
# The line ends an editor, Excel and `grep -n` count: not str.splitlines(), which also ends a
# line at U+2028, U+2029 and NEL (U+0085), so every message after one named the wrong line.
_LINE_END = re.compile("\r\n|\r|\n")


def is_valid_email(value: str) -> bool:
    """True when ``value`` looks like ``name@example.com`` (shared with the config checks)."""
    return len(value) <= MAX_EMAIL and bool(_EMAIL_RE.match(value))


@dataclass(frozen=True)
class FilePair:
    """One manager-report pair from the pairs file, with optional per-pair overrides."""

    manager_email: str
    report_email: str
    cadence: CadenceKind | None
    minutes: int | None
    line: int


# A file listing no pairs on purpose says so with this comment line (see says_no_pairs).
NO_PAIRS = "# no pairs"


def says_no_pairs(text: str) -> bool:
    """Whether the file says it lists no pairs on purpose (a line ``# no pairs``): without
    it, a file with none is taken for a mistake (a truncated export) and refused while pairs
    it listed are scheduled, as ending them all would mail every report a cancellation."""
    return any(" ".join(line.split()).casefold() == NO_PAIRS for line in text.splitlines())


@dataclass(frozen=True)
class PairsFileRead:
    """What the pairs file says: its good pairs, its problems (``file:line: ...``, in file
    order), and every well-formed address it names, by line (refused lines' too), for the
    caller to look up in the directory: told with the rest, an unknown address does not
    wait for the next run."""

    pairs: list[FilePair]
    problems: list[str]
    addresses: list[tuple[int, str]]

    def to_look_up(self) -> list[tuple[int, str]]:
        """The addresses to look up in the directory: none once the file's own problems fill
        a refusal (``MAX_ERRORS``). A wrong file or a mangled export names hundreds, each a
        request (two for one nobody has), for a refusal with no room left to tell what they
        found: it is refused for its lines first, and its addresses checked once those are
        fixed."""
        return [] if len(self.problems) >= MAX_ERRORS else self.addresses

    def unlooked(self, filename: str) -> list[str]:
        """The whole-file message saying the addresses were not looked up (`to_look_up`)."""
        if not self.addresses or self.to_look_up():
            return []
        return [f"{filename}: {len(self.problems)} problems in its lines, so its addresses "
                "were not looked up in the directory yet. Fix the lines below (check that "
                "[pairs] file is the pairs CSV), then run again to have them checked."]


def parse_pairs_csv(text: str, filename: str) -> list[FilePair]:
    """Parse the pairs file's text; raise PairsFileError naming ``filename:line`` per bad row."""
    read = read_pairs_csv(text, filename)
    if read.problems:
        raise file_refusal(read.problems, filename)
    return read.pairs


def file_refusal(problems: Sequence[str], filename: str) -> PairsFileError:
    """One error listing ``problems`` (``file:line`` messages) in file order, a whole-file one
    first; at most ``MAX_ERRORS`` of them, then how many more."""
    ordered = sorted(problems, key=lambda text: _line_of(text, filename))
    listed = ordered[:MAX_ERRORS]
    if len(ordered) > MAX_ERRORS:
        listed.append(f"... and {len(ordered) - MAX_ERRORS} more problems in {filename}.")
    return PairsFileError("\n".join(listed))


def read_pairs_csv(text: str, filename: str) -> PairsFileRead:
    """Parse the pairs file's text into its pairs, its problems and the addresses it names."""
    errors: list[str] = []
    addresses: dict[tuple[int, str], None] = {}
    pairs: list[FilePair] = []
    # report email -> the first pair that named it
    seen_reports: dict[str, FilePair] = {}
    first_row = True
    # separator -> the lines that use it instead of a comma (reported once, together)
    separated: dict[str, list[int]] = {}

    if text.startswith("\ufeff"):
        text = text[1:]

    for number, raw in enumerate(_LINE_END.split(text), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{filename}:{number}"
        try:
            cells = [cell.strip() for cell in next(csv.reader([raw], skipinitialspace=True))]
        except csv.Error as exc:
            limit = csv.field_size_limit()
            if len(raw) > limit:
                # The one csv.Error a single line (no NUL, no line end) meets in practice;
                # "check its quotes" sent the admin after a quote that was not there.
                errors.append(
                    f"{where}: a cell is longer than {limit} characters, the most one cell "
                    f"may hold (the line is {len(raw)} characters long). A pair row is two "
                    "email addresses and maybe a cadence and minutes: check that [pairs] file "
                    "is the pairs CSV, and shorten or delete the line.")
            else:
                errors.append(f"{where}: cannot read the line as CSV ({exc}). Check its "
                              "quotes.")
            continue
        if '"' in raw and _quote_left_open(raw):
            # Read on, the rest of the line is one cell ("1 column ... add the report's
            # email"), which points at the wrong fix: the quote is the problem.
            errors.append(
                f"{where}: an opening quote (\") is never closed, so the rest of the line "
                "reads as one cell. Delete the quote (a cell needs quotes only when it holds "
                "a comma) or close it at the end of its cell.")
            continue
        if not any(cells):
            continue  # a spreadsheet's empty row (",,,"): a blank line
        unlike = _unlike_a_pair(cells)

        if first_row:
            first_row = False
            if cells and cells[0].lower() in HEADER_FIRST_CELLS:
                continue
            # A setting or a URL is never taken for a header, so never repeated as one.
            header_like = unlike in (None, _NO_ADDRESS)
            named = [cell.lower() for cell in cells if cell] if header_like else []
            if named and all(cell in HEADER_CELLS for cell in named):
                # Honouring the names would silently swap every pair of a file whose header
                # alone is wrong; read on by position, every line would be reversed.
                errors.append(
                    f"{where}: the header {_shown(stripped)} does not start with the manager. "
                    "Columns are read by position: manager,report[,cadence,minutes]. Move "
                    "the manager column first (or fix the header, if only it is wrong); the "
                    "rest of the file was not read."
                )
                break
            if named and _misnamed_header(named):
                # A header with a typo ("Manger,Report") or other names ("Line manager,
                # Employee") would otherwise be read as a pair, each cell "not a valid email
                # address", which sends the admin looking for an address that isn't there.
                errors.append(
                    f"{where}: the first line {_shown(stripped)} looks like a header, but its "
                    "first column is not named manager. Columns are read by position: "
                    "manager,report[,cadence,minutes]. Name the first column manager (and "
                    "check that it holds the managers), or delete the header line; the rest "
                    "of the file was not read."
                )
                break

        while cells and not cells[-1]:
            cells.pop()
        if ";" in stripped or "\t" in stripped:  # rare: the cell test only then
            separator = next((sep for sep in _OTHER_SEPARATORS
                              if any(sep in cell for cell in cells[:2])), None)
            if separator is not None:
                separated.setdefault(separator, []).append(number)
                continue
        if unlike is not None:
            # Not repeated: [pairs] file may point at another file (an env file, a key,
            # /etc/shadow), and this message goes to the terminal, doctor and the JSON log.
            errors.append(
                f"{where}: not a pair row: {unlike}, so its text is not repeated here. Each "
                "line is manager,report[,cadence,minutes] with email addresses: check that "
                "[pairs] file is the pairs CSV, then fix or delete the line."
            )
            continue
        cells, split = _rejoined(cells)
        if len(cells) > 4:
            errors.append(
                f"{where}: {len(cells)} columns in {_shown(stripped)}; expected at most 4 "
                "(manager,report,cadence,minutes). Remove the extra columns, or quote a "
                "value that contains a comma."
            )
            continue
        if len(cells) < 2:
            errors.append(
                f"{where}: {len(cells)} column in {_shown(stripped)}; expected at least 2 "
                "(manager,report). Add the report's email after a comma."
            )
            continue
        cells += [""] * (4 - len(cells))
        manager, report, cadence_text, minutes_text = cells
        manager, report = manager.lower(), report.lower()
        row_errors = len(errors)

        for column, (role, email) in enumerate((("manager", manager), ("report", report))):
            cell = cells[column]
            hidden = [(i, c) for i, c in enumerate(email) if unicodedata.category(c) == "Cf"]
            pasted = _pasted_address(cell)
            if hidden:
                i, c = hidden[0]
                errors.append(
                    f"{where}: {role} email {_shown(email)} holds an invisible character "
                    f"(U+{ord(c):04X} {unicodedata.name(c, 'format character')}) at "
                    f"position {i + 1}. Retype the address."
                )
            elif pasted is not None:
                # Accepting it would make a second way to write a line; the fix is certain, so
                # it is spelt out rather than taken silently (as with ';' separators).
                what, address = pasted
                if column in split:
                    what += ", and its comma, not in quotes, split it across columns"
                errors.append(f"{where}: {role} email {_shown(cell)} is {what}. Write only "
                              f"the address: {address}.")
            elif not is_valid_email(email):
                shown = _shown(email) if email else "(empty)"
                fix = ("Write it as name@example.com." if len(email) <= MAX_EMAIL else
                       f"An address has at most {MAX_EMAIL} characters.")
                errors.append(
                    f"{where}: {role} email {shown} is not a valid email address. {fix}")
            else:
                addresses[number, email] = None

        cadence: CadenceKind | None = None
        if cadence_text:
            try:
                cadence = CadenceKind(cadence_text.lower())
            except ValueError:
                names = [kind.value for kind in CadenceKind]
                errors.append(
                    f"{where}: cadence {_shown(cadence_text)} is not one of {', '.join(names)}."
                    f"{cadence_hint(cadence_text)} "
                    "Use one of those, or leave the cell empty to use the policy."
                )

        minutes: int | None = None
        if minutes_text:
            try:
                minutes = int(minutes_text)
            except ValueError:
                minutes = None
            if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
                errors.append(
                    f"{where}: minutes {_shown(minutes_text)} is not a whole number from "
                    f"{MIN_MINUTES} to {MAX_MINUTES}. Use a number like 30, or leave the cell "
                    "empty to use the policy."
                )
                minutes = None

        if len(errors) == row_errors and manager == report:
            errors.append(
                f"{where}: {manager} is paired with themself (listed as their own manager). "
                "Put the person's manager in the first column."
            )
        if len(errors) > row_errors:
            continue

        pair = FilePair(manager, report, cadence, minutes, number)
        earlier = seen_reports.get(report)
        if earlier is not None:
            if earlier.manager_email != manager:
                errors.append(
                    f"{where}: report {report} is listed with two managers: "
                    f"{earlier.manager_email} (line {earlier.line}) and {manager} (line "
                    f"{number}). A report has one manager here; delete one of the lines."
                )
            else:
                errors.append(
                    f"{where}: the pair {manager} -> {report} is already on line "
                    f"{earlier.line}. Delete one of the lines."
                )
            continue
        seen_reports[report] = pair
        pairs.append(pair)

    for separator, numbers in separated.items():
        shown, each = _OTHER_SEPARATORS[separator]
        errors.append(
            f"{filename}:{numbers[0]}: the file separates columns with {shown} where a comma "
            f"is expected ({_lines(numbers)}). Save it as comma-separated (in Excel: CSV "
            f"UTF-8), or replace {each} with ','."
        )
    errors += management_cycles(pairs, filename)
    # Every message starts "filename:line:"; shown in file order, a cycle at its first line.
    errors.sort(key=lambda text: _line_of(text, filename))
    return PairsFileRead(pairs, errors, list(addresses))


def people_problems(filename: str, addresses: Sequence[tuple[int, str]],
                    users: Mapping[str, DirectoryUser], exclude: Exclusion
                    ) -> list[str]:
    """``file:line`` messages for the addresses (by line) that name nobody a 1-2-1 can be
    booked for: no user (``users``: who the directory has under each address found), or a
    guest. Someone in ``exclude`` is never paired, so never a problem; nor is a disabled
    account (a leaver whose line is skipped, which is the caller's to say)."""
    problems = []
    for line, email in addresses:
        user = users.get(email)
        if user is not None and (email in exclude.entries or user in exclude):
            continue
        if user is None:
            problems.append(f"{filename}:{line}: {email} is not a user in the directory (by "
                            "email address, alias or user principal name). Fix the address "
                            "or remove the line.")
        elif user.enabled and not user.member:
            # Never paired, whichever the source (as the directory's guests): a guest has
            # no mailbox in this organisation, so no series can be organised in their
            # calendar or read back from it.
            problems.append(f"{filename}:{line}: {email} is a guest account (no mailbox in "
                            "this organisation for a 1-2-1 series). Remove the line.")
    return problems


def _shown(text: str) -> str:
    """``text`` quoted for a message, at most ``_SHOWN`` characters; a longer one is cut,
    with "…" and its length after the quotes (inside, it would read as part of the text)."""
    quoted = repr(text)
    if len(quoted) <= _SHOWN:
        return quoted
    cut = text[:_SHOWN]
    while len(repr(cut)) > _SHOWN - 1:  # room for the "…"; escapes make repr longer
        cut = cut[:-1]
    return f"{cut!r}… ({len(text)} characters)"


# An address as Outlook copies one: "Ann Smith <ann@x.com>", "<ann@x.com>".
_NAMED_ADDRESS = re.compile(r"^[^<>]*<\s*([^<>\s]+)\s*>$")


def _pasted_address(cell: str) -> tuple[str, str] | None:
    """(what the cell is, the address it holds) for an address pasted with more than the
    address: a ``mailto:`` link, or a name with the address in angle brackets."""
    if cell[:7].lower() == "mailto:" and is_valid_email(cell[7:].lower()):
        return "a mailto: link, not an address", cell[7:]
    match = _NAMED_ADDRESS.match(cell)
    if match and is_valid_email(match.group(1).lower()):
        named = "a name with an address" if cell.split("<")[0].strip(' "') else (
            "an address in angle brackets")
        return f"{named} (as Outlook copies it)", match.group(1)
    return None


def _rejoined(cells: Sequence[str]) -> tuple[list[str], set[int]]:
    """The cells with a name that a comma of its own split from its address joined again
    (``Smith, Ann <ann@x.com>`` unquoted reads as ``Smith`` and ``Ann <ann@x.com>``), and
    the columns joined. Only the manager's and report's: read apart, the line was refused
    for its column count, a name "not a valid email address" and an address for a cadence,
    none of which is the mistake."""
    out: list[str] = []
    joined: set[int] = set()
    for cell in cells:
        start = len(out)
        if "<" in cell and _pasted_address(cell) is not None:
            while (start > 0 and start - 1 not in joined and out[start - 1]
                   and "@" not in out[start - 1]):
                start -= 1
        if start < len(out) and start <= 1:
            out[start:] = [", ".join([*out[start:], cell])]
            joined.add(start)
        else:
            out.append(cell)
    return out, joined


def _unlike_a_pair(cells: Sequence[str]) -> str | None:
    """Why a row is no pair row at all, however mistyped (so no message repeats it), or None.

    A cell with a URL or a ``NAME=value`` setting (not an address holding ``=``) says that
    [pairs] file is another file, whose values may be secrets; so does a row with no ``@``.
    """
    for cell in cells:
        if _SETTING.match(cell) and not is_valid_email(cell.lower()):
            return "it reads as a setting (name=value)"
        if "://" in cell:
            return "it holds a URL"
    return None if any("@" in cell for cell in cells) else _NO_ADDRESS


def _quote_left_open(line: str) -> bool:
    """Whether a quoted cell of ``line`` (one physical line) is still open at its end: read
    with the next line, the csv module would carry that cell on into it."""
    return len(list(csv.reader([line + "\n", "next\n"], skipinitialspace=True))) == 1


def _misnamed_header(named: Sequence[str]) -> bool:
    """Whether a first row (lower-cased, non-empty cells) is a header with names other than
    the documented ones: no cell holds an address (a pair's row always does) or another
    separator, and a cell is or is close to a column name, or says what a column holds
    (``manager upn``)."""
    if any("@" in cell or ";" in cell or "\t" in cell for cell in named):
        return False  # a pair, or a row whose separator is the problem (said once below)
    return any(word in cell for cell in named for word in _HEADER_WORDS) or any(
        difflib.get_close_matches(cell, HEADER_CELLS, n=1, cutoff=0.75) for cell in named)


def _lines(numbers: Sequence[int]) -> str:
    """"line 3", "lines 1, 2 and 5" or "lines 1, 2, 3, 4, 5 and 195 more"."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    if len(numbers) <= 6:
        return f"lines {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
    return f"lines {', '.join(map(str, numbers[:5]))} and {len(numbers) - 5} more"


def _line_of(message: str, filename: str) -> int:
    """The line a ``file:line: ...`` message is about (0 for a message about the whole file)."""
    match = re.match(r"(\d+):", message[len(filename) + 1:])
    return int(match.group(1)) if message.startswith(filename) and match else 0


def management_cycles(pairs: Sequence[FilePair], filename: str) -> list[str]:
    """One ``file:line`` message per management cycle among ``pairs``, naming every line of it.

    ``pairs`` must give each report one manager (as :func:`parse_pairs_csv` ensures), so
    following report -> manager from any person either ends at someone with no manager in
    the file or comes back round: that loop is a cycle. Each cycle is reported once, at its
    first line, listed in the "manages" direction starting there.
    """
    manager_of = {p.report_email: p for p in pairs}
    finished: set[str] = set()
    messages: list[tuple[int, str]] = []
    for start in sorted(pairs, key=lambda p: p.line):
        walked: list[FilePair] = []
        position: dict[str, int] = {}
        person = start.report_email
        while person in manager_of and person not in finished and person not in position:
            position[person] = len(walked)
            walked.append(manager_of[person])
            person = manager_of[person].manager_email
        finished.update(position)
        if person not in position:
            continue  # the chain reached the top, or a part already checked
        # The walk went report -> manager; reversed it reads manager -> report, so each
        # line's report is the next line's manager.
        cycle = list(reversed(walked[position[person]:]))
        first = min(range(len(cycle)), key=lambda i: cycle[i].line)
        cycle = cycle[first:] + cycle[:first]
        chain = ", ".join(f"{p.manager_email} manages {p.report_email} ({filename}:{p.line})"
                          for p in cycle)
        lines = ", ".join(str(p.line) for p in sorted(cycle, key=lambda p: p.line))
        messages.append((cycle[0].line, (
            f"{filename}:{cycle[0].line}: management cycle over lines {lines}: {chain}; so each "
            "of them would be above their own manager. Fix the manager on one of these lines."
        )))
    return [text for _, text in sorted(messages)]
