"""`onetoone report` without --to covers today wherever the organisation meets. It ended the
period at tomorrow in UTC, and the report counts each pair's days where it meets: on a
Sydney morning (still yesterday in UTC) that day's Sydney 1-2-1s, held already, were left
out of the report run then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.cli_env import cli_clock, cli_env

SYDNEY = "AUS Eastern Standard Time"
JAMAL = "jamal.wright@contoso.example"
NOW = "2027-01-11T23:45:00Z"  # 10:45 on Tuesday 12 January in Sydney


def _jamal(runner: CliRunner, out: Path, *period: str) -> tuple[dict, dict]:
    made = runner.invoke(cli, ["report", "--now", NOW, *period, "--format", "json",
                               "--out", str(out)])
    assert made.exit_code == 0, made.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (row,) = [r for r in data["pairs"] if r["report_email"] == JAMAL]
    return data, row


def test_the_default_period_holds_a_sydney_meeting_held_this_morning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_env(monkeypatch, tmp_path, 200)
    runner = CliRunner()
    assert runner.invoke(cli, ["pairs", "--now", "2026-12-01T09:00:00Z"]).exit_code == 0
    state = tmp_path / "onetoone-sandbox.json"
    tenant = json.loads(state.read_text(encoding="utf-8"))
    for user in tenant["users"].values():  # Marcus Johnson's team works from Sydney
        box = user["mailboxSettings"]
        if box["timeZone"] == "Eastern Standard Time":
            box["timeZone"] = SYDNEY
            box["workingHours"]["timeZone"] = {"name": SYDNEY}
    state.write_text(json.dumps(tenant), encoding="utf-8")
    for now in ("2026-12-01T09:00:00Z", "2027-01-08T09:00:00Z", NOW):
        ran = runner.invoke(cli, ["tick", "--now", now])
        assert ran.exit_code == 0, ran.output
    # Jamal's 1-2-1 at 10:00 there today (23:00 UTC yesterday) is over; its notes are in.
    cli_clock(monkeypatch, NOW)
    added = runner.invoke(cli, ["notes", "add", JAMAL, "--date", "2027-01-12"],
                          input="Talked about Q1.\n")
    assert added.exit_code == 0, added.output
    _, before = _jamal(runner, tmp_path / "before", "--to", "2027-01-12")
    _, through = _jamal(runner, tmp_path / "through", "--to", "2027-01-13")
    assert through["held"] == before["held"] + 1, (before, through)
    data, row = _jamal(runner, tmp_path / "default")
    assert row["held"] == through["held"], "today's Sydney 1-2-1 was left out"
    assert data["to"] == "2027-01-13", data["to"]
