"""A SQLite folder on a file system mounted read-only (disk errors often remount one so) is
said as such, not as a permission this user lacks: giving access would not help."""

from __future__ import annotations

import os
import subprocess
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.store import db
from tests.cli_env import cli_env

NOW = "2026-11-23T09:00:00Z"
READ_ONLY = "is mounted read-only"


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def scheduled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the demo organisation's database, scheduled once."""
    folder = tmp_path / "data"
    folder.mkdir()
    cli_env(monkeypatch, folder, 220)
    monkeypatch.setattr(db, "_engines", OrderedDict())  # this test's own kept engines
    assert CliRunner().invoke(cli, ["tick", "--now", NOW]).exit_code == 0
    # Closed, as each command's own process does on exit: the commands below open the
    # file anew, as they would on a disk remounted read-only under them.
    while db._engines:
        db._engines.popitem()[1][0].dispose()
    return folder


@pytest.fixture
def remounted(scheduled: Path) -> Iterator[Path]:
    """The folder bind-mounted read-only over itself: a real read-only file system (needs
    the right to mount: root in a container that allows it)."""
    if os.geteuid() != 0 or not _mount("--bind", str(scheduled), str(scheduled)):
        pytest.skip("mounting a read-only file system needs root")
    try:
        if not _mount("-o", "remount,ro,bind", str(scheduled)):
            pytest.skip("this container refuses a read-only remount")
        yield scheduled
    finally:
        _mount("-u", str(scheduled)) or subprocess.run(["umount", str(scheduled)])


def _says_read_only(folder: Path) -> None:
    runner = CliRunner()
    for args in (["status"], ["mail"], ["tick", "--now", NOW]):
        result = runner.invoke(cli, args)
        out = " ".join(result.output.split())
        assert result.exit_code == 1, out
        assert f"the file system holding {folder} {READ_ONLY}" in out, out
        assert "remount it read-write" in out, out
        assert "not writable by this user" not in out and "write access" not in out, out
    doctor = " ".join(runner.invoke(cli, ["doctor"]).output.split())
    assert f"✗ database: cannot open the SQLite file: the file system holding {folder} " \
           f"{READ_ONLY}" in doctor, doctor


def test_a_read_only_mount_is_said_as_one(remounted: Path) -> None:
    """On a real read-only mount every command said the folder was not writable by this
    user, and to give it write access."""
    _says_read_only(remounted)


def test_a_read_only_file_system_is_said_as_one(scheduled: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The same where no file system can be mounted (not root): the folder's file system
    reports itself read-only, and writes in it fail as on one (EROFS). os.access says
    "not writable" of a read-only mount, as the kernel does."""
    real_statvfs, real_access, real_open = os.statvfs, os.access, os.open

    def statvfs(path: object) -> os.statvfs_result:
        found = real_statvfs(path)  # type: ignore[arg-type]
        if Path(str(path)) != scheduled:
            return found
        return os.statvfs_result((*found[:8], found.f_flag | os.ST_RDONLY, found[9]))

    def open_(path: object, flags: int, *args: object, **kw: object) -> int:
        if Path(str(path)).parent == scheduled and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "statvfs", statvfs)
    def access(path: object, mode: int) -> bool:
        inside = scheduled in (Path(str(path)), Path(str(path)).parent)
        return not (inside and mode & os.W_OK) and real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)
    problem = db.sqlite_open_error(f"sqlite:///{scheduled / 'onetoone.db'}")
    assert problem is not None and READ_ONLY in problem and "write access" not in problem
