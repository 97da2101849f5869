"""`notes add --date` takes the meeting's date where it happens (the series' own zone), as
`preview --date` does: a Sydney 1-2-1 at 10:00 on Tuesday 12 Jan is 23:00 UTC on the 11th."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import NoteRow, OccurrenceRow
from tests.cli_env import cli_env

SYDNEY = "AUS Eastern Standard Time"
JAMAL = "jamal.wright@contoso.example"


def test_notes_add_date_is_the_meetings_local_date(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cli_env(monkeypatch, tmp_path, 200)
    runner = CliRunner()
    assert runner.invoke(cli, ["pairs", "--now", "2026-12-01T09:00:00Z"]).exit_code == 0
    state = tmp_path / "onetoone-sandbox.json"
    tenant = json.loads(state.read_text())
    for user in tenant["users"].values():  # Marcus Johnson's team works from Sydney
        box = user["mailboxSettings"]
        if box["timeZone"] == "Eastern Standard Time":
            box["timeZone"] = SYDNEY
            box["workingHours"]["timeZone"] = {"name": SYDNEY}
    state.write_text(json.dumps(tenant))
    for now in ("2026-12-01T09:00:00Z", "2027-01-08T09:00:00Z", "2027-01-12T01:00:00Z"):
        ran = runner.invoke(cli, ["tick", "--now", now])
        assert ran.exit_code == 0, ran.output
    engine = make_engine(f"sqlite:///{tmp_path / 'onetoone.db'}")
    with engine.connect() as c:
        starts = [str(r) for r in c.scalars(select(OccurrenceRow.start))]
    assert any(s.startswith("2027-01-11 23:00") for s in starts), starts  # Tue 12 Jan, 10:00

    preview = runner.invoke(cli, ["preview", JAMAL, "--date", "2027-01-12", "--out", "p.html"])
    assert preview.exit_code == 0, preview.output
    added = runner.invoke(cli, ["notes", "add", JAMAL, "--date", "2027-01-12"],
                          input="Talked about Q1.\n")
    assert added.exit_code == 0, added.output
    assert "the meeting on 12 Jan 2027" in added.output
    with engine.connect() as c:
        occ = c.scalar(select(NoteRow.occurrence_id).where(NoteRow.text == "Talked about Q1."))
        start = c.scalar(select(OccurrenceRow.start).where(OccurrenceRow.id == occ))
    assert str(start).startswith("2027-01-11 23:00")
    # The UTC date is not the meeting's date.
    wrong = runner.invoke(cli, ["notes", "add", JAMAL, "--date", "2027-01-11"], input="x\n")
    assert wrong.exit_code == 1
