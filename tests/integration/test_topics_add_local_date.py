"""`topics add` dates a topic by the day where the pair meets (the series' own zone), as a
topic mailed in is: the agenda shows "raised 4 Dec 2026" for a topic a New York pair added
on the evening of the 4th, not the UTC day after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import TopicRow
from service.store.repo import Store
from tests.cli_env import cli_clock

OLIVIA = "olivia.chen@contoso.example"  # Marcus Johnson's report, New York


def test_topic_added_in_the_evening_is_raised_that_local_day(
        db_url: str, settings_for, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(db_url)
    monkeypatch.chdir(tmp_path)
    env = {"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(settings.microsoft.sandbox_state),
           "COLUMNS": "200"}
    ran = CliRunner().invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"], env=env)
    assert ran.exit_code == 0, ran.output
    cli_clock(monkeypatch, "2026-12-05T02:30:00Z")  # Fri 4 Dec, 21:30 in New York
    ran = CliRunner().invoke(cli, ["topics", "add", OLIVIA, "Q1 targets"], env=env)
    assert ran.exit_code == 0, ran.output
    with Store(make_engine(db_url)).session() as s:
        assert list(s.scalars(select(TopicRow.raised_on))) == [date(2026, 12, 4)]
    shown = CliRunner().invoke(cli, ["preview", OLIVIA, "--out", "p.html"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "raised 4 Dec 2026" in (tmp_path / "p.html").read_text(encoding="utf-8")
