"""Pairs-file messages repeat little of the file: a long cell is cut short, and a line that
is no pair row at all (a line of an env file, a URL, /etc/shadow) is named by its number and
why, never shown. These messages reach the terminal (`tick`, `doctor`) and the JSON log
(``tick.pairs_failed``), and [pairs] file may point at a file of secrets by mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.domain.pairs_csv import MAX_EMAIL, is_valid_email, parse_pairs_csv
from service.errors import PairsFileError
from service.store.files import read_pairs_file

NOT_SHOWN = "so its text is not repeated here"


def errors_of(text: str, filename: str = "pairs.csv") -> list[str]:
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(text, filename)
    return str(caught.value).splitlines()


def quoted(message: str) -> list[str]:
    """The quoted values a message repeats (repr-style, single quotes)."""
    return re.findall(r"'(?:[^'\\]|\\.)*'", message)


@pytest.mark.parametrize(("line", "what"), [
    ("a@x.com,b@x.com," + "w" * 100_000, "cadence"),
    ("a@x.com,b@x.com,weekly," + "9" * 5000, "minutes"),
    ("a@x.com," + "b" * 100_000, "report email"),
    ("a@x.com,b@x.com,weekly,30," + "x" * 100_000, "5 columns in"),
    ("a" * 100_000 + "@x.com", "1 column in"),
    ("a@x.com,b\u200b" + "c" * 5000 + "@x.com", "report email"),
])
def test_a_long_cell_is_cut_short_with_its_length(line: str, what: str) -> None:
    """However long the cell, the message quotes at most 80 characters of it, followed by
    "…" and its length, and keeps the line number and the fix."""
    [message] = errors_of(f"{line}\n")
    assert message.startswith(f"pairs.csv:1: {what}"), message[:200]
    assert len(message) < 400
    [shown] = quoted(message)
    assert len(shown) <= 80
    assert re.search(re.escape(shown) + r"… \(\d+ characters\)", message)


def test_a_short_cell_is_shown_whole() -> None:
    """Cells of ordinary length are quoted as before, uncut."""
    [message] = errors_of("a@x.com,b@x.com,daily\n")
    assert "cadence 'daily' is not one of" in message and "…" not in message


SECRET_LINES = [
    pytest.param("ONETOONE_MICROSOFT_CLIENT_SECRET=Sup3rS3cretValue", "Sup3rS3cret",
                 "a setting", id="env-secret"),
    pytest.param("ONETOONE_DATABASE_URL=postgresql+psycopg://onetoone:hunter2@db.example.com/1",
                 "hunter2", "a setting", id="env-db-url"),
    pytest.param("export ONETOONE_REPORT_TOKEN=tok3n", "tok3n", "a setting", id="export"),
    pytest.param('url = "postgresql://app:hunter2@db.example.com/onetoone"', "hunter2",
                 "a setting", id="toml"),
    pytest.param("postgresql://app:hunter2@db.example.com/onetoone", "hunter2", "a URL",
                 id="bare-url"),
    pytest.param("root:$6$salt$hashhashhash:19000:0:99999:7:::", "hashhash", "no @",
                 id="shadow"),
    pytest.param("Sophie Turner,Tom Fletcher", "Sophie", "no @", id="names-not-addresses"),
]


@pytest.mark.parametrize(("line", "secret", "why"), SECRET_LINES)
@pytest.mark.parametrize("first", [True, False], ids=["first-line", "later-line"])
def test_a_line_that_is_no_pair_row_is_not_repeated(
        line: str, secret: str, why: str, first: bool) -> None:
    """A line of an env file, a URL or a line with no address is named by number and why,
    with what to do, but none of its text (on the first line too, where a header is
    looked for)."""
    text = f"{line}\n" if first else f"a@x.com,b@x.com\n{line}\n"
    number = 1 if first else 2
    [message] = errors_of(text)
    assert message.startswith(f"pairs.csv:{number}: not a pair row: "), message
    assert why in message and NOT_SHOWN in message
    assert "check that [pairs] file is the pairs CSV" in message
    assert secret not in message


def test_an_env_file_read_as_the_pairs_file_shows_no_value(tmp_path: Path) -> None:
    """[pairs] file pointed at an env file: every line is named, no value is shown (the
    path `tick` and `doctor` take: read the file, then parse it)."""
    path = tmp_path / "onetoone.env"
    path.write_text("# deployment\n"
                    "ONETOONE_MICROSOFT_CLIENT_SECRET=Sup3rS3cretValue\n"
                    "ONETOONE_DATABASE_URL=postgresql+psycopg://u:Pa55word@db.example.com/x\n"
                    "ONETOONE_MICROSOFT_TENANT_ID=contoso.onmicrosoft.com\n")
    with pytest.raises(PairsFileError) as caught:
        parse_pairs_csv(read_pairs_file(str(path)), str(path))
    messages = str(caught.value).splitlines()
    assert [m.split(": not a pair row")[0] for m in messages] == [
        f"{path}:2", f"{path}:3", f"{path}:4"]
    for secret in ("Sup3rS3cret", "Pa55word", "contoso", "ONETOONE_"):
        assert secret not in str(caught.value)


def test_an_address_holding_an_equals_sign_is_still_a_pair() -> None:
    """``=`` is allowed in an address's local part: such a row is a pair, not a setting."""
    [pair] = parse_pairs_csv("srs0=ab@x.com,c@x.com\n", "p.csv")
    assert pair.manager_email == "srs0=ab@x.com"


def test_a_real_header_is_still_quoted() -> None:
    """A header with a typo is still shown (it holds column names, nothing secret)."""
    [message] = errors_of("Manger,Report\na@x.com,b@x.com\n")
    assert message.startswith("pairs.csv:1: the first line 'Manger,Report' looks like a header")


def test_an_address_longer_than_smtp_allows_is_refused_with_the_limit() -> None:
    """An address is at most 254 characters: a longer one is refused saying so, so no
    message after the directory look-up repeats a longer one."""
    long = "a" * (MAX_EMAIL - len("@x.com") + 1) + "@x.com"
    assert not is_valid_email(long) and is_valid_email(long[1:])
    [message] = errors_of(f"a@x.com,{long}\n")
    assert f"An address has at most {MAX_EMAIL} characters." in message
