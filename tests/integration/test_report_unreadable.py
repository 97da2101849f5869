"""A manager's mailbox blocked to the app after the 1-2-1s were booked, for two months: the
HR report marks the pair *calendar unreadable* with since when (as `onetoone status` does),
and does not flag it as not meeting on meetings onetoone could not read (sandbox tenant,
through the CLI)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.integration.test_status_unreadable import (  # noqa: F401 (fixture)
    BOOKED,
    ROB,
    SAL,
    _block,
    followed_on,
    runner,
)


def _report_rows(cli_runner: CliRunner, tmp_path: Path, now: datetime) -> dict[str, dict]:
    """The JSON report's pairs as of ``now``, by the report's email."""
    out = tmp_path / "report"
    made = cli_runner.invoke(cli, ["report", "--now", now.isoformat(), "--format",
                                   "json", "--out", str(out)])
    assert made.exit_code == 0, made.output
    return {r["report_email"]: r for r in json.loads(
        (out / "report.json").read_text(encoding="utf-8"))["pairs"]}


def test_report_marks_a_pair_whose_calendar_cannot_be_read(runner: CliRunner,  # noqa: F811
                                                           tmp_path: Path) -> None:
    assert runner.invoke(cli, ["tick", "--now", BOOKED]).exit_code == 0
    _block(True)
    at = datetime.fromisoformat(BOOKED)
    for day in range(2, 70, 3):
        runner.invoke(cli, ["tick", "--now", (at + timedelta(days=day)).isoformat()])
    now = at + timedelta(days=70)
    rows = _report_rows(runner, tmp_path, now)
    why = rows[ROB]["needs_attention"]
    assert why.startswith("calendar unreadable since 2026-11-2"), why
    assert "no held 1-2-1" not in why and "in a row" not in why, why
    assert rows[ROB]["missed"] == 0
    assert "calendar unreadable" not in rows[SAL]["needs_attention"]


def test_report_marks_the_pair_while_its_meetings_are_on_a_series_followed_on(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Once a pair's series is extended, the coming months' meetings are on the superseded
    series (the follow-on starts after its end): that one is listed, and fails, while the
    pair's live series is not due for months. The report looked only at the live series, so
    a pair older than one extension was not marked (here: only from the day the follow-on
    fell due, weeks later; with the default months ahead, not for months), its unread
    meetings judged as if read, while `status` said its calendar could not be read."""
    followed_on(runner, monkeypatch)
    _block(True)
    at = datetime.fromisoformat("2027-01-04T09:00:00Z")
    for day in range(0, 30, 2):
        runner.invoke(cli, ["tick", "--now", (at + timedelta(days=day)).isoformat()])
    now = at + timedelta(days=30)
    rows = _report_rows(runner, tmp_path, now)
    why = rows[ROB]["needs_attention"]
    assert why.startswith("calendar unreadable since 2027-01-0"), why
    assert "calendar unreadable" not in rows[SAL]["needs_attention"]
