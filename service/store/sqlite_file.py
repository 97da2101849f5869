"""The SQLite file behind a database URL: where it is, why its folder cannot hold it, and
keeping it private to its owner."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("service.store.db")  # (the events were always logged as the store's)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def read_only_mount(folder: Path) -> bool:
    """Whether the file system holding ``folder`` is mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # (gone meanwhile; no statvfs off POSIX)
        return False


def sqlite_folder_problem(url: str) -> tuple[str, str] | None:
    """Why the SQLite file behind ``url`` cannot be opened when its folder (or its mode) is
    the reason, and what to do, naming the folder (None otherwise, and for other databases).

    sqlite3 says only "unable to open database file" for all of these, and there is no
    server to check. The folder must be writable, not just the file: SQLite creates its
    -wal and -shm files beside it."""
    path = sqlite_path(url)
    if path is None:
        return None
    folder = path.absolute().parent
    other = "or set [database] url to a file in a folder this user can write to."
    if not folder.exists():
        return f"the folder {folder} does not exist", f"Create it, {other}"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder", "Set [database] url to a file in a folder."
    if read_only_mount(folder):
        # (Before the access check, which says the same "not writable" of it: giving the
        # user access would not help. Disk errors often remount a file system read-only.)
        return (f"the file system holding {folder} is mounted read-only (a disk error often "
                "leaves it so)", "Check the disk, and remount it read-write (or restore the "
                f"database onto a disk that is), {other}")
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"the folder {folder} is not writable by this user (SQLite writes its journal "
                "files beside the database)", f"Give this user write access to it, {other}")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return (f"the file {path.absolute()} is not readable and writable by this user",
                f"Give this user access to it, {other}")
    return None


def sqlite_exposed(url: str) -> list[tuple[Path, int]]:
    """The SQLite file behind ``url``, and its -wal and -shm files, that users other than
    its owner may read or write, with their modes (none for other databases)."""
    path = sqlite_path(url)
    if path is None:
        return []
    out = []
    for one in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            found = one.stat()
        except OSError:
            continue  # not there (no -wal between runs), or not ours to look at
        mode = stat.S_IMODE(found.st_mode)
        # (Only a file: a URL naming a device, as sqlite:////dev/null, must not have
        # its mode changed under every other program on the machine.)
        if mode & 0o077 and stat.S_ISREG(found.st_mode):
            out.append((one, mode))
    return out


def keep_private(url: str) -> None:
    """Make the SQLite file behind ``url`` (and its -wal and -shm) owner-only, as
    ``make_engine`` creates it: a file restored from a backup or copied into place keeps
    the mode it had (often readable by every user of the machine), and it holds every
    note, private ones included. A file this user may not change (another's) is logged."""
    for path, mode in sqlite_exposed(url):
        try:
            path.chmod(mode & 0o700)
        except OSError as exc:
            log.warning("store.file_exposed", extra={"path": str(path), "mode": f"{mode:04o}",
                                                     "error": exc.strerror or str(exc)})
        else:
            log.warning("store.file_made_private", extra={"path": str(path),
                                                          "mode": f"{mode:04o}"})


def sqlite_open_error(url: str) -> str | None:
    """`sqlite_folder_problem` as one message for a StoreError."""
    problem = sqlite_folder_problem(url)
    if problem is None:
        return None
    what, fix = problem
    return f"Cannot open the SQLite database {sqlite_path(url)}: {what}. {fix}"
