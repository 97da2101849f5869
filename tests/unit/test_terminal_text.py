"""Outside text on a terminal (domain/text.py): a table cell, a part of one line, and a
message of several lines, each without what a terminal would act on rather than show."""

from __future__ import annotations

import logging
import unicodedata

import pytest

from service.domain.text import for_one_line, for_table_cell, for_terminal
from service.logs import TextFormatter

# ESC sequences (clear the screen; an OSC 8 hyperlink), C1 controls (CSI U+009B, NEL),
# bidi overrides and isolates, marks, zero-width characters, line and paragraph separators.
HOSTILE = ("\x1b[2J\x1b]8;;https://evil.example\x1b\\Eve\x1b]8;;\x1b\\ \u009b31m\u0085"
           "\u202eWil\u2066son\u2069\u200f\u200b\u2028\u2029\x07")


def acted_on(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in (
        "Cc", "Zl", "Zp", "Cs") or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")]


def test_a_cell_has_no_control_format_or_line_breaking_character() -> None:
    """C0 and C1 controls and line or paragraph separators become spaces; format
    characters go; the rest of the text stays, markup included."""
    cell = for_table_cell(HOSTILE + "[bold]x[/bold]")
    assert acted_on(cell) == [] and cell.isprintable(), repr(cell)
    assert "Wilson" in cell and cell.endswith("[bold]x[/bold]")


def test_a_lone_surrogate_is_shown_as_a_replacement_character() -> None:
    """Half of an emoji can't be written to a UTF-8 terminal: printing it would raise."""
    assert for_table_cell("Caf\udce9") == "Caf\ufffd"


def test_one_line_collapses_white_space_and_cuts_long_text() -> None:
    """A newline, tab or NEL in a name is one space; a 300-character name is cut."""
    assert for_one_line("Rob\nReport\t\u0085 [x] \\") == "Rob Report [x] \\"
    cut = for_one_line("Ali " + "Amin" * 75, 40)
    assert len(cut) == 40 and cut.endswith("…") and cut.startswith("Ali AminAmin")
    assert for_one_line(HOSTILE).startswith("[2J ]8;;https://evil.example \\Eve ]8;; \\ 31m")


@pytest.mark.parametrize("text", ["pairs.csv:3: bad\npairs.csv:5: " + HOSTILE, "plain\nlines"])
def test_a_message_keeps_its_own_line_breaks_and_cleans_each_line(text: str) -> None:
    """A refused pairs file lists its problems one a line: those breaks stay."""
    shown = for_terminal(text)
    assert shown.count("\n") == text.count("\n")
    assert acted_on(shown.replace("\n", "")) == []
    assert shown.split("\n")[0] == text.split("\n")[0]


def test_a_text_log_line_shows_no_escape_sequence_of_a_field() -> None:
    """On a terminal the log is text: a name or Graph's words in a field are one line,
    without what the terminal would act on."""
    record = logging.makeLogRecord({"msg": "pairs.join", "levelname": "INFO", "name": "t"})
    record.reason = "new pair: " + HOSTILE + "\nwarning fake.event"
    line = TextFormatter().format(record)
    assert "\n" not in line and acted_on(line) == [], repr(line)
    assert line.startswith("info    pairs.join reason=new pair: [2J ]8;;https://evil.example")
