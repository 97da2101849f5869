"""What an --out may replace: never the database, the config file or the pairs file in use;
another existing file only with --force, or inside a folder an earlier report or demo wrote
(its marker file says so).

A mistyped --out (``--out onetoone.db``) would otherwise turn the live database into an HTML
page, all its data gone, with "Written to onetoone.db" and exit 0."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from service.cli.output import cannot_write
from service.errors import ServiceError

if TYPE_CHECKING:
    from service.cli.context import Ctx

# Left in a folder a report or the demo created (or found empty): the next run may replace
# what is in it without --force, as the quick start runs the demo again into demo-out/.
MARKER = ".onetoone-output"
MARKER_TEXT = ("Written by onetoone (report or demo). The next run into this folder may "
               "replace the files here without --force.\n")


def kept_files(obj: Ctx) -> dict[Path, str]:
    """The files no --out may replace, and what each is (for the message). A config that
    does not load (the demo needs none) still keeps the config file it names."""
    from service.config.keys import DEFAULT_FILE, ENV_CONFIG
    from service.store.db import sqlite_path

    kept: dict[Path, str] = {}
    # Named as the admin gave it: --config, the environment, or found in this folder.
    how = ("--config" if obj.config_path else ENV_CONFIG if os.environ.get(ENV_CONFIG)
           else f"./{DEFAULT_FILE}, found in this folder")
    try:
        settings = obj.settings
    except ServiceError:
        given = obj.config_path or os.environ.get(ENV_CONFIG) or DEFAULT_FILE
        return {Path(given): f"the config file in use ({how})"}
    if settings.source != "defaults":
        kept[Path(settings.source)] = f"the config file in use ({how})"
    database = sqlite_path(settings.database.url)
    if database is not None:
        kept[database] = "the database ([database] url)"
    if settings.pairs.file is not None:
        kept[settings.pairs.file] = "the pairs file ([pairs] file)"
    return kept


def _same(a: Path, b: Path) -> bool:
    """One file by two names (a link, a relative path, a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them is not there (yet): compare where the names lead
        return a.resolve() == b.resolve()


def _refuse_kept(path: Path, option: str, kept: dict[Path, str]) -> None:
    for file, what in kept.items():
        if _same(path, file):
            raise ServiceError(f"{option} {path} is {what}: it is never written over, "
                               f"even with --force. Choose another {option}.")


def _refuse_link(path: Path, option: str) -> None:
    # Said before "exists": a link is refused even with --force (see write_private).
    if path.is_symlink():
        raise cannot_write(path, OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)),
                           option)


def _refuse_special(path: Path, option: str) -> None:
    # Even with --force: "replacing" /dev/null would break the machine (see write_private).
    if path.exists() and not path.is_file() and not path.is_dir():
        raise ServiceError(f"{option} {path} is not a regular file (a device, pipe or "
                           f"socket): it is never written. Give {option} a file name.")


def check_file(path: Path, option: str, *, force: bool, kept: dict[Path, str]) -> None:
    """Raise unless ``path`` (given by ``option``) may be written: not a kept file, and
    not an existing file unless ``force``."""
    _refuse_kept(path, option, kept)
    _refuse_link(path, option)
    _refuse_special(path, option)
    if path.exists() and not path.is_dir() and not force:
        raise ServiceError(f"{path} exists; pass --force to replace it, or choose another "
                           f"{option}.")


def check_folder(folder: Path, names: Iterable[str] | None, option: str, *, force: bool,
                 kept: dict[Path, str]) -> bool:
    """Raise unless the run may write ``names`` into ``folder`` (None: files not known
    beforehand, as the demo's pages, so any file already in the folder counts). True when
    the folder is ours (new, empty or marked) and should be marked after the run."""
    known = list(names or ())
    for name in known:
        _refuse_kept(folder / name, option, kept)
        _refuse_link(folder / name, option)
        _refuse_special(folder / name, option)
    if names is None:  # anything the demo writes lands in the folder
        for file, what in kept.items():
            if file.exists() and folder.resolve() in file.resolve().parents:
                raise ServiceError(f"{option} {folder} holds {file}, {what}: choose another "
                                   f"{option}.")
    if not folder.is_dir():
        return True  # new (or not a folder: writing it says why)
    if (folder / MARKER).is_file():
        return True
    present = sorted(p.name for p in folder.iterdir())
    if not present:
        return True
    taken = present if names is None else [n for n in known if (folder / n).exists()]
    if taken and not force:
        shown = ", ".join(taken[:5]) + (" …" if len(taken) > 5 else "")
        raise ServiceError(f"{option} {folder} already holds files onetoone did not write "
                           f"({shown}); pass --force to replace them, or choose another "
                           f"{option} (a new or empty folder).")
    return False


def mark(folder: Path) -> None:
    """Say the folder is one a later report or demo may write into again."""
    marker = folder / MARKER
    if not marker.is_file():  # (owner-only, as the files beside it)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(MARKER_TEXT)
