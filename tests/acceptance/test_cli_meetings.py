"""CLI meeting commands (topics, preview, notes, actions) on a scheduled sandbox org."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import NoteRow, TopicRow
from tests.cli_env import cli_clock, cli_env


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 200)
    # Scheduled as of 23 Nov 2026; the commands without --now run as of 5 Dec, with meetings
    # held since and more to come, whatever day the tests run.
    cli_clock(monkeypatch, "2026-12-05T12:00:00Z")
    runner = CliRunner()
    result = runner.invoke(cli, ["tick", "--now", "2026-11-23T09:00:00Z"])
    assert result.exit_code == 0, result.output
    return runner


def test_topic_shows_first_and_escaped_in_preview(runner: CliRunner, tmp_path: Path) -> None:
    """A report's topic leads the previewed agenda, and its HTML is shown as text."""
    assert runner.invoke(cli, ["topics", "add", "tom.fletcher@contoso.example",
                               "Career <script>x</script>"]).exit_code == 0
    result = runner.invoke(cli, ["preview", "tom.fletcher@contoso.example", "--out", "p.html"])
    assert result.exit_code == 0, result.output
    assert "Career <script>x</script> — Tom" in result.output
    said = runner.invoke(cli, ["topics", "add", "tom.fletcher@contoso.example", "Rota"]).output
    assert re.search(r"Added for Priya Sharma & Tom Fletcher: it will be on the agenda of their "
                     r"meeting on \w{3} \d\d \w{3} \d{4}\.", said), said
    html = (tmp_path / "p.html").read_text()
    assert "&lt;script&gt;" in html and "<script>x" not in html
    # What a pair said is in it (topics, Last time's notes): only its owner may read it.
    assert (tmp_path / "p.html").stat().st_mode & 0o777 == 0o600


def test_notes_add_with_action_then_done(runner: CliRunner) -> None:
    """Notes from stdin are stored; 'Action:' lines become actions that can be closed."""
    result = runner.invoke(cli, ["notes", "add", "tom.fletcher@contoso.example"],
                           input="Good chat.\nAction: Tom: write the design doc by 4 Dec 2026\n")
    assert result.exit_code == 0, result.output
    listing = runner.invoke(cli, ["actions", "--open"])
    assert "write the design doc" in listing.output and "2026-12-04" in listing.output
    assert runner.invoke(cli, ["actions", "done", "1"]).exit_code == 0
    assert "write the design doc" not in runner.invoke(cli, ["actions", "--open"]).output
    again = runner.invoke(cli, ["actions", "done", "1"])
    assert again.exit_code == 1 and "No open action #1" in again.output


def test_private_note_never_becomes_an_action(runner: CliRunner) -> None:
    """A --private note stays a note, even with an 'Action:' line."""
    result = runner.invoke(cli, ["notes", "add", "tom.fletcher@contoso.example", "--private"],
                           input="Action: Tom: confidential thing\n")
    assert result.exit_code == 0 and "private note" in result.output
    assert "confidential" not in runner.invoke(cli, ["actions"]).output


def test_unknown_pair_is_explained(runner: CliRunner) -> None:
    """An unknown pair names what to give instead."""
    result = runner.invoke(cli, ["topics", "add", "nobody@x.test", "hi"])
    assert result.exit_code == 1 and "onetoone pairs" in result.output


def test_preview_on_a_day_without_a_meeting_names_the_next(runner: CliRunner) -> None:
    """--date with no meeting that day is an error naming the pair's next date; future
    meetings not stored yet are numbered as the occurrence sync will number them."""
    from datetime import UTC, date, datetime

    from service.cli.meetings import next_occurrence as _next_occurrence
    from service.config import load_config
    from service.store.db import make_engine
    from service.store.repo import Store

    sophie = "sophie.turner@contoso.example"  # weekly, Thursdays, from 26 Nov
    wrong = runner.invoke(cli, ["preview", sophie, "--date", "2026-11-27", "--out", "a.html"])
    assert wrong.exit_code == 1
    assert "no meeting on 2026-11-27; the next is on 2026-12-03" in wrong.output
    right = runner.invoke(cli, ["preview", sophie, "--date", "2026-12-03", "--out", "b.html"])
    assert right.exit_code == 0, right.output
    store = Store(make_engine(load_config(None).database.url))
    view = next(v for v in store.views() if v.report.email == sophie)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    numbers = [_next_occurrence(store, view, date(2026, 12, d), now).meeting_number
               for d in (3, 10, 17)]
    first = _next_occurrence(store, view, date(2026, 11, 26), now).meeting_number
    assert numbers == [first + 1, first + 2, first + 3]


def test_a_very_long_name_does_not_squeeze_the_tables(runner: CliRunner,
                                                      tmp_path: Path) -> None:
    """Entra allows 256-character names: `status` and `pairs` cut one (with an ellipsis), so
    the other columns and every email stay whole."""
    import sqlite3

    long_name = "Tom " + "Fletcher-" * 20 + "Longname"
    with sqlite3.connect(tmp_path / "onetoone.db") as db:
        assert db.execute("UPDATE people SET name = ? WHERE email = ?",
                          (long_name, "tom.fletcher@contoso.example")).rowcount == 1
    status = runner.invoke(cli, ["status", "--now", "2026-11-23T09:00:00Z"])
    assert status.exit_code == 0, status.output
    assert long_name not in status.output and "Tom Fletcher-Fletcher-" in status.output
    assert "tom.fletcher@contoso.example" in status.output
    for header in ("next meeting", "last held", "open actions"):
        assert header in status.output, status.output
    pairs = runner.invoke(cli, ["pairs", "--now", "2026-11-23T09:00:00Z"])
    assert pairs.exit_code == 0, pairs.output
    assert "tom.fletcher@contoso.example" in pairs.output and "what happens" in pairs.output


def _texts(tmp_path: Path, column: Any) -> list[str]:
    with make_engine(f"sqlite:///{tmp_path / 'onetoone.db'}").connect() as c:
        return list(c.scalars(select(column)))


def test_notes_add_twice_stores_one_note(runner: CliRunner, tmp_path: Path) -> None:
    """Run twice (a retry, the same file piped again), the note is stored once, as an action
    is: else the report is mailed the same notes twice, and the record holds them twice.
    Input that is only actions stores no empty note."""
    tom = "tom.fletcher@contoso.example"
    text = "Talked about the move.\nAction: Tom: draft the handover by 12 Dec\n"
    for _ in range(2):
        added = runner.invoke(cli, ["notes", "add", tom], input=text)
        assert added.exit_code == 0, added.output
    assert "Not saved again" in added.output and "0 action(s) added" in added.output
    assert _texts(tmp_path, NoteRow.text) == ["Talked about the move."]
    only_actions = runner.invoke(cli, ["notes", "add", tom],
                                 input="Action: Tom: book the course\n")
    assert only_actions.exit_code == 0 and "1 action(s) added" in only_actions.output
    assert _texts(tmp_path, NoteRow.text) == ["Talked about the move."]  # no empty note


def test_too_long_topic_is_refused_not_cut(runner: CliRunner, tmp_path: Path) -> None:
    """A topic longer than a topic may be is refused, saying so, rather than "Added" with
    its first 2000 characters kept."""
    tom = "tom.fletcher@contoso.example"
    long = "a" * 1995 + " THE-ASK"  # 2003 characters: the point is at the end
    result = runner.invoke(cli, ["topics", "add", tom, long])
    assert result.exit_code == 1, result.output
    assert "2003 characters" in result.output and "at most 2000" in result.output
    assert _texts(tmp_path, TopicRow.text) == []
    assert runner.invoke(cli, ["topics", "add", tom, "a" * 2000]).exit_code == 0
