"""Numeric due dates ("by 12/10") read in the order the manager's Outlook writes dates
(mailboxSettings' dateFormat): month first for a US manager, day first otherwise; ISO dates
always year first; a date impossible in that order but not the other way read that way."""

from __future__ import annotations

import re
from datetime import date

import pytest

from service.domain.due_dates import DateOrder, date_order, notes_order, parse_due
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_action, parse_block
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, OPEN, REPORT, typed

DAY, MONTH, ONLY = DateOrder.DAY_FIRST, DateOrder.MONTH_FIRST, DateOrder.DAY_FIRST_ONLY


@pytest.mark.parametrize(("date_format", "order"), [
    ("M/d/yyyy", MONTH), ("M/d/yy", MONTH), ("MM/dd/yy", MONTH), ("MM/dd/yyyy", MONTH),
    ("MMM d, yyyy", MONTH), ("dddd, MMMM d, yyyy", MONTH),  # ("dddd": the weekday's name)
    ("dd/MM/yyyy", DAY), ("d/M/yyyy", DAY), ("dd.MM.yyyy", DAY), ("d. M. yyyy", DAY),
    ("dd-MMM-yy", DAY), ("dddd d MMMM yyyy", DAY),
    # Year first: the places whose default it is write a date without its year either way.
    ("yyyy-MM-dd", DAY), ("yyyy/MM/dd", DAY), ("yy/MM/dd", DAY), ("yyyy'年'M'月'd'日'", DAY),
    (None, DAY), ("", DAY), ("garbage", DAY),
])
def test_the_order_follows_the_outlook_date_format(date_format: str | None,
                                                   order: DateOrder) -> None:
    """Month first only for a format that starts with the month; unknown reads day first."""
    assert date_order(date_format) == order


@pytest.mark.parametrize(("text", "order", "expected"), [
    # A US manager on Tuesday 8 December 2026: "12/10" is 10 December, not 12 October 2027.
    ("12/10", MONTH, date(2026, 12, 10)),
    ("12/10", DAY, date(2027, 10, 12)),
    ("1/2/2027", MONTH, date(2027, 1, 2)),
    ("1/2/2027", DAY, date(2027, 2, 1)),
    ("12/10/26", MONTH, date(2026, 12, 10)),
    ("12.10.2026", MONTH, date(2026, 12, 10)),
    # Impossible in the order chosen, a date the other way: only that reading is left.
    ("12/15", DAY, date(2026, 12, 15)),
    ("15/12", MONTH, date(2026, 12, 15)),
    ("12/15/2026", DAY, date(2026, 12, 15)),
    ("13/13", DAY, None),
    ("13/13", MONTH, None),
    ("2/30", MONTH, None),  # no 30 February either way round
    # ISO is year, month, day whoever writes it.
    ("2026-12-10", MONTH, date(2026, 12, 10)),
    ("2026/12/10", MONTH, date(2026, 12, 10)),
    ("2026-12-10", DAY, date(2026, 12, 10)),
    # Words are words.
    ("Dec 10", MONTH, date(2026, 12, 10)),
    ("10 Dec", MONTH, date(2026, 12, 10)),
])
def test_numeric_dates_in_the_managers_order(text: str, order: DateOrder,
                                             expected: date | None) -> None:
    """Month first or day first as told; ISO always; the other way round only when the
    order told cannot be a date."""
    assert parse_due(text, MEETING, order=order) == expected


def test_meetings_read_before_keep_day_first_only() -> None:
    """A meeting whose notes were first read before dates followed the manager's format
    reads "12/15" as no date on every later read, as it did then."""
    assert parse_due("12/15", MEETING, order=ONLY) is None
    assert parse_due("12/10", MEETING, order=ONLY) == date(2027, 10, 12)
    assert parse_due("2026-12-15", MEETING, order=ONLY) == date(2026, 12, 15)


def test_a_meeting_keeps_the_order_its_notes_were_first_read_in() -> None:
    """The order kept with a meeting wins over the manager's format learnt since; a
    meeting never read takes the manager's."""
    assert notes_order("day-first-only", "M/d/yyyy") == ONLY
    assert notes_order("day-first", "M/d/yyyy") == DAY
    assert notes_order(None, "M/d/yyyy") == MONTH
    assert notes_order(None, None) == DAY


def test_a_us_managers_actions_get_the_dates_they_meant() -> None:
    """The review's lines, typed by a manager whose Outlook writes M/d/yyyy."""
    text = html_to_text(typed(AGENDA_HTML, [], [
        "Sam: reply to Alex by 12/10",
        "Alex: renew badge by 1/2/2027",
        "Alex: send the deck by 12/15",
    ]), rows=True)
    parsed = parse_block(text, OPEN, meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT, date_order=MONTH)
    assert [(a.owner, a.text, a.due) for a in parsed.new_actions] == [
        (MANAGER, "reply to Alex", date(2026, 12, 10)),
        (REPORT, "renew badge", date(2027, 1, 2)),
        (REPORT, "send the deck", date(2026, 12, 15)),
    ]


def test_a_table_when_column_follows_the_order_too() -> None:
    """A Who | What | When table's dates are read in the manager's order."""
    table = ("<table><tr><td>Who</td><td>What</td><td>When</td></tr>"
             "<tr><td>Alex</td><td>send the deck</td><td>12/10</td></tr></table>")
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + table, AGENDA_HTML)
    parsed = parse_block(html_to_text(html, rows=True), OPEN, meeting_date=MEETING,
                         manager_name=MANAGER, report_name=REPORT, date_order=MONTH)
    assert [(a.text, a.due) for a in parsed.new_actions] == [
        ("send the deck", date(2026, 12, 10))]


def test_one_action_line_takes_the_order() -> None:
    """``parse_action`` (as `onetoone notes add` uses it) reads day first unless told."""
    line = "Alex - book the course - due 12/1/2027"
    us = parse_action(line, meeting_date=MEETING, manager_name=MANAGER, report_name=REPORT,
                      date_order=MONTH)
    uk = parse_action(line, meeting_date=MEETING, manager_name=MANAGER, report_name=REPORT)
    assert us is not None and us.due == date(2027, 12, 1)
    assert uk is not None and uk.due == date(2027, 1, 12)
