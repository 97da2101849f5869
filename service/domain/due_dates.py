"""Due dates as people type them after an action ("by 12 Dec", "next Friday", "in 2 weeks").

The forms accepted are listed in ``service.domain.notes``; pure: the meeting's date, the
manager's working week and the order they type numeric dates in are passed in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import date, timedelta
from enum import StrEnum

from service.domain.wording import DAYS_LONG, MONTHS_LONG

_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)


def _clean(line: str) -> str:
    """One line with NBSP/tabs/odd spaces as single spaces, invisibles removed, stripped."""
    line = line.translate(_INVISIBLE)
    return _SPACE.sub(" ", line.replace("\u00a0", " ")).strip()


_MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTHS.update({name.casefold(): i for i, name in enumerate(MONTHS_LONG, 1)})
_MONTHS["sept"] = 9
_WEEKDAYS: dict[str, int] = {}
for _i, _name in enumerate(DAYS_LONG):
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
# (?!\d): "Dec 2026" is no day: its "20" would be read as the day and "26" as the year.
_MONTH_DAY = re.compile(rf"{_MONTH_RE}\s*(\d{{1,2}})(?!\d){_ORD}{_YEAR_RE}")
_MONTH_YEAR = re.compile(rf"{_MONTH_RE},?\s*(\d{{4}})")
_IN_N = re.compile(r"in\s+(\d{1,3}|[a-z]+)\s+(day|days|week|weeks|wk|wks|month|months)")
_WEEKDAY_PREFIX = re.compile(r"^([a-z]{2,9})\.?,?\s+(?=\d|[a-z]{3,9}\.?\s*\d)")


class DateOrder(StrEnum):
    """How a date typed as numbers ("12/10", "12/10/2026") is read (kept per meeting: see
    ``notes_order``)."""

    DAY_FIRST = "day-first"  # 12/10 is 12 October; 12/15 (no month 15) is 15 December
    MONTH_FIRST = "month-first"  # 12/10 is 10 December; 15/12 is 15 December
    # Day first and nothing else, as every meeting read before the manager's date format
    # was kept (migration 0029): 12/15 is no date. Their re-reads go on so, or each action
    # whose date now read otherwise would be withdrawn and added again.
    DAY_FIRST_ONLY = "day-first-only"


# A field of a .NET date format ("M/d/yyyy", "dd-MMM-yy", "yyyy'年'M'月'd'日'"): quoted
# text, or a run of one letter.
_FORMAT_FIELD = re.compile(r"'[^']*'|d+|M+|y+")


def date_order(date_format: str | None) -> DateOrder:
    """The order numeric dates are read in for someone whose Outlook short date format is
    ``date_format`` (mailboxSettings' dateFormat; None: not known).

    Month first only when the format starts with the month ("M/d/yyyy", "MM/dd/yy",
    "MMM d, yyyy"). A year-first format ("yyyy-MM-dd", "yyyy/MM/dd") says nothing of how
    a date without its year is typed, as the places whose default it is differ (day/month
    in Sweden or South Africa, month/day in Japan or Hungary): read as when no format is
    known, day first, as the guidance writes dates."""
    fields = [f[0] for f in _FORMAT_FIELD.findall(date_format or "")
              if not f.startswith("'") and not f.startswith("ddd")]  # ddd: a weekday's name
    if fields[:1] == ["M"] and "d" in fields:
        return DateOrder.MONTH_FIRST
    return DateOrder.DAY_FIRST


def notes_order(kept: str | None, date_format: str | None) -> DateOrder:
    """The order a meeting's notes are read in: the one its notes were first read in
    (``kept``), so that a re-read finds the same actions whatever became known of the
    manager since; for a first read, the manager's (``date_order``)."""
    return DateOrder(kept) if kept else date_order(date_format)


def _numeric(first: int, second: int, year: int | None, meeting: date,
             order: DateOrder) -> date | None:
    """"12/10[/2026]" in ``order``. Impossible that way but a date the other way round
    ("12/15" day first, "15/12" month first): that date. No month is over 12 in any
    order, so only one reading is left, and the date the report is sent is written with
    its month's name ("15 Dec 2026"), so a typo shows."""
    day, month = (second, first) if order == DateOrder.MONTH_FIRST else (first, second)
    if month > 12 and 1 <= day <= 12 and order != DateOrder.DAY_FIRST_ONLY:
        day, month = month, day
    return _make(day, month, year, meeting)


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


MON_TO_FRI = frozenset(range(5))


def work_week(working_days: Collection[int]) -> tuple[int, int]:
    """(first, last) weekday of a working week (Monday 0): the weekend is the longest run
    of days not worked, so Monday to Friday gives (0, 4) and Sunday to Thursday (6, 3), as
    people there say "end of the week" for Thursday. Every day or none worked: (0, 4)."""
    days = frozenset(d % 7 for d in working_days)
    if not days or len(days) == 7:
        return 0, 4

    def days_off_after(d: int) -> int:
        n = 0
        while (d + n + 1) % 7 not in days:
            n += 1
        return n

    last = max(sorted(days), key=days_off_after)
    return (last + days_off_after(last) + 1) % 7, last


def parse_due(text: str, meeting_date: date,
              working_days: Collection[int] = MON_TO_FRI,
              order: DateOrder = DateOrder.DAY_FIRST) -> date | None:
    """A due date from the whole of ``text`` (see the module notes), or None.

    ``working_days``: the manager's working week, for "end of (next) week" (its last day);
    ``order``: how "12/10" is read (``date_order``; "2026-12-10" is always year first).
    """
    s = _clean(text).casefold().strip(" .,;:!()[]")
    s = re.sub(r"^(?:due|by|before|on|until|deadline|for)\b\s*:?\s*", "", s).strip()
    # "By the end of the week", "the 12th of December": the article adds nothing. Unread,
    # the tail "end of the week" alone would be the date, and "send the plan by the" the
    # action's words (``split_due`` tries each separator in turn).
    s = re.sub(r"^the\s+", "", s)
    if not s or len(s) > 40:
        return None
    first, last = work_week(working_days)
    # The first day of the meeting's working week (a day off before it belongs to it).
    week_start = meeting_date - timedelta(days=(meeting_date.weekday() - first) % 7)
    relative = {
        "today": meeting_date, "end of day": meeting_date, "eod": meeting_date,
        "tomorrow": meeting_date + timedelta(days=1),
        "next week": meeting_date + timedelta(days=7),
        "a week": meeting_date + timedelta(days=7),
        "end of week": None, "end of the week": None, "this week": None, "eow": None,
        # the last working day of the following week
        "end of next week": week_start + timedelta(days=7 + (last - first) % 7),
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
        return meeting_date + timedelta(days=(last - meeting_date.weekday()) % 7)
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
        # "next Wednesday" is the one of the following week: weeks as the manager's start
        # (on Sunday for a Sunday-Thursday week, where Monday-based ISO weeks would make a
        # Sunday meeting's Wednesday "next" and a Thursday's coming Sunday a week later).
        if words[0] == "next" and target - timedelta(
                days=(target.weekday() - first) % 7) == week_start:
            target += timedelta(days=7)
        return target
    prefix = _WEEKDAY_PREFIX.match(s)
    if prefix and prefix.group(1) in _WEEKDAYS:
        s = s[prefix.end():]
    m = _ISO.fullmatch(s)
    if m:
        return _make(int(m.group(3)), int(m.group(2)), int(m.group(1)), meeting_date)
    m = _NUMERIC.fullmatch(s)
    if m:
        return _numeric(int(m.group(1)), int(m.group(2)), _year(m.group(3)), meeting_date,
                        order)
    m = _DAY_MONTH.fullmatch(s)
    if m and m.group(2) in _MONTHS:
        return _make(int(m.group(1)), _MONTHS[m.group(2)], _year(m.group(3)), meeting_date)
    m = _MONTH_DAY.fullmatch(s)
    if m and m.group(1) in _MONTHS:
        return _make(int(m.group(2)), _MONTHS[m.group(1)], _year(m.group(3)), meeting_date)
    m = _MONTH_YEAR.fullmatch(s)
    if m and m.group(1) in _MONTHS and int(m.group(2)):  # "by Dec 2026": by that month's end
        year, month = int(m.group(2)), _MONTHS[m.group(1)]
        return _make(calendar.monthrange(year, month)[1], month, year, meeting_date)
    return None


_DUE_SPLIT = re.compile(
    r"\s+[–—-]+\s*|\s*[–—]\s*|,\s*|\s*\(\s*|\s*;\s*"
    r"|\s+(?=(?:due|by|before|on|until|deadline)\b)"
    # relative phrases need no separator: "chase HR next week", "call Jo tomorrow" (and
    # "the end of": split after it, "send the plan at the" would be the action's words)
    r"|\s+(?=(?:next|this|tomorrow|today|(?:the\s+)?end of|in \w+ (?:day|week|month)s?)\b)",
    re.I)
# "book the room for tomorrow", "slides for next week": the "for" belongs to the date,
# not the action (a date given with "by", "on" or a dash keeps a "for" before it); so does
# the "at" of "at the end of the week" ("look at next week" keeps its "at").
_FOR_RELATIVE = re.compile(r"\s+for$", re.I)
_AT_END_OF = re.compile(r"\s+(?:for|at)$", re.I)
_RELATIVE = re.compile(
    r"(?:next|this|tomorrow|today|(?:the\s+)?end of|in \w+ (?:day|week|month)s?)\b", re.I)
_END_OF = re.compile(r"(?:the\s+)?end of\b", re.I)


def split_due(rest: str, meeting_date: date, working_days: Collection[int] = MON_TO_FRI,
              order: DateOrder = DateOrder.DAY_FIRST) -> tuple[str, date | None]:
    """Split 'send the plan by 12 Dec' into ('send the plan', date); no date: (rest, None)."""
    for m in _DUE_SPLIT.finditer(rest):
        if m.start() == 0 or len(rest) - m.end() > 60:  # a due date is a short tail
            continue
        tail = rest[m.end():].strip()
        if m.group().strip() == "(":
            if not tail.endswith(")"):
                continue
            tail = tail[:-1]
        due = parse_due(tail, meeting_date, working_days, order)
        if due is not None:
            head = rest[:m.start()].rstrip(" –—-,;:")
            if m.group().isspace() and _RELATIVE.match(tail):
                before = _AT_END_OF if _END_OF.match(tail) else _FOR_RELATIVE
                head = before.sub("", head) or head
            if head:
                return head, due
    return rest, None


