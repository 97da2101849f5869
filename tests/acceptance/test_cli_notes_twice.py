"""`notes add` run twice (a retry, the same file piped again) stores the note once, as it
stores an action once: else the report is mailed the same notes twice, and the record holds
them twice. Input that is only actions stores no empty note."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import NoteRow

TOM = "tom.fletcher@contoso.example"


def _notes(tmp_path: Path) -> list[str]:
    with make_engine(f"sqlite:///{tmp_path / 'onetoone.db'}").connect() as c:
        return list(c.scalars(select(NoteRow.text)))


def test_notes_add_twice_stores_one_note(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    for key in [k for k in os.environ if k.startswith("ONETOONE_")]:
        monkeypatch.delenv(key)
    runner = CliRunner()
    assert runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"]).exit_code == 0
    text = "Talked about the move.\nAction: Tom: draft the handover by 12 Dec\n"
    for _ in range(2):
        added = runner.invoke(cli, ["notes", "add", TOM], input=text)
        assert added.exit_code == 0, added.output
    assert "Not saved again" in added.output and "0 action(s) added" in added.output
    assert _notes(tmp_path) == ["Talked about the move."]
    only_actions = runner.invoke(cli, ["notes", "add", TOM],
                                 input="Action: Tom: book the course\n")
    assert only_actions.exit_code == 0 and "1 action(s) added" in only_actions.output
    assert _notes(tmp_path) == ["Talked about the move."]  # no empty note beside it
