"""An --out never writes over the database, the config file or the pairs file in use, even
with --force; another file already there is replaced only with --force, or when it is in a
folder an earlier report or demo run wrote (so the quick start's demo runs again in one
command). A mistyped --out used to turn the live database into an HTML page, exit 0."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.cli.outfiles import MARKER
from tests.cli_env import cli_clock
from tests.integration.test_cli_paths import NOW, TOM, refused, runner

__all__ = ["runner"]  # the fixture, as test_cli_paths has it

EVIDENCE = ("evidence", TOM, "--from", "2026-11-01", "--to", "2026-12-31")


@pytest.fixture
def here(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The sandbox organisation scheduled into ./onetoone.db, with a config file and a pairs
    file beside it, as an admin's working folder is."""
    cli_clock(monkeypatch, "2026-12-05T12:00:00Z")  # `preview` (no --now): a meeting to come
    for args in (["db", "upgrade"], ["schedule", "--now", NOW]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    # (after scheduling: the commands below read the pairs file's setting, not the file)
    Path("pairs.csv").write_text("manager_email,report_email\n")
    Path("onetoone.toml").write_text('[pairs]\nsource = "file"\nfile = "pairs.csv"\n')
    return runner


def ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_database_config_and_pairs_file_are_never_written_over(here: CliRunner) -> None:
    """Whatever the command and flags, the file stays as it was and the message names it."""
    before = {name: Path(name).read_bytes() for name in ("onetoone.toml", "pairs.csv")}
    for name, what in (("onetoone.db", "the database ([database] url)"),
                       ("onetoone.toml", "the config file in use (./onetoone.toml, "
                                         "found in this folder)"),
                       ("./pairs.csv", "the pairs file ([pairs] file)")):
        for args in (("preview", TOM, "--out", name), (*EVIDENCE, "--out", name)):
            out = refused(here, *args, "--force")
            assert f"--out {Path(name)} is {what}" in out
    assert {name: Path(name).read_bytes() for name in before} == before
    assert sqlite3.connect("onetoone.db").execute("select count(*) from pairings").fetchone()[0]
    out = refused(here, "demo", "--out", ".", "--force", "--now", NOW)
    assert "--out . holds onetoone." in out  # the database or the config


def test_an_existing_file_is_replaced_only_with_force(here: CliRunner) -> None:
    Path("mine.html").write_text("keep me")
    for args in (("preview", TOM), EVIDENCE):
        out = refused(here, *args, "--out", "mine.html")
        assert "mine.html exists; pass --force to replace it" in out
        assert Path("mine.html").read_text() == "keep me"
    ok(here, "preview", TOM, "--out", "mine.html", "--force")
    assert "<body>" in Path("mine.html").read_text()
    assert [p.name for p in Path().glob(".mine.html.*")] == []  # no temporary file left


def test_a_report_replaces_only_what_it_wrote_before(here: CliRunner) -> None:
    """Its own folder is written again; a folder holding someone's index.html is not,
    unless --force (and that folder is not taken as the report's own afterwards)."""
    ok(here, "report", "--now", NOW, "--out", "hr")
    assert (Path("hr") / MARKER).is_file()
    ok(here, "report", "--now", NOW, "--out", "hr")
    Path("site").mkdir()
    Path("site/index.html").write_text("the team's home page")
    out = refused(here, "report", "--now", NOW, "--out", "site")
    assert "--out site already holds files onetoone did not write (index.html); pass " \
           "--force" in out
    assert Path("site/index.html").read_text() == "the team's home page"
    ok(here, "report", "--now", NOW, "--out", "site", "--force")
    assert not (Path("site") / MARKER).exists()
    refused(here, "report", "--now", NOW, "--out", "site")


def test_the_demo_does_not_run_into_a_foreign_folder(runner: CliRunner) -> None:
    # (That it runs again into its own, the quick start run twice with no --force, is
    # tests/acceptance/test_cli.py::test_demo_runs_and_second_run_creates_nothing.)
    Path("notes").mkdir()
    Path("notes/index.html").write_text("mine")
    out = refused(runner, "demo", "--out", "notes", "--now", NOW)
    assert "--out notes already holds files onetoone did not write (index.html)" in out
    assert Path("notes/index.html").read_text() == "mine"


def test_a_device_or_pipe_is_never_written_even_with_force(here: CliRunner) -> None:
    """`--out /dev/null` made the device owner-only (0600) as root, so every other program
    writing to it failed (CI's own PostgreSQL set-up did); replacing it would make it a
    plain file. A FIFO stands in for the device here: it must stay a FIFO, its mode as it
    was."""
    import os
    import stat

    os.mkfifo("pipe", 0o666)
    os.chmod("pipe", 0o666)  # (whatever the umask)
    for args in (("preview", TOM, "--out", "pipe", "--force"),
                 (*EVIDENCE, "--out", "pipe", "--force")):
        out = refused(here, *args)
        assert "--out pipe is not a regular file (a device, pipe or socket)" in out
    Path("reports").mkdir()
    os.mkfifo("reports/index.html", 0o666)
    os.chmod("reports/index.html", 0o666)
    out = refused(here, "report", "--now", NOW, "--out", "reports", "--force")
    assert "is not a regular file" in out
    reader = os.open("pipe", os.O_RDONLY | os.O_NONBLOCK)  # (a write would not block)
    try:
        out = refused(here, "init", "--path", "pipe", "--force")
    finally:
        os.close(reader)
    assert "pipe is not a regular file" in out
    for fifo in ("pipe", "reports/index.html"):
        found = os.stat(fifo)
        assert stat.S_ISFIFO(found.st_mode) and stat.S_IMODE(found.st_mode) == 0o666


def test_the_private_writer_and_the_database_guard_leave_a_device_alone(
        tmp_path: Path) -> None:
    import os
    import stat

    from service.errors import ServiceError
    from service.store.db import keep_private
    from service.store.insight import write_private

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o666)
    os.chmod(fifo, 0o666)
    with pytest.raises(ServiceError, match="not a regular file"):
        write_private(fifo, "x")
    keep_private(f"sqlite:///{fifo}")  # (a URL naming a device: its mode is not ours)
    found = os.stat(fifo)
    assert stat.S_ISFIFO(found.st_mode) and stat.S_IMODE(found.st_mode) == 0o666
