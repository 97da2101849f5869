"""Text typed into the CLI (`topics add`, `notes add`) is outside text too: it is cleaned as
Graph's text is (domain/text.py) before it is stored, so a bidi override can't reach an
agenda, a preview or a summary, and undecodable bytes can't stop the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import cli
from service.store.db import make_engine
from service.store.models import NoteRow, TopicRow
from service.store.repo import Store
from tests.cli_env import cli_clock

TOM = "tom.fletcher@contoso.example"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" shows as "exe.txt"


@pytest.fixture
def run(db_url: str, settings_for, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The demo organisation scheduled as of Mon 23 Nov 2026 in ``db_url``; returns a way
    to run the CLI against it."""
    settings = settings_for(db_url)  # upgrades a PostgreSQL database, as an admin would
    monkeypatch.chdir(tmp_path)
    cli_clock(monkeypatch, "2026-12-05T12:00:00Z")  # `preview` (no --now): a meeting to come
    env = {"ONETOONE_DATABASE_URL": db_url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(settings.microsoft.sandbox_state),
           "COLUMNS": "200"}

    def invoke(*args: str, input: str | None = None, exit_code: int = 0) -> str:
        result = CliRunner().invoke(cli, list(args), env=env, input=input)
        assert result.exit_code == exit_code, result.output
        return result.output

    invoke("tick", "--now", "2026-11-23T09:00:00Z")
    invoke.store = Store(make_engine(db_url))  # type: ignore[attr-defined]
    return invoke


def test_topic_loses_bidi_override_in_store_agenda_and_preview(run, tmp_path: Path) -> None:
    """A topic typed with U+202E is stored, previewed and written to the HTML without it."""
    run("topics", "add", TOM, f"Career {RLO}gpj.exe plan")
    with run.store.session() as s:
        texts = list(s.scalars(select(TopicRow.text)))
    assert texts == ["Career gpj.exe plan"]
    shown = run("preview", TOM, "--out", "p.html")
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Career gpj.exe plan" in shown and "Career gpj.exe plan" in html
    assert RLO not in shown and RLO not in html


def test_topic_with_undecodable_argument_bytes_is_stored(run) -> None:
    """Bytes of another encoding on the command line reach Python as lone surrogates; they
    become U+FFFD rather than stopping the store (which can't encode them)."""
    run("topics", "add", TOM, "Caf\udce9 rota")
    with run.store.session() as s:
        assert list(s.scalars(select(TopicRow.text))) == ["Caf\ufffd rota"]


def test_topic_of_only_control_characters_is_empty(run) -> None:
    """What is left after cleaning is what counts as the topic."""
    said = run("topics", "add", TOM, f" {RLO}\u2066\x00 ", exit_code=1)
    assert "The topic is empty" in said
    with run.store.session() as s:
        assert list(s.scalars(select(TopicRow.text))) == []


def test_notes_and_actions_lose_bidi_overrides(run) -> None:
    """Notes from stdin, and the actions parsed from them, are cleaned before they are
    stored."""
    run("notes", "add", TOM, input=f"Good {RLO}chat.\nAction: Tom: write the {RLO}doc by 4 Dec\n")
    with run.store.session() as s:
        notes = list(s.scalars(select(NoteRow.text)))
    assert notes == ["Good chat."]
    listing = run("actions", "--open")
    assert "write the doc" in listing and RLO not in listing


def test_a_topic_already_on_the_list_is_not_added_again(run) -> None:
    run("topics", "add", TOM, "Career plan")
    said = run("topics", "add", TOM, "  career   PLAN. ")
    assert "Already on the list" in said and "not added again" in said
    with run.store.session() as s:
        assert list(s.scalars(select(TopicRow.text))) == ["Career plan"]
