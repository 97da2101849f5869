"""`topics add` with a topic longer than a topic may be says so and adds nothing, rather
than saying "Added" and keeping its first 2000 characters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import TopicRow

TOM = "tom.fletcher@contoso.example"


def test_too_long_topic_is_refused_not_cut(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    for key in [k for k in os.environ if k.startswith("ONETOONE_")]:
        monkeypatch.delenv(key)
    runner = CliRunner()
    assert runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"]).exit_code == 0
    long = "a" * 1995 + " THE-ASK"  # 2003 characters: the point is at the end
    result = runner.invoke(cli, ["topics", "add", TOM, long])
    assert result.exit_code == 1, result.output
    assert "2003 characters" in result.output and "at most 2000" in result.output
    with make_engine(f"sqlite:///{tmp_path / 'onetoone.db'}").connect() as c:
        assert list(c.scalars(select(TopicRow.text))) == []
    assert runner.invoke(cli, ["topics", "add", TOM, "a" * 2000]).exit_code == 0
