"""Pairs-file messages for the mistakes a new admin makes: a file saved with ';' or tabs, a
header in another order, a file that is not UTF-8, a folder for a file, and a cadence
written as a synonym. Each names ``file:line`` (or the file) and says what to do."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from service.domain.model import CadenceKind
from service.domain.pairs_csv import FilePair, parse_pairs_csv
from service.errors import PairsFileError
from service.store.files import read_pairs_file


def errors_of(text: str, filename: str = "pairs.csv") -> list[str]:
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(text, filename)
    return str(caught.value).splitlines()


def read_errors(path: Path) -> list[str]:
    with pytest.raises(PairsFileError) as caught:
        read_pairs_file(str(path))
    return str(caught.value).splitlines()


# -- separators -----------------------------------------------------------------------------


def test_semicolon_file_gets_one_message_naming_the_separator() -> None:
    """Excel's "CSV" in many locales: one message for the whole file, not one per line."""
    text = ("manager;report;cadence;minutes\n"
            "a@x.com;b@x.com\n"
            "# a comment\n"
            "a@x.com;c@x.com;weekly;45\n")
    assert errors_of(text) == [
        "pairs.csv:1: the file separates columns with ';' where a comma is expected "
        "(lines 1, 2 and 4). Save it as comma-separated (in Excel: CSV UTF-8), or replace "
        "each ';' with ','."
    ]


def test_tab_separated_lines_are_named_as_tabs() -> None:
    """Cells pasted from a spreadsheet arrive tab-separated."""
    [message] = errors_of("a@x.com,b@x.com\nc@x.com\td@x.com\n")
    assert message.startswith("pairs.csv:2: the file separates columns with a tab ")
    assert "(line 2)" in message and "replace each tab with ','" in message


def test_a_semicolon_inside_a_comma_separated_line_is_the_separator_problem() -> None:
    """'a;b,weekly' reads as 2 cells; the message is about the ';', not the emails."""
    [message] = errors_of("a@x.com;b@x.com,weekly\n")
    assert message.startswith("pairs.csv:1: the file separates columns with ';'")


def test_many_separator_lines_are_summarised() -> None:
    """A 200-line file is one message listing the first lines and a count."""
    text = "".join(f"m{i}@x.com;r{i}@x.com\n" for i in range(200))
    [message] = errors_of(text)
    assert "(lines 1, 2, 3, 4, 5 and 195 more)" in message


def test_semicolons_mixed_with_other_problems_keep_file_order() -> None:
    """The separator message sits at its first line among the other messages."""
    messages = errors_of("a@x.com,bad\nc@x.com;d@x.com\ne@x.com,e@x.com\n")
    assert [m.split(": ", 1)[0] for m in messages] == ["pairs.csv:1", "pairs.csv:2",
                                                       "pairs.csv:3"]
    assert "';'" in messages[1]


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["report,manager", "Report Email,Manager Email",
                                    "cadence,manager,report", "report,manager,cadence,minutes"])
def test_header_in_another_order_is_refused_once(header: str) -> None:
    """Known column names in another order: one message, no cascade from reading the
    (reversed) rows by position."""
    text = f"{header}\nb@x.com,a@x.com\nc@x.com,a@x.com\n"
    [message] = errors_of(text)
    assert message.startswith(f"pairs.csv:1: the header {header!r} does not start with the "
                              "manager.")
    assert "manager,report[,cadence,minutes]" in message and "Move" in message


def test_header_starting_with_manager_is_still_skipped() -> None:
    """The documented header, and one naming only some columns, are skipped as before."""
    for header in ("manager,report,cadence,minutes", "Manager,Report", "manager_email"):
        assert parse_pairs_csv(f"{header}\na@x.com,b@x.com\n", "p.csv") == [
            FilePair("a@x.com", "b@x.com", None, None, 2)]


@pytest.mark.parametrize("header", ["Manger,Report", "Line manager,Employee",
                                    "Manager UPN,Report UPN", "Name,Email"])
def test_a_header_with_other_names_is_called_a_header(header: str) -> None:
    """A first line with no address that names columns otherwise (a typo, an HR system's
    names) is one message about the header, not "'manger' is not a valid email address"
    for each of its cells, which sends the admin looking for an address."""
    messages = errors_of(f"{header}\na@x.com,b@x.com\n")
    assert messages[0].startswith(
        f"pairs.csv:1: the first line {header!r} looks like a header"), messages
    assert len(messages) == 1 and "Name the first column manager" in messages[0]


def test_a_data_row_is_not_taken_for_a_header() -> None:
    """A first row with an email in it is data, even next to a column name."""
    [message] = errors_of("report,b@x.com\n")
    assert "manager email 'report' is not a valid email address" in message


# -- cadence synonyms -----------------------------------------------------------------------


@pytest.mark.parametrize(("written", "meant"), [
    ("biweekly", "fortnightly"), ("Bi-Weekly", "fortnightly"), ("bi weekly", "fortnightly"),
    ("every two weeks", "fortnightly"), ("every 2 weeks", "fortnightly"),
    ("twice a month", "fortnightly"), ("once a month", "monthly"), ("every month", "monthly"),
    ("every week", "weekly"), ("wekly", "weekly"), ("fortnighly", "fortnightly"),
])
def test_cadence_synonyms_suggest_the_cadence_meant(written: str, meant: str) -> None:
    """'biweekly' is every two weeks: suggest fortnightly, not the spelling match weekly."""
    [message] = errors_of(f"a@x.com,b@x.com,{written}\n")
    assert message.startswith(f"pairs.csv:1: cadence {written!r} is not one of ")
    assert f"Did you mean {meant}?" in message
    assert "leave the cell empty to use the policy" in message


def test_bimonthly_is_called_ambiguous() -> None:
    """'bimonthly' is twice a month or every two months: say so, suggest no single one."""
    [message] = errors_of("a@x.com,b@x.com,bimonthly\n")
    assert "Did you mean" not in message
    assert "twice a month (fortnightly)" in message and "every two months" in message


def test_synonyms_are_suggested_not_accepted() -> None:
    """Only the three names are accepted (the one format the docs describe)."""
    assert parse_pairs_csv("a@x.com,b@x.com,Fortnightly\n", "p.csv")[0].cadence == (
        CadenceKind.FORTNIGHTLY)
    errors_of("a@x.com,b@x.com,biweekly\n")


# -- quotes and long cells ------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    '"priya.sharma@x.com,tom.fletcher@x.com', 'priya.sharma@x.com,"tom.fletcher@x.com',
    'a@x.com,b@x.com,"weekly,30',
])
def test_an_unclosed_quote_is_named_as_the_problem(line: str) -> None:
    """An opening quote never closed makes the rest of the line one cell: say the quote is
    the problem, not "1 column ... add the report's email after a comma"."""
    [message] = errors_of(f"{line}\nc@x.com,d@x.com\n")
    assert message.startswith("pairs.csv:1: an opening quote (\") is never closed"), message
    assert "column" not in message and "Delete the quote" in message


def test_closed_and_doubled_quotes_are_not_called_unclosed() -> None:
    """Quoted cells, a doubled quote inside one, and a stray quote inside an unquoted cell
    are read as before (the last is a bad address, not an unclosed quote)."""
    assert parse_pairs_csv('"a@x.com", "b@x.com"\n', "p.csv")[0].report_email == "b@x.com"
    assert "never closed" not in errors_of('"a@x.com","b""c@x.com"\n')[0]
    assert "is not a valid email address" in errors_of('a@x.com,b"c@x.com\n')[0]


def test_a_cell_past_the_csv_field_limit_is_called_too_long() -> None:
    """A cell longer than the csv module reads: the message names the limit and the line's
    length, not "check its quotes" (it has none)."""
    limit = csv.field_size_limit()
    [message] = errors_of(f"a@x.com,{'b' * (limit + 10)}@x.com\n")
    assert message.startswith(
        f"pairs.csv:1: a cell is longer than {limit} characters, the most one cell may hold "
        f"(the line is {limit + 24} characters long)."), message[:300]
    assert "quote" not in message


# -- reading the file -----------------------------------------------------------------------


def test_latin1_bytes_are_named_by_line_and_column(tmp_path: Path) -> None:
    """Each line with a byte that is not UTF-8 gets file:line, the column, what the byte
    probably is, and the fix."""
    path = tmp_path / "pairs.csv"
    path.write_bytes(b"manager,report\r\n"
                     b"# Jos\xe9's team\r\n"
                     b"a@x.com,b@x.com\r\n"
                     b"# Ren\xe9e \xe9 again\r\n")
    assert read_errors(path) == [
        f"{path}:2: not UTF-8 text (byte 0xE9 at column 6, 'é' in Windows-1252). Save the "
        "file as UTF-8 (in Excel: CSV UTF-8).",
        f"{path}:4: not UTF-8 text (byte 0xE9 at column 6, 'é' in Windows-1252). Save the "
        "file as UTF-8 (in Excel: CSV UTF-8).",
    ]


def test_non_utf8_line_numbers_match_the_parser_with_a_bom_and_lone_crs(tmp_path: Path) -> None:
    """Lines are counted as the parser counts them (a lone CR ends a line too); the column
    counts characters, so UTF-8 letters before the bad byte count once."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbfmanager,report\rJos\xc3\xa9\r# \x81\n")
    [message] = read_errors(path)
    assert message.startswith(f"{path}:3: not UTF-8 text (byte 0x81 at column 3)")


def test_many_non_utf8_lines_are_capped(tmp_path: Path) -> None:
    """A whole file in another encoding lists 20 lines and a count of the rest."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"".join(b"# caf\xe9\n" for _ in range(25)))
    messages = read_errors(path)
    assert len(messages) == 21
    assert messages[-1] == f"... and 5 more lines that are not UTF-8 in {path}."
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", m) for m in messages[:20])


def _xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml",
                      "<sheetData>" + "<row><c>a@x.com</c></row>" * 50 + "</sheetData>")


@pytest.mark.parametrize(("write", "kind"), [
    (lambda p: p.write_text("manager\treport\r\na@x.com\tb@x.com\r\n", encoding="utf-16"),
     'UTF-16 text (as Excel saves "Unicode Text")'),
    (_xlsx, "a zip file (an Excel workbook, .xlsx, is one)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4),
     "an Excel 97-2003 workbook (.xls)"),
], ids=["unicode-text", "xlsx", "xls"])
def test_what_excel_saves_besides_a_csv_is_named(tmp_path: Path, write: Callable[[Path], None],
                                                  kind: str) -> None:
    """Excel's "Unicode Text" (UTF-16) or the workbook itself: one message saying what the
    file is and how to save it as CSV, not a byte "in Windows-1252" on line 1 that sends the
    admin looking for a stray character."""
    path = tmp_path / "pairs.csv"
    write(path)
    assert read_errors(path) == [
        f"{path}: is {kind}, not a UTF-8 CSV file. Save it from Excel with File › Save As › "
        "CSV UTF-8 (Comma delimited), and point [pairs] file at that file."]


def test_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    """[pairs] file pointing at a folder: say it is a folder, not that it is missing."""
    [message] = read_errors(tmp_path)
    assert message == (f"{tmp_path}: is a folder, not a file. Point [pairs] file at the CSV "
                       "file itself (e.g. pairs.csv inside that folder).")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
def test_a_device_is_refused_not_read() -> None:
    """[pairs] file pointing at a device (/dev/zero, a tape, a terminal) or a pipe: read, it
    would never end (/dev/zero filled the worker's memory) or never start (a pipe with no
    writer hung every run), so it is refused before it is opened, naming what it is. (Shown
    with /dev/null, whose read ends at once, so the test cannot hang.)"""
    [message] = read_errors(Path("/dev/null"))
    assert message == ("/dev/null: is a device, pipe or socket, not a file. Point [pairs] "
                       "file at the pairs CSV itself.")


def test_a_missing_file_is_still_called_missing(tmp_path: Path) -> None:
    """The folder check does not change the missing-file message."""
    [message] = read_errors(tmp_path / "nope.csv")
    assert "the pairs file does not exist" in message


def test_utf8_with_bom_and_bidi_override_reads_clean(tmp_path: Path) -> None:
    """A UTF-8 file (with Excel's BOM) is read, and outside text is cleaned as before."""
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffmanager,report\r\n# Jos\u00e9\u202e\r\na@x.com,b@x.com\r\n"
                     .encode())
    assert read_pairs_file(str(path)) == "manager,report\n# Jos\u00e9\na@x.com,b@x.com\n"


# -- line numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_line_numbers_count_only_line_ends_an_editor_shows(separator: str) -> None:
    """A line or paragraph separator (U+2028, U+2029) or NEL (U+0085) pasted into a cell is no
    line end to an editor, Excel or `grep -n`: the line after it is still line 2, as the
    message must say, and the row holding it is one row."""
    text = f"a@x.com,b@x.com{separator}\na@x.com,bad\n"
    assert errors_of(text) == [
        "pairs.csv:2: report email 'bad' is not a valid email address. Write it as "
        "name@example.com."]
    pairs = parse_pairs_csv(f"a@x.com,b@x.com{separator}\nc@x.com,d@x.com\n", "pairs.csv")
    assert [(p.line, p.manager_email, p.report_email) for p in pairs] == [
        (1, "a@x.com", "b@x.com"), (2, "c@x.com", "d@x.com")]


def test_a_pipe_is_neither_read_nor_digested(tmp_path: Path) -> None:
    """A named pipe with no writer: opening it to read would wait for ever, in the pairs
    step and in the quiet-sync check that digests the file first."""
    import os
    import threading

    from service.store.files import file_digest

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "pairs.csv"
    os.mkfifo(pipe)
    got: dict[str, object] = {}

    def read() -> None:
        got["digest"] = file_digest(str(pipe))
        got["errors"] = read_errors(pipe)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the reader so the test run itself never hangs
        with open(pipe, "wb"):
            pass
        reader.join(10)
        pytest.fail("reading the pairs file waited on the pipe")
    assert got["digest"] is None
    assert got["errors"] == [f"{pipe}: is a device, pipe or socket, not a file. Point [pairs] "
                             "file at the pairs CSV itself."]
