"""The pairs CSV parser: the happy path and one clear file:line message per kind of bad row."""

from __future__ import annotations

import pytest

from service.domain.model import CadenceKind
from service.domain.pairs_csv import FilePair, is_valid_email, parse_pairs_csv
from service.errors import PairsFileError


def errors_of(text: str, filename: str = "pairs.csv") -> str:
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(text, filename)
    return str(caught.value)


def test_happy_path_with_header_comments_bom_and_crlf() -> None:
    """A header, comments, blanks, a BOM, CRLF, spaces and capitals all parse cleanly."""
    text = (
        "\ufeffmanager,report,cadence,minutes\r\n"
        "# the leadership team\r\n"
        "\r\n"
        "  Alice@Example.com , bob@example.com \r\n"
        "alice@example.com,carol@example.com,Weekly,45\r\n"
        "   # indented comment\r\n"
        "dave@example.com,erin@example.com,,60\r\n"
        "dave@example.com,frank@example.com,fortnightly\r\n"
    )
    assert parse_pairs_csv(text, "pairs.csv") == [
        FilePair("alice@example.com", "bob@example.com", None, None, 4),
        FilePair("alice@example.com", "carol@example.com", CadenceKind.WEEKLY, 45, 5),
        FilePair("dave@example.com", "erin@example.com", None, 60, 7),
        FilePair("dave@example.com", "frank@example.com", CadenceKind.FORTNIGHTLY, None, 8),
    ]


def test_no_header_first_row_is_a_pair() -> None:
    """Without a header row the first row is data."""
    pairs = parse_pairs_csv("a@x.com,b@x.com\n", "p.csv")
    assert pairs == [FilePair("a@x.com", "b@x.com", None, None, 1)]


def test_header_detected_case_insensitively() -> None:
    """A header whose first cell is Manager (any case) is skipped."""
    assert parse_pairs_csv("Manager,Report\na@x.com,b@x.com\n", "p.csv")[0].line == 2


def test_empty_and_comment_only_files_give_no_pairs() -> None:
    """A file with nothing but comments and blanks is valid and empty."""
    assert parse_pairs_csv("", "p.csv") == []
    assert parse_pairs_csv("# nobody yet\n\n", "p.csv") == []


def test_trailing_empty_cells_from_spreadsheets_are_ignored() -> None:
    """Spreadsheet exports pad rows with empty cells; those are not extra columns."""
    assert parse_pairs_csv("a@x.com,b@x.com,,,,\n", "p.csv")[0].cadence is None


def test_quoted_cells_are_read_as_csv() -> None:
    """Quoted cells (as spreadsheets write them) are unquoted."""
    pair = parse_pairs_csv('"a@x.com","b@x.com","monthly","30"\n', "p.csv")[0]
    assert (pair.manager_email, pair.cadence, pair.minutes) == ("a@x.com", "monthly", 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "a@x.com,bob-at-x.com\n",
            ["p.csv:1:", "report email", "'bob-at-x.com'", "name@example.com"],
            id="invalid-report-email",
        ),
        pytest.param(
            "manager,report\nalice,b@x.com\n",
            ["p.csv:2:", "manager email", "'alice'", "name@example.com"],
            id="invalid-manager-email",
        ),
        pytest.param(
            "a@x.com,,weekly\n",
            ["p.csv:1:", "report email (empty)"],
            id="empty-report",
        ),
        pytest.param(
            "a@x.com,b@x.com,daily\n",
            ["p.csv:1:", "'daily'", "weekly, fortnightly, monthly"],
            id="unknown-cadence",
        ),
        pytest.param(
            "a@x.com,b@x.com,weeky\n",
            ["p.csv:1:", "'weeky'", "Did you mean weekly?"],
            id="cadence-typo-suggestion",
        ),
        pytest.param(
            "a@x.com,b@x.com,weekly,thirty\n",
            ["p.csv:1:", "minutes 'thirty'", "15 to 120"],
            id="minutes-not-integer",
        ),
        pytest.param(
            "a@x.com,b@x.com,weekly,5\n",
            ["p.csv:1:", "minutes '5'", "15 to 120"],
            id="minutes-too-small",
        ),
        pytest.param(
            "a@x.com,b@x.com,,121\n",
            ["p.csv:1:", "minutes '121'"],
            id="minutes-too-large",
        ),
        pytest.param(
            "# me\nA@x.com,a@x.com\n",
            ["p.csv:2:", "a@x.com is paired with themself", "manager in the first column"],
            id="self-pair",
        ),
        pytest.param(
            "a@x.com,b@x.com,weekly,30,extra\n",
            ["p.csv:1:", "5 columns", "at most 4"],
            id="too-many-columns",
        ),
        pytest.param(
            "a@x.com\n",
            ["p.csv:1:", "1 column", "at least 2"],
            id="too-few-columns",
        ),
        pytest.param(
            '"a@x.com,b@x.com\n',
            ["p.csv:1:", "an opening quote", "never closed"],
            id="unterminated-quote",
        ),
    ],
)
def test_each_error_names_file_line_value_and_fix(text: str, expected: list[str]) -> None:
    """Each kind of bad row is reported as file:line with the bad value and the fix."""
    message = errors_of(text, "p.csv")
    for fragment in expected:
        assert fragment in message


def test_report_with_two_managers_names_both_lines() -> None:
    """A report listed under two managers names both managers and both lines."""
    message = errors_of("a@x.com,r@x.com\n\nb@x.com,R@x.com\n")
    assert "pairs.csv:3:" in message
    assert "a@x.com (line 1)" in message and "b@x.com (line 3)" in message


def test_same_pair_twice_names_the_earlier_line() -> None:
    """An exact duplicate pair points back at its first line."""
    message = errors_of("a@x.com,r@x.com\na@x.com,r@x.com,weekly\n")
    assert "pairs.csv:2:" in message and "already on line 1" in message


def test_all_errors_are_collected_one_per_line() -> None:
    """Several bad rows are all reported, one per line, in file order."""
    message = errors_of("a@x.com,bad\nc@x.com,d@x.com,daily\nz@x.com,z@x.com\n")
    lines = message.splitlines()
    assert [line.split(":")[1] for line in lines] == ["1", "2", "3"]


def test_errors_are_capped_at_twenty() -> None:
    """A wholly wrong file gives twenty problems and a count of the rest, not thousands."""
    text = "".join(f"a@x.com,bad{i}\n" for i in range(30))
    lines = errors_of(text).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "... and 10 more problems in pairs.csv."


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("a@b.com", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("a@b", False),
        ("a b@c.com", False),
        ("@c.com", False),
        ("a@@c.com", False),
        ("a@-c.com", False),
        ("a@c.com;b@c.com", False),
    ],
)
def test_is_valid_email(email: str, valid: bool) -> None:
    """The shared email check accepts ordinary addresses and rejects typos and lists."""
    assert is_valid_email(email) is valid


def test_a_spreadsheets_empty_rows_are_blank_lines() -> None:
    """Excel writes an empty row as ",,,": a blank line, before the header too."""
    pairs = parse_pairs_csv(",,,\nmanager,report\n, ,\na@x.com,b@x.com\n,,,\n", "p.csv")
    assert [(p.manager_email, p.line) for p in pairs] == [("a@x.com", 4)]
