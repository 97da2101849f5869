"""Paths the admin names that cannot be used: output files (init --path, preview, report,
evidence, demo --out) and a SQLite [database] url. Each gives one line naming the path and
what to do, exit 1, never a traceback; a PostgreSQL URL keeps the server hint."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError

from service.cli import cli
from service.errors import StoreError
from service.store import db as store_db
from service.store.db import make_engine, single_worker, upgrade
from service.store.errors import translate
from tests.cli_env import cli_clock, cli_env

NOW = "2026-11-23T09:00:00Z"
TOM = "tom.fletcher@contoso.example"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 400)
    return CliRunner()


@pytest.fixture
def scheduled(runner: CliRunner, db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The sandbox organisation scheduled into a fresh database (SQLite and PostgreSQL)."""
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    cli_clock(monkeypatch, "2026-12-05T12:00:00Z")  # `preview` (no --now): a meeting to come
    for args in (["db", "upgrade"], ["schedule", "--now", NOW]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return runner


def refused(runner: CliRunner, *args: str) -> str:
    """Run a command that must fail cleanly; its output. catch_exceptions=False: a
    traceback (an OSError escaping) fails the test instead of being turned into exit 1."""
    result: Result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_init_into_a_missing_folder_says_create_it(runner: CliRunner) -> None:
    out = refused(runner, "init", "--path", "nodir/x.toml")
    assert "error: nodir/x.toml: cannot be written: the folder nodir does not exist. " \
           "Create it, or choose another --path." in out
    assert not Path("nodir").exists()  # a mistyped folder is not created behind the admin's back


def test_init_under_a_file(runner: CliRunner) -> None:
    Path("afile").write_text("")
    out = refused(runner, "init", "--path", "afile/x.toml")
    assert "afile/x.toml: cannot be written: part of it is a file, not a folder. " \
           "Choose another --path." in out


def test_preview_and_evidence_into_unusable_folders(scheduled: CliRunner) -> None:
    out = refused(scheduled, "preview", TOM, "--out", "nodir/a.html")
    assert "nodir/a.html: cannot be written: the folder nodir does not exist. Create it, " \
           "or choose another --out." in out
    Path("afile").write_text("")
    # evidence creates its folder (owner-only), so only a folder that can't be made fails
    out = refused(scheduled, "evidence", TOM, "--from", "2026-11-01", "--to", "2026-12-31",
                  "--out", "afile/sub/e.html")
    assert "afile/sub/e.html: cannot be written: part of it is a file, not a folder. " \
           "Choose another --out." in out
    out = refused(scheduled, "report", "--now", NOW, "--out", "afile/sub")
    assert "afile/sub/index.html: cannot be written: part of it is a file, not a folder. " \
           "Choose another --out." in out


def test_demo_into_a_folder_that_cannot_be_made(runner: CliRunner) -> None:
    Path("afile").write_text("")
    out = refused(runner, "demo", "--out", "afile/demo", "--now", NOW)
    assert "afile/demo: cannot be written: part of it is a file, not a folder. " \
           "Choose another --out." in out


def test_sqlite_url_in_a_missing_folder_names_the_folder(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    Path("onetoone.toml").write_text('[database]\nurl = "sqlite:///nodir/x.db"\n')
    folder = tmp_path / "nodir"
    for args in (["db", "upgrade"], ["pairs", "--now", NOW], ["status"]):
        out = refused(runner, *args)
        assert f"the folder {folder} does not exist. Create it, or set [database] url" in out
        assert "server" not in out
    result = runner.invoke(cli, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "database:" in x)
    assert f"cannot open the SQLite file: the folder {folder} does not exist" in line
    assert "server" not in result.output
    assert not folder.exists()


def test_doctor_creates_no_database_file(runner: CliRunner, tmp_path: Path) -> None:
    """A check changes nothing: a SQLite file not there yet (or a typo'd path) is reported
    as created by the first run, and doctor does not create it, nor the sandbox's state."""
    Path("onetoone.toml").write_text('[database]\nurl = "sqlite:///typo.db"\n')
    result = runner.invoke(cli, ["doctor"], catch_exceptions=False)
    line = next(x for x in result.output.splitlines() if "database:" in x)
    assert "typo.db does not exist yet: the first run creates it" in line
    assert "✓ sign-in: built-in sandbox tenant" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onetoone.toml"]


def test_sqlite_url_in_an_unwritable_folder_says_so(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """os.access is stubbed: run as root (CI containers), a real chmod would not bite."""
    monkeypatch.setattr(store_db.os, "access", lambda path, mode: Path(path) != tmp_path)
    url = f"sqlite:///{tmp_path / 'sub.db'}"
    problem = store_db.sqlite_open_error(url)
    assert problem is not None
    assert f"the folder {tmp_path} is not writable by this user" in problem
    assert "Give this user write access to it" in problem


def test_commands_that_create_the_sqlite_file_in_a_read_only_folder_say_so(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`db upgrade`, `schedule` and `tick` create the file: in a folder they may not write
    (a read-only mount, which refuses root too) they said it as a traceback of the
    OSError, while `run` and `doctor` named the folder. os.access and os.open are stubbed:
    run as root, a real chmod would not bite."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "onetoone.db"
    Path("onetoone.toml").write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    real_open, real_access = store_db.os.open, store_db.os.access

    def read_only_open(path: object, *args: object, **kwargs: object) -> int:
        if Path(str(path)).parent == folder:
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_db.os, "open", read_only_open)
    monkeypatch.setattr(store_db.os, "access",
                        lambda path, mode: Path(path) != folder and real_access(path, mode))
    for args in (["db", "upgrade"], ["schedule", "--now", NOW], ["tick", "--now", NOW]):
        out = refused(runner, *args)
        assert f"the folder {folder} is not writable by this user" in out, out
        assert "Give this user write access to it" in out
    assert not db.exists()


def test_worker_lock_in_a_missing_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nodir' / 'x.db'}"
    with pytest.raises(StoreError, match=re.escape(f"folder {tmp_path / 'nodir'} does not")), \
            single_worker(url):
        pass


def test_postgresql_keeps_the_server_hint() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=5")
    with pytest.raises(StoreError, match="that the server is running"):
        upgrade(engine)


def test_store_errors_tell_sqlite_from_a_server() -> None:
    locked = OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
    said = str(translate(locked, "views"))
    assert "SQLite file" in said and "server" not in said
    refused_conn = OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert "that the server is running" in str(translate(refused_conn, "views"))


def test_writing_leaves_errors_about_other_files_alone(tmp_path: Path) -> None:
    """A file the block reads elsewhere (a pairs file) keeps its own error."""
    from service.cli.output import writing

    with pytest.raises(FileNotFoundError), writing(tmp_path / "out" / "a.html", "--out"):
        (tmp_path / "elsewhere.csv").read_text()


def test_a_pairs_file_missing_for_now_stops_only_the_pairs_step(
        scheduled: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A share not mounted yet: status still answers, a tick fails its pairs step only
    (saying which file), and doctor names it; the meetings already booked are untouched."""
    monkeypatch.setenv("ONETOONE_PAIRS_SOURCE", "file")
    monkeypatch.setenv("ONETOONE_PAIRS_FILE", "pairs.csv")
    status = scheduled.invoke(cli, ["status"], catch_exceptions=False)
    assert status.exit_code == 0, status.output
    out = refused(scheduled, "tick", "--now", "2026-11-23T10:00:00Z")
    assert "pairs.csv: the pairs file does not exist" in out
    assert "agendas:" in out  # the later steps ran
    doctor = scheduled.invoke(cli, ["doctor"], catch_exceptions=False)
    assert "pairs file" in doctor.output and "does not exist" in doctor.output


def test_init_into_a_folder_says_it_is_a_folder_without_force(runner: CliRunner) -> None:
    """--path naming a folder is not "already exists; use --force" (which would fail too)."""
    Path("conf").mkdir()
    out = refused(runner, "init", "--path", "conf")
    assert "it is a folder. Give --path a file name." in out and "--force" not in out


def test_a_config_file_from_another_folder_never_starts_a_second_database(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default [database] url is relative to the working folder (config/load.py). Run
    with --config from another folder, a command took the database as not there yet: a
    run would have started a second, empty one (its notes, actions and mail left in the
    first), `status` said nothing was scheduled, and doctor passed. Each names the one beside
    the config file and what to do, and creates nothing: `db upgrade` and `run` too (a
    systemd unit runs both from its own working folder), `run` before the worker starts
    (stubbed to fail here: the test never waits on the worker's clock)."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    config = home / "onetoone.toml"
    config.write_text('[microsoft]\nsandbox_state = "sandbox.json"\n', encoding="utf-8")
    monkeypatch.chdir(home)
    first = runner.invoke(cli, ["--config", str(config), "schedule", "--now", NOW],
                          catch_exceptions=False)
    assert first.exit_code == 0 and (home / "onetoone.db").is_file(), first.output
    monkeypatch.chdir(elsewhere)

    def started(*_args: object) -> None:
        raise AssertionError("the worker started on a second database")

    monkeypatch.setattr("service.worker._run_worker", started)
    for args in (["status"], ["tick", "--now", NOW], ["schedule", "--dry-run", "--now", NOW],
                 ["pairs", "--now", NOW], ["db", "upgrade"], ["run"]):
        said = " ".join(refused(runner, "--config", str(config), *args).split())
        assert (f"No database at {elsewhere / 'onetoone.db'}, but there is one beside the "
                f"config file {config}: {home / 'onetoone.db'}.") in said, (args, said)
        assert f'set [database] url = "sqlite:///onetoone.db" in {config}' in said, said
    doctor = runner.invoke(cli, ["--config", str(config), "doctor"], catch_exceptions=False)
    said = " ".join(doctor.output.split())
    assert doctor.exit_code == 1 and (
        f"✗ database: {elsewhere / 'onetoone.db'} does not exist, but "
        f"{home / 'onetoone.db'} does, beside the config file") in said, said
    assert list(elsewhere.iterdir()) == []
    # Run from the config file's folder, all is as before.
    monkeypatch.chdir(home)
    assert runner.invoke(cli, ["--config", str(config), "status"]).exit_code == 0


def test_init_into_a_missing_folder_named_by_config_says_so(runner: CliRunner) -> None:
    """The path came from --config: the message names that option, not --path."""
    out = refused(runner, "--config", "sub/new.toml", "init")
    assert ("error: sub/new.toml: cannot be written: the folder sub does not exist. Create "
            "it, or choose another --config (or ONETOONE_CONFIG).") in " ".join(out.split())
    assert not Path("sub").exists()
