"""`onetoone evidence --pdf` quotes the notes as typed. Outlook's AutoCorrect turns ' into ’,
"…" into “…” and " - " into " – " as a manager types, and onetoone's own lines use – and …:
none of them is Latin-1, and a record for HR that reads "Rob?s plan ? agreed" misquotes
every such note. The PDF's built-in fonts take Windows-1252, which has them all."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_evidence_pair_notes import ADDED, ROB, pair

TYPED = "Rob’s plan – “agreed” … budget €500"


def _shown(pdf: bytes) -> bytes:
    """The text the PDF's pages draw (their content streams, inflated)."""
    out = b""
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return out


def test_pdf_keeps_outlook_punctuation(db_url: str, tmp_path: Path) -> None:
    store, pid = pair(db_url)
    store.add_note(pid, None, TYPED, private=False, now=ADDED)
    path = tmp_path / "rob.pdf"
    result = CliRunner().invoke(
        cli, ["evidence", ROB, "--from", "2027-02-01", "--to", "2027-03-01", "--pdf",
              "--now", "2027-06-01T09:00:00Z", "--out", str(path)],
        env={"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = _shown(path.read_bytes())
    assert b"/WinAnsiEncoding" in path.read_bytes()
    # ’ – “ ” … € as Windows-1252 draws them, not "?".
    assert TYPED.encode("cp1252") in shown, re.findall(rb"\(Rob[^)]*\)", shown)
